//! The design matrix: what a model is fitted on and scored on, built from a feature table.
//! The rows are those [`UsableRows`] keeps, the columns those of
//! [`FeatureConfig::model_columns`] in that order, and every other missing value is 0 (after
//! the feature contract has seen the unfilled table) — or, for a model that learns where
//! missing values go ([`Missing::Keep`], the trees), NaN. A saved model ([`ModelArtifact`]) keeps
//! the feature settings its matrix needs. Above `features` and `models`, which know nothing
//! of each other.

use arrow_array::{Array, BooleanArray, Date32Array, Float64Array, Int64Array};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::stage::Stage;
use crate::features::{FeatureConfig, UsableRows};
use crate::frame::{Column, Frame};
use crate::models::{FittedModel, Matrix, ModelKind};

/// What models train and are scored on: the matrix, the target, WMAE's weights and the
/// date of each row.
#[derive(Debug, Clone)]
pub struct ModelData {
    pub x: Matrix,
    pub y: Vec<f64>,
    /// 5 on holiday weeks, 1 otherwise (the competition's WMAE weights).
    pub weights: Vec<f64>,
    pub dates: Vec<i32>,
}

/// How the design matrix writes a missing feature value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Missing {
    /// 0, DESIGN's model matrix (the Ridge and seasonal naive reference figures need it).
    Zero,
    /// NaN: the model learns where missing values go.
    Keep,
}

impl Missing {
    /// What the model `kind` wants.
    pub fn for_model(kind: ModelKind) -> Missing {
        if kind.learns_missing_values() { Missing::Keep } else { Missing::Zero }
    }
}

/// WMAE's weight of a row.
pub fn holiday_weight(is_holiday: bool) -> f64 {
    if is_holiday { 5.0 } else { 1.0 }
}

/// The model matrix of a feature table: the rows where `lag_h` and the target are present,
/// the columns of [`FeatureConfig::model_columns`], every other missing value as 0.
pub fn model_data(features: &Frame, config: &FeatureConfig, missing: Missing) -> Result<ModelData> {
    let rows: Vec<u32> = (0..features.num_rows() as u32).collect();
    model_data_at(features, config, &rows, missing)
}

/// [`model_data`] of the rows at `rows` (in that order), without copying the feature table
/// first: rows where `lag_h` or the target is missing are left out, as there. This is the
/// **training-row rule**; [`scored_matrix`] is the scored-row rule.
pub fn model_data_at(features: &Frame, config: &FeatureConfig, rows: &[u32], missing: Missing) -> Result<ModelData> {
    let usable = UsableRows::of(features, &config.required_lag_column())?;
    let target = features.floats("Weekly_Sales")?;
    let holiday = features.bools("IsHoliday")?;
    let dates = features.dates("Date")?;
    let keep: Vec<u32> = rows.iter().copied().filter(|&i| usable.keeps(i as usize)).collect();
    let is_holiday = |i: usize| holiday.is_valid(i) && holiday.value(i);
    Ok(ModelData {
        x: matrix_at(features, config, &keep, missing)?,
        y: keep.iter().map(|&i| target.value(i as usize)).collect(),
        weights: keep.iter().map(|&i| holiday_weight(is_holiday(i as usize))).collect(),
        dates: keep.iter().map(|&i| dates.value(i as usize)).collect(),
    })
}

/// The **scored-row rule** of a forecast: the matrix of every row at `rows` (in that order),
/// whether or not its `lag_h` or its target is known — a series without history, or a future
/// week, is scored all the same; a missing value is written as in training (`missing`).
pub fn scored_matrix(features: &Frame, config: &FeatureConfig, rows: &[u32], missing: Missing) -> Result<Matrix> {
    matrix_at(features, config, rows, missing)
}

/// The model columns of the rows at `rows`, missing values as `missing` says.
fn matrix_at(features: &Frame, config: &FeatureConfig, rows: &[u32], missing: Missing) -> Result<Matrix> {
    let gap = match missing {
        Missing::Zero => 0.0,
        Missing::Keep => f64::NAN,
    };
    let names = config.model_columns();
    let sources = names.iter().map(|n| MatrixSource::of(features, n)).collect::<Result<Vec<_>>>()?;
    let p = names.len();
    let mut data = vec![0.0; rows.len() * p];
    // Column by column within blocks of rows: one typed loop per column and block, while the
    // block of the row-major output stays in cache.
    const BLOCK: usize = 512;
    for (block, out) in rows.chunks(BLOCK).zip(data.chunks_mut(BLOCK * p)) {
        for (c, source) in sources.iter().enumerate() {
            source.fill(block, &mut out[c..], p, gap);
        }
    }
    Matrix::new(names, data)
}

/// A model-matrix column read straight from its Arrow array (no per-cell dispatch):
/// booleans are 0/1, dates days since the epoch, and a missing value (null, or NaN) is `gap`.
enum MatrixSource<'a> {
    Int(&'a Int64Array),
    Float(&'a Float64Array),
    Bool(&'a BooleanArray),
    Date(&'a Date32Array),
}

impl<'a> MatrixSource<'a> {
    fn of(features: &'a Frame, name: &str) -> Result<Self> {
        Ok(match features.column(name)? {
            Column::Int(a) => MatrixSource::Int(a),
            Column::Float(a) => MatrixSource::Float(a),
            Column::Bool(a) => MatrixSource::Bool(a),
            Column::Date(a) => MatrixSource::Date(a),
            Column::Str(_) => return Err(Error::stage(Stage::Features, format!("model column {name} holds text, not numbers"))),
        })
    }

    /// Writes the values at `rows` to `out[0]`, `out[stride]`, `out[2·stride]`, …, a missing
    /// one as `gap`.
    fn fill(&self, rows: &[u32], out: &mut [f64], stride: usize, gap: f64) {
        let cells = out.iter_mut().step_by(stride).zip(rows.iter().map(|&r| r as usize));
        match *self {
            MatrixSource::Int(a) => cells.for_each(|(o, r)| *o = if a.is_valid(r) { a.value(r) as f64 } else { gap }),
            MatrixSource::Float(a) => cells.for_each(|(o, r)| {
                let v = a.value(r);
                *o = if a.is_valid(r) && !v.is_nan() { v } else { gap };
            }),
            MatrixSource::Bool(a) => cells.for_each(|(o, r)| {
                *o = if !a.is_valid(r) { gap } else if a.value(r) { 1.0 } else { 0.0 }
            }),
            MatrixSource::Date(a) => cells.for_each(|(o, r)| *o = if a.is_valid(r) { f64::from(a.value(r)) } else { gap }),
        }
    }
}

/// A fitted model as saved by `shelfcast train` and kept in the registry: the model and the
/// feature settings its matrix needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelArtifact {
    pub format_version: u32,
    pub features: FeatureConfig,
    pub model: FittedModel,
}

impl ModelArtifact {
    pub const FORMAT_VERSION: u32 = 1;

    pub fn new(features: FeatureConfig, model: FittedModel) -> Self {
        ModelArtifact { format_version: Self::FORMAT_VERSION, features, model }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("model artifacts serialize")
    }

    pub fn from_json(text: &str, what: &str) -> Result<Self> {
        let artifact: ModelArtifact =
            serde_json::from_str(text).map_err(|e| Error::artifact(what, format!("not a Shelfcast model file: {e}")))?;
        if artifact.format_version != Self::FORMAT_VERSION {
            return Err(Error::artifact(what, format!("model format version {} is not supported", artifact.format_version)));
        }
        Ok(artifact)
    }
}
