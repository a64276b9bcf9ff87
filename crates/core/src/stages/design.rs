//! Design: the matrices a model is fitted and scored on, from a feature table (see
//! [`crate::design`]): the whole table's usable rows, or each side of a split.

use crate::design::{model_data, model_data_at, Missing, ModelData};
use crate::error::Result;
use crate::features::FeatureConfig;
use crate::frame::Frame;
use crate::split::RowSplit;

/// The two sides of the time-based split as model inputs.
#[derive(Debug)]
pub struct SplitParts {
    pub cutoff: i32,
    pub train: ModelData,
    pub test: ModelData,
    /// Each test row's index in the feature table.
    pub test_rows_at: Vec<u32>,
    /// How the matrices write a missing value (the model's way).
    pub missing: Missing,
}

/// The design matrix of a table's usable rows (the CLI's `train` and `evaluate` read a table
/// that `split` wrote).
pub fn matrix(table: &Frame, config: &FeatureConfig, missing: Missing) -> Result<ModelData> {
    model_data(table, config, missing)
}

/// Each side of `rows` as a design matrix, built straight from the feature table (no copy of
/// it), missing values written as `missing` (the model's way: [`Missing::for_model`]).
pub fn parts(features: &Frame, config: &FeatureConfig, rows: RowSplit, missing: Missing) -> Result<SplitParts> {
    let train = model_data_at(features, config, &rows.train, missing)?;
    let test = model_data_at(features, config, &rows.test, missing)?;
    Ok(SplitParts { cutoff: rows.cutoff, train, test, test_rows_at: rows.test, missing })
}
