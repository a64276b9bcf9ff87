//! Models: a common shape for every estimator, and the enum that stores fitted ones.
//!
//! Each model follows the same path (as linfa does): a name and string hyperparameters from
//! the user → checked, typed parameters (a bad name or value is an error listing the valid
//! ones) → `fit` on a [`TrainingSet`] → a fitted model that can `predict` and that
//! serializes with serde for the registry. [`FittedModel`] is an enum rather than a trait
//! object so that a stored model deserializes without a type registry, on wasm as natively.

mod binning;
mod gbdt;
mod hist_tree;
mod linear;
mod matrix;
mod rng;
mod seasonal_naive;
mod stats;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use gbdt::{GbdtLoss, GbdtModel, GbdtParams};
pub use hist_tree::Tree;
pub use linear::{LinearModel, RidgeParams};
pub use matrix::Matrix;
pub use seasonal_naive::SeasonalNaive;

use crate::error::{Error, Result};

/// What a model is fitted on: the model matrix, the target and per-row weights
/// (5 on holiday weeks, 1 otherwise, so training aligns with WMAE where a model allows).
///
/// `time` orders the rows in time (the pipeline passes each row's date as days since
/// 1970-01-01). The matrix is sorted by series, not by date, so a model that holds out a
/// validation part for early stopping needs it to take the *latest* rows rather than the
/// last stores; without it such a model falls back to a seeded random hold-out.
#[derive(Debug, Clone, Copy)]
pub struct TrainingSet<'a> {
    pub x: &'a Matrix,
    pub y: &'a [f64],
    pub weights: &'a [f64],
    pub time: Option<&'a [i32]>,
}

/// Progress of a long fit, e.g. trees built; the app turns it into a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FitProgress {
    pub done: usize,
    pub total: usize,
}

/// Everything a fit may need from outside besides the data: the seed (the core has no
/// randomness of its own) and a progress callback.
pub struct FitContext<'a> {
    pub seed: u64,
    pub progress: &'a mut dyn FnMut(FitProgress),
}

impl FitContext<'_> {
    pub fn report(&mut self, done: usize, total: usize) {
        (self.progress)(FitProgress { done, total });
    }
}

/// An estimator with checked parameters.
pub trait Estimator {
    type Fitted: Predictor;
    fn fit(&self, data: TrainingSet<'_>, ctx: &mut FitContext<'_>) -> Result<Self::Fitted>;
}

/// A fitted model.
pub trait Predictor {
    fn predict(&self, x: &Matrix) -> Result<Vec<f64>>;
}

/// The models the engine offers, by their CLI names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelKind {
    SeasonalNaive,
    Ridge,
    Gbdt,
}

impl ModelKind {
    pub const ALL: &'static [ModelKind] = &[ModelKind::SeasonalNaive, ModelKind::Ridge, ModelKind::Gbdt];

    pub fn name(self) -> &'static str {
        match self {
            ModelKind::SeasonalNaive => "seasonal-naive",
            ModelKind::Ridge => "ridge",
            ModelKind::Gbdt => "gbdt",
        }
    }

    pub fn parse(name: &str) -> Result<Self> {
        Self::ALL.iter().copied().find(|k| k.name() == name).ok_or_else(|| {
            let valid: Vec<_> = Self::ALL.iter().map(|k| k.name()).collect();
            Error::Params(format!("unknown model \"{name}\"; valid models: {}", valid.join(", ")))
        })
    }

    /// The hyperparameters this model takes, with their defaults, as strings.
    pub fn default_params(self) -> BTreeMap<String, String> {
        match self {
            ModelKind::SeasonalNaive => BTreeMap::new(),
            ModelKind::Ridge => RidgeParams::default().to_map(),
            ModelKind::Gbdt => GbdtParams::default().to_map(),
        }
    }
}

/// A model and its checked hyperparameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "kebab-case")]
pub enum ModelSpec {
    SeasonalNaive,
    Ridge(RidgeParams),
    Gbdt(GbdtParams),
}

impl ModelSpec {
    /// Checks user-supplied `key=value` hyperparameters against the model's; unknown keys
    /// and unparsable values are errors that list the valid names.
    pub fn new(kind: ModelKind, params: &[(String, String)]) -> Result<Self> {
        let mut values = kind.default_params();
        for (key, value) in params {
            if !values.contains_key(key) {
                let valid: Vec<_> = values.keys().cloned().collect();
                return Err(Error::Params(format!(
                    "model \"{}\" has no parameter \"{key}\"; valid parameters: {}",
                    kind.name(),
                    if valid.is_empty() { "none".to_string() } else { valid.join(", ") }
                )));
            }
            values.insert(key.clone(), value.clone());
        }
        Ok(match kind {
            ModelKind::SeasonalNaive => ModelSpec::SeasonalNaive,
            ModelKind::Ridge => ModelSpec::Ridge(RidgeParams::from_map(&values)?),
            ModelKind::Gbdt => ModelSpec::Gbdt(GbdtParams::from_map(&values)?),
        })
    }

