//! The split's cutoff: the first test date. Its default (the latest date minus 38 weeks, so
//! the test part spans the last 39 calendar weeks; fewer than 40 weeks of data is an error),
//! its parsing from text, and the record a feature table keeps of the cutoff its series
//! statistics used. Below both `features` (which summarises sales before the cutoff) and
//! `split` (which cuts there), so neither has to import the other for it.

use crate::calendar::{format_date, parse_iso_date};
use crate::error::{Error, Result};
use crate::stage::Stage;

/// The frame metadata in which a feature table records the cutoff its series statistics
/// summarise up to (see `features`): a split at another cutoff would let them see test weeks
/// (a later cutoff) or differ from the run's (an earlier one), so it is refused.
pub const SERIES_STATS_CUTOFF: &str = "shelfcast.series_stats_cutoff";

/// Weeks in the default test part.
pub const DEFAULT_TEST_WEEKS: i32 = 39;

/// The latest date minus 38 weeks; an error below 40 weeks of data.
pub fn default_cutoff(dates: &[i32]) -> Result<i32> {
    let (Some(&first), Some(&last)) = (dates.iter().min(), dates.iter().max()) else {
        return Err(Error::stage(Stage::Split, "there are no rows to split"));
    };
    let weeks = (last - first) / 7 + 1;
    if weeks < DEFAULT_TEST_WEEKS + 1 {
        return Err(Error::stage(
            Stage::Split,
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

/// A cutoff written as `YYYY-MM-DD` (the CLI's `--cutoff`, the app's cutoff field).
pub fn parse(text: &str) -> Result<i32> {
    let text = text.trim();
    parse_iso_date(text.as_bytes()).ok_or_else(|| Error::Params(format!("the cutoff must be a date YYYY-MM-DD, got \"{text}\"")))
}
