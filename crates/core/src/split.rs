//! The time-based split: Date < cutoff → train, Date ≥ cutoff → test. Never random.
//!
//! The default cutoff is the latest date minus 38 weeks, so the test part spans the last 39
//! calendar weeks; fewer than 40 weeks of data cannot give both parts and is an error.

use arrow_array::Array;

use crate::calendar::format_date;
use crate::error::{Error, Result};
use crate::frame::Frame;

/// Weeks in the default test part.
pub const DEFAULT_TEST_WEEKS: i32 = 39;

/// The latest date minus 38 weeks; an error below 40 weeks of data.
pub fn default_cutoff(dates: &[i32]) -> Result<i32> {
    let (Some(&first), Some(&last)) = (dates.iter().min(), dates.iter().max()) else {
        return Err(Error::stage("split", "there are no rows to split"));
    };
    let weeks = (last - first) / 7 + 1;
    if weeks < DEFAULT_TEST_WEEKS + 1 {
        return Err(Error::stage(
            "split",
            format!(
                "the data spans {weeks} weeks ({} to {}); the default split needs at least {} (a {DEFAULT_TEST_WEEKS}-week test part and training data before it)",
                format_date(first),
                format_date(last),
                DEFAULT_TEST_WEEKS + 1
            ),
        ));
    }
    Ok(last - 7 * (DEFAULT_TEST_WEEKS - 1))
}

/// The two parts of a split and the cutoff used.
#[derive(Debug, Clone)]
pub struct Split {
    pub cutoff: i32,
    pub train: Frame,
    pub test: Frame,
}

/// A split as row indices into the feature table (ascending), and the cutoff used.
#[derive(Debug, Clone)]
pub struct RowSplit {
    pub cutoff: i32,
    pub train: Vec<u32>,
    pub test: Vec<u32>,
}

/// Splits a feature table at `cutoff` (or the default cutoff), keeping only rows a model can
/// use: `required_column` (lag_h) and the target present.
pub fn split_by_date(features: &Frame, cutoff: Option<i32>, required_column: &str) -> Result<Split> {
    let rows = split_rows(features, cutoff, required_column)?;
    Ok(Split { cutoff: rows.cutoff, train: features.take(&rows.train)?, test: features.take(&rows.test)? })
}

/// [`split_by_date`] without copying the rows: which rows go to each part. The pipeline
/// builds the model matrices straight from these, so no column is copied twice.
pub fn split_rows(features: &Frame, cutoff: Option<i32>, required_column: &str) -> Result<RowSplit> {
    let dates = features.dates("Date")?;
    let required = features.floats(required_column)?;
    let target = features.floats("Weekly_Sales")?;
    let cutoff = match cutoff {
        Some(c) => c,
        None => default_cutoff(dates.values())?,
    };
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for i in 0..features.num_rows() {
        if required.is_valid(i) && target.is_valid(i) && dates.is_valid(i) {
            if dates.value(i) < cutoff { &mut train } else { &mut test }.push(i as u32);
        }
    }
    if train.is_empty() || test.is_empty() {
        return Err(Error::stage(
            "split",
            format!(
                "cutoff {} leaves {} training and {} test rows; both parts need rows",
                format_date(cutoff),
                train.len(),
                test.len()
            ),
        ));
    }
    Ok(RowSplit { cutoff, train, test })
}
