//! Split: the feature table's rows cut at the cutoff (see [`crate::split`]) and each side's
//! design matrix (see [`crate::design`]).

use crate::calendar::format_date;
use crate::design::{model_data_at, ModelData};
use crate::error::Result;
use crate::features::FeatureConfig;
use crate::frame::Frame;
use crate::split::{split_rows, RowSplit};

/// The two sides of the time-based split as model inputs.
#[derive(Debug)]
pub struct SplitParts {
    pub cutoff: i32,
    pub train: ModelData,
    pub test: ModelData,
    /// Each test row's index in the feature table.
    pub test_rows_at: Vec<u32>,
}

/// Which rows go to each side (the CLI's `split` writes them as tables).
pub fn rows(features: &Frame, config: &FeatureConfig, cutoff: Option<i32>) -> Result<RowSplit> {
    split_rows(features, cutoff, &config.required_lag_column())
}

/// Both sides as design matrices, built straight from the feature table (no copy of it).
pub fn split(features: &Frame, config: &FeatureConfig, cutoff: Option<i32>) -> Result<SplitParts> {
    let rows = rows(features, config, cutoff)?;
    let train = model_data_at(features, config, &rows.train)?;
    let test = model_data_at(features, config, &rows.test)?;
    Ok(SplitParts { cutoff: rows.cutoff, train, test, test_rows_at: rows.test })
}

/// The stage's summary line.
pub fn summary(cutoff: i32, train_rows: usize, test_rows: usize) -> String {
    format!("cutoff {}: {train_rows} training rows, {test_rows} test rows", format_date(cutoff))
}
