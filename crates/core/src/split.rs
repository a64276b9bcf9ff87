//! The time-based split: Date < cutoff → train, Date ≥ cutoff → test. Never random.
//!
//! The default cutoff ([`crate::cutoff`]) is the latest date minus 38 weeks, so the test part
//! spans the last 39 calendar weeks. Only rows a model can use go to either part
//! ([`UsableRows`], the rule the design matrix keeps too).

use arrow_array::Array;

use crate::calendar::{format_date, parse_iso_date};
pub use crate::cutoff::{default_cutoff, DEFAULT_TEST_WEEKS, SERIES_STATS_CUTOFF};
use crate::error::{Error, Result};
use crate::stage::Stage;
use crate::features::UsableRows;
use crate::frame::Frame;

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
    let usable = UsableRows::of(features, required_column)?;
    let cutoff = match cutoff {
        Some(c) => c,
        None => default_cutoff(dates.values())?,
    };
    check_series_stats_cutoff(features, cutoff)?;
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for i in 0..features.num_rows() {
        if usable.keeps(i) && dates.is_valid(i) {
            if dates.value(i) < cutoff { &mut train } else { &mut test }.push(i as u32);
        }
    }
    if train.is_empty() || test.is_empty() {
        return Err(Error::stage(
            Stage::Split,
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

/// A feature table whose series statistics were computed for another cutoff is refused.
fn check_series_stats_cutoff(features: &Frame, cutoff: i32) -> Result<()> {
    let Some(recorded) = features.metadata(SERIES_STATS_CUTOFF) else { return Ok(()) };
    let stats_cutoff = parse_iso_date(recorded.as_bytes());
    if stats_cutoff == Some(cutoff) {
        return Ok(());
    }
    let split_at = format_date(cutoff);
    let why = if stats_cutoff.is_some_and(|stats| stats > cutoff) {
        "they include sales from the test weeks, a leak"
    } else {
        "they differ from what a run with this cutoff computes"
    };
    Err(Error::stage(
        Stage::Split,
        format!(
            "the feature table's series statistics summarise the sales before {recorded}, but the split's cutoff is {split_at}: \
             {why}. Build the features with the same cutoff (shelfcast features --cutoff {split_at}) or split at {recorded}"
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{days_from_civil, format_date};

    fn weeks(n: i32) -> Vec<i32> {
        let first = days_from_civil(2010, 2, 5);
        (0..n).map(|w| first + 7 * w).collect()
    }

    /// One series of `n` weeks from 2010-02-05, as ingest reads it.
    fn weekly_sales(n: i32) -> Frame {
        use crate::ingest::{read_table, TRAIN};
        let mut csv = String::from("Store,Dept,Date,Weekly_Sales,IsHoliday\n");
        for date in weeks(n) {
            csv.push_str(&format!("1,1,{},{},FALSE\n", format_date(date), date % 97));
        }
        read_table("train.csv", csv.as_bytes(), &TRAIN, &mut |_| {}).unwrap().frame
    }

    #[test]
    fn default_cutoff_leaves_the_last_39_weeks_for_testing() {
        let dates = weeks(143);
        let cutoff = default_cutoff(&dates).unwrap();
        assert_eq!(format_date(cutoff), "2012-02-03", "the full train.csv's cutoff");
        assert_eq!(dates.iter().filter(|&&d| d >= cutoff).count(), 39);
        // Exactly 40 weeks: one training week remains.
        let forty = weeks(40);
        let cutoff = default_cutoff(&forty).unwrap();
        assert_eq!(forty.iter().filter(|&&d| d < cutoff).count(), 1);
        // Order does not matter.
        let mut shuffled = weeks(60);
        shuffled.reverse();
        assert_eq!(default_cutoff(&shuffled).unwrap(), default_cutoff(&weeks(60)).unwrap());
    }

    #[test]
    fn fewer_than_40_weeks_is_an_error_that_says_so() {
        let err = default_cutoff(&weeks(39)).unwrap_err().to_string();
        assert!(err.contains("39 weeks") && err.contains("at least 40"), "{err}");
        assert_eq!(default_cutoff(&[]).unwrap_err().to_string(), "split: there are no rows to split");
    }

    #[test]
    fn rows_before_the_cutoff_train_and_the_rest_test() {
        use crate::features::{build_features, FeatureConfig};
        let features = build_features(&weekly_sales(50), &FeatureConfig::default()).unwrap();
        let cutoff = weeks(50)[20] + 3; // any date, not only a Friday
        let split = split_by_date(&features, Some(cutoff), "lag_1").unwrap();
        let train_dates = split.train.dates("Date").unwrap();
        let test_dates = split.test.dates("Date").unwrap();
        assert!(train_dates.values().iter().all(|&d| d < cutoff));
        assert!(test_dates.values().iter().all(|&d| d >= cutoff));
        // Week 0 has no lag_1, so 20 training rows (weeks 1..=20) and 29 test rows.
        assert_eq!((split.train.num_rows(), split.test.num_rows()), (20, 29));
        let err = split_by_date(&features, Some(weeks(50)[0]), "lag_1").unwrap_err();
        assert!(err.to_string().contains("both parts need rows"), "{err}");
    }

    /// A feature table records the cutoff its series statistics used, and a split at any
    /// other cutoff is refused, saying which way it leaks (the per-stage CLI chains them).
    #[test]
    fn a_split_refuses_series_statistics_of_another_cutoff() {
        use crate::features::{build_features_with, FeatureConfig, FeatureInputs};
        let sales = weekly_sales(50);
        let config = FeatureConfig { series_stats: true, ..FeatureConfig::default() };
        let late = weeks(50)[45];
        let features = build_features_with(&sales, &config, &FeatureInputs { cutoff: Some(late), ..FeatureInputs::default() }).unwrap();
        assert_eq!(features.metadata(SERIES_STATS_CUTOFF), Some("2010-12-17"));
        let default = default_cutoff(&weeks(50)).unwrap();
        assert_eq!(
            split_rows(&features, None, "lag_1").unwrap_err().to_string(),
            format!(
                "split: the feature table's series statistics summarise the sales before 2010-12-17, but the split's cutoff is {}: \
                 they include sales from the test weeks, a leak. Build the features with the same cutoff (shelfcast features --cutoff {0}) or split at 2010-12-17",
                format_date(default)
            )
        );
        // Statistics of fewer weeks than the split's training part do not leak, but are not what
        // a run at that cutoff computes: refused too.
        let later = weeks(50)[48];
        let message = split_rows(&features, Some(later), "lag_1").unwrap_err().to_string();
        assert!(message.contains("but the split's cutoff is 2011-01-07: they differ from what a run with this cutoff computes"), "{message}");
        let early = weeks(50)[5];
        // The same cutoff splits, and so does a table without series statistics at any cutoff.
        assert_eq!(split_rows(&features, Some(late), "lag_1").unwrap().cutoff, late);
        let plain = build_features_with(&sales, &FeatureConfig::default(), &FeatureInputs::default()).unwrap();
        assert_eq!(plain.metadata(SERIES_STATS_CUTOFF), None);
        assert!(split_rows(&plain, Some(early), "lag_1").is_ok());
        // The record survives an Arrow IPC file, as the CLI's `features` writes it.
        let reread = Frame::from_ipc(&features.to_ipc().unwrap(), "features.arrow").unwrap();
        assert_eq!(reread.metadata(SERIES_STATS_CUTOFF), Some("2010-12-17"));
    }
}