    pub fn kind(&self) -> ModelKind {
        match self {
            ModelSpec::SeasonalNaive => ModelKind::SeasonalNaive,
            ModelSpec::Ridge(_) => ModelKind::Ridge,
            ModelSpec::Gbdt(_) => ModelKind::Gbdt,
        }
    }

    /// The effective hyperparameters, for the run record.
    pub fn params(&self) -> BTreeMap<String, String> {
        match self {
            ModelSpec::SeasonalNaive => BTreeMap::new(),
            ModelSpec::Ridge(p) => p.to_map(),
            ModelSpec::Gbdt(p) => p.to_map(),
        }
    }

    pub fn fit(&self, data: TrainingSet<'_>, ctx: &mut FitContext<'_>) -> Result<FittedModel> {
        check_training_set(&data)?;
        Ok(match self {
            ModelSpec::SeasonalNaive => FittedModel::SeasonalNaive(SeasonalNaive::fit_on(data.x)?),
            ModelSpec::Ridge(p) => FittedModel::Ridge(p.fit(data, ctx)?),
            ModelSpec::Gbdt(p) => FittedModel::Gbdt(p.fit(data, ctx)?),
        })
    }
}

fn check_training_set(data: &TrainingSet<'_>) -> Result<()> {
    if data.x.rows() != data.y.len() || data.y.len() != data.weights.len() {
        return Err(Error::stage(
            "train",
            format!("{} rows of features but {} targets and {} weights", data.x.rows(), data.y.len(), data.weights.len()),
        ));
    }
    if data.x.rows() == 0 {
        return Err(Error::stage("train", "the training part has no rows"));
    }
    if let Some(time) = data.time {
        if time.len() != data.y.len() {
            return Err(Error::stage("train", format!("{} rows of features but {} times", data.x.rows(), time.len())));
        }
    }
    if let Some(r) = data.y.iter().position(|v| !v.is_finite()) {
        return Err(Error::stage("train", format!("target of training row {} is not a finite number", r + 1)));
    }
    if let Some(r) = data.weights.iter().position(|w| !(w.is_finite() && *w >= 0.0)) {
        return Err(Error::stage("train", format!("weight of training row {} is not a finite number ≥ 0", r + 1)));
    }
    Ok(())
}

/// A fitted model of any kind, as stored in a run's artifacts and the registry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "kebab-case")]
pub enum FittedModel {
    SeasonalNaive(SeasonalNaive),
    Ridge(LinearModel),
    Gbdt(GbdtModel),
}

impl FittedModel {
    pub fn kind(&self) -> ModelKind {
        match self {
            FittedModel::SeasonalNaive(_) => ModelKind::SeasonalNaive,
            FittedModel::Ridge(_) => ModelKind::Ridge,
            FittedModel::Gbdt(_) => ModelKind::Gbdt,
        }
    }

    pub fn predict(&self, x: &Matrix) -> Result<Vec<f64>> {
        match self {
            FittedModel::SeasonalNaive(m) => m.predict(x),
            FittedModel::Ridge(m) => m.predict(x),
            FittedModel::Gbdt(m) => m.predict(x),
        }
    }

    /// Named coefficients of linear models (for the coefficient chart), else `None`.
    pub fn coefficients(&self) -> Option<Vec<(String, f64)>> {
        match self {
            FittedModel::Ridge(m) => Some(m.named_coefficients()),
            FittedModel::SeasonalNaive(_) | FittedModel::Gbdt(_) => None,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("fitted models serialize")
    }

    pub fn from_json(text: &str, what: &str) -> Result<Self> {
        serde_json::from_str(text).map_err(|e| Error::artifact(what, format!("not a Shelfcast model: {e}")))
    }
}

/// Parses a hyperparameter, naming it in the error.
pub(crate) fn parse_param<T: std::str::FromStr>(values: &BTreeMap<String, String>, key: &str, what: &str) -> Result<T> {
    let text = values.get(key).map(String::as_str).unwrap_or_default();
    text.parse()
        .map_err(|_| Error::Params(format!("parameter \"{key}\" must be {what}, got \"{text}\"")))
}

/// Parses a hyperparameter and checks it with `valid`; `what` describes the valid values.
pub(crate) fn param_in<T: std::str::FromStr>(
    values: &BTreeMap<String, String>,
    key: &str,
    what: &str,
    valid: impl Fn(T) -> bool,
) -> Result<T>
where
    T: Copy,
{
    let value: T = parse_param(values, key, what)?;
    if valid(value) {
        Ok(value)
    } else {
        let text = values.get(key).map(String::as_str).unwrap_or_default();
        Err(Error::Params(format!("parameter \"{key}\" must be {what}, got \"{text}\"")))
    }
}

/// An integer hyperparameter that may be `none`.
pub(crate) fn param_optional_usize(
    values: &BTreeMap<String, String>,
    key: &str,
    what: &str,
    valid: impl Fn(usize) -> bool,
) -> Result<Option<usize>> {
    if values.get(key).is_some_and(|v| v == "none") {
        return Ok(None);
    }
    param_in(values, key, what, valid).map(Some)
}

/// `true` or `false`.
pub(crate) fn param_bool(values: &BTreeMap<String, String>, key: &str) -> Result<bool> {
    parse_param(values, key, "true or false")
}
