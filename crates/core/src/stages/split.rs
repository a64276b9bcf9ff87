//! Split: which rows of the feature table go to each side of the cutoff (see
//! [`crate::split`]). The design stage makes each side a matrix.

use crate::calendar::format_date;
use crate::error::Result;
use crate::features::FeatureConfig;
use crate::frame::Frame;
use crate::split::{split_rows, RowSplit};

/// Which rows go to each side (the pipeline hands them to the design stage; the CLI's
/// `split` writes them as tables).
pub fn rows(features: &Frame, config: &FeatureConfig, cutoff: Option<i32>) -> Result<RowSplit> {
    split_rows(features, cutoff, &config.required_lag_column())
}

/// The stage's summary line.
pub fn summary(cutoff: i32, train_rows: usize, test_rows: usize) -> String {
    format!("cutoff {}: {train_rows} training rows, {test_rows} test rows", format_date(cutoff))
}
