//! Feature engineering: calendar lags, rolling windows and calendar fields, per series, and
//! the optional extra signal.
//!
//! Definitions (docs/definitions.md#features): rows are sorted by (Store, Dept, Date). `lag_k` is the same
//! series' sales exactly 7·k days earlier — by calendar, not by row position, so gaps in a
//! series give missing lags rather than wrong ones. With horizon h the lags are {h, h+1, 52}
//! (those ≥ h) and each rolling window of length w covers [Date − 7·(h+w−1), Date − 7·h]:
//! mean of the values present, sample standard deviation (n − 1), missing when too few.
//!
//! The module is laid out by idea: this file sorts the rows into series and assembles the
//! table; [`grid`] holds the lags and rolling windows (each series on a dense weekly grid),
//! [`calendar_fields`] the calendar fields and holiday distances (once per week of the data),
//! [`joins`] the features.csv and stores.csv joins, [`series_stats`] the statistics from
//! before the cutoff. Columns are plain `f64` with NaN for missing until they are finished
//! into Arrow arrays with a validity bitmap, and when the input is already in
//! (Store, Dept, Date) order — train.csv is — its key columns are shared, not copied.
//!
//! The switches of [`FeatureConfig`] add columns after the base ones (docs/definitions.md#base-features); all are off by default,
//! so the reference figures stay the defaults' figures:
//! - `seasonal_lags`: `lag_51`, `lag_53`, `seasonal_change` = `lag_52` − `lag_53` (how the
//!   series moved into this week a year ago: with `lag_1` it is the seasonal naive forecast
//!   of the change, which trees cannot form by subtracting two columns) and `DayOfYear`. A
//!   year is 52 weeks and a day or two, so a holiday's week drifts against `lag_52`; its
//!   neighbours show where it was. (Being a difference of two columns, `seasonal_change`
//!   makes unpenalised least squares singular: use ridge with this switch.)
//! - `holiday_features`: `weeks_to_<holiday>` and `weeks_from_<holiday>` for the four
//!   holidays ([`crate::holidays`]), counted up to [`HOLIDAY_DISTANCE_CAP`], so a model sees
//!   the run-up to Thanksgiving and Christmas whichever week number they fall in.
//! - `join_features`: features.csv's store-week columns ([`STORE_WEEK_COLUMNS`]) on
//!   (Store, Date); a week missing there, or `NA`, is null.
//! - `join_stores`: stores.csv on Store: `Type_B`, `Type_C` (0/1 indicators, type A being
//!   neither — usable by trees and, without a collinear third column, by linear models) and
//!   `Size`; a store missing there is null.
//! - `series_stats`: each series' mean, median and standard deviation of the sales dated
//!   before the split's cutoff, on every row of the series (test rows too). Nothing on or
//!   after the cutoff is read, so the statistics carry no information from the test part.
//!
//! Every added lag is named `lag_k`, so the feature contract's leakage expectations (which
//! match `^lag_(\d+)$`) check it like the others.

mod calendar_fields;
mod grid;
mod joins;
mod series_stats;

use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Float64Array};
use arrow_buffer::{BooleanBuffer, NullBuffer};

use crate::calendar::format_date;
use crate::error::{Error, Result};
use crate::stage::Stage;
use crate::frame::{take_rows, Frame};
use crate::holidays::Holiday;

/// The rolling window lengths, in weeks.
pub const WINDOWS: [usize; 3] = [4, 8, 13];
/// The seasonal lag, in weeks.
pub const SEASONAL_LAG: usize = 52;
/// The lags `seasonal_lags` adds around [`SEASONAL_LAG`].
pub const SEASONAL_NEIGHBOUR_LAGS: [usize; 2] = [51, 53];
/// `lag_52 − lag_53`, added by `seasonal_lags`.
pub const SEASONAL_CHANGE: &str = "seasonal_change";
/// The columns `join_features` takes from features.csv.
pub const STORE_WEEK_COLUMNS: [&str; 9] =
    ["Temperature", "Fuel_Price", "MarkDown1", "MarkDown2", "MarkDown3", "MarkDown4", "MarkDown5", "CPI", "Unemployment"];
/// The columns `join_stores` adds from stores.csv.
pub const STORE_COLUMNS: [&str; 3] = ["Type_B", "Type_C", "Size"];
/// Holiday distances are counted up to this many weeks: a holiday half a year away or more
/// is simply far. (Uncapped, weeks to + weeks from would be the same 52 on every week but
/// the holiday's own, collinear with the intercept and `IsHoliday` for a linear model.)
pub const HOLIDAY_DISTANCE_CAP: i32 = 26;
/// The columns `series_stats` adds.
pub const SERIES_STAT_COLUMNS: [&str; 3] = ["series_mean", "series_median", "series_std"];

/// Feature settings recorded on every run. Records written before the switches existed
/// read with the switches off (`serde(default)`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct FeatureConfig {
    /// Forecast horizon h in weeks (≥ 1): no feature may look closer than h weeks back.
    pub horizon: usize,
    /// Add `lag_51`, `lag_53` (those ≥ h), `seasonal_change` and `DayOfYear`.
    pub seasonal_lags: bool,
    /// Add weeks to and from each of the four holidays.
    pub holiday_features: bool,
    /// Join features.csv (temperature, fuel price, markdowns, CPI, unemployment) on (Store, Date).
    pub join_features: bool,
    /// Join stores.csv (type, size) on Store.
    pub join_stores: bool,
    /// Add each series' sales statistics from before the cutoff.
    pub series_stats: bool,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig {
            horizon: 1,
            seasonal_lags: false,
            holiday_features: false,
            join_features: false,
            join_stores: false,
            series_stats: false,
        }
    }
}

impl FeatureConfig {
    /// The base features only, at horizon `horizon`.
    pub fn with_horizon(horizon: usize) -> Self {
        FeatureConfig { horizon, ..FeatureConfig::default() }
    }

    /// Every switch on, at horizon `horizon`.
    pub fn everything(horizon: usize) -> Self {
        FeatureConfig {
            horizon,
            seasonal_lags: true,
            holiday_features: true,
            join_features: true,
            join_stores: true,
            series_stats: true,
        }
    }

    pub fn check(&self) -> Result<()> {
        if !(1..=SEASONAL_LAG).contains(&self.horizon) {
            return Err(Error::Params(format!("horizon must be between 1 and {SEASONAL_LAG} weeks, got {}", self.horizon)));
        }
        Ok(())
    }

    /// The switches and their values, for a run's params.
    pub fn switches(&self) -> [(&'static str, bool); 5] {
        [
            ("seasonal_lags", self.seasonal_lags),
            ("holiday_features", self.holiday_features),
            ("join_features", self.join_features),
            ("join_stores", self.join_stores),
            ("series_stats", self.series_stats),
        ]
    }

    /// The lags in weeks: {h, h+1, 52}, then 51 and 53 with `seasonal_lags`; only those ≥ h,
    /// without duplicates.
    pub fn lags(&self) -> Vec<usize> {
        let h = self.horizon;
        let neighbours: &[usize] = if self.seasonal_lags { &SEASONAL_NEIGHBOUR_LAGS } else { &[] };
        let mut lags = Vec::new();
        for &k in [h, h + 1, SEASONAL_LAG].iter().chain(neighbours) {
            if k >= h && !lags.contains(&k) {
                lags.push(k);
            }
        }
        lags
    }

    /// The lag that decides whether a row is usable by a model: `lag_h`.
    pub fn required_lag_column(&self) -> String {
        format!("lag_{}", self.horizon)
    }

    /// The holiday columns: `weeks_to_<holiday>`, `weeks_from_<holiday>` for each holiday.
    pub fn holiday_columns() -> Vec<String> {
        Holiday::ALL.iter().flat_map(|h| [format!("weeks_to_{}", h.key()), format!("weeks_from_{}", h.key())]).collect()
    }

    /// The model matrix's columns, in order: the base ones (docs/definitions.md#model-matrix), then those of the switches.
    pub fn model_columns(&self) -> Vec<String> {
        let mut names: Vec<String> =
            ["Store", "Dept", "Year", "Month", "Week", "IsHoliday"].iter().map(|s| s.to_string()).collect();
        names.extend(self.lags().iter().map(|k| format!("lag_{k}")));
        for w in WINDOWS {
            names.push(format!("roll_mean_{w}"));
            names.push(format!("roll_std_{w}"));
        }
        names.extend(self.extra_columns());
        names
    }

    /// The columns the switches add besides lags, in order.
    fn extra_columns(&self) -> Vec<String> {
        let mut names = Vec::new();
        if self.seasonal_lags {
            names.extend([SEASONAL_CHANGE.to_string(), "DayOfYear".to_string()]);
        }
        if self.holiday_features {
            names.extend(Self::holiday_columns());
        }
        let mut add = |on: bool, columns: &[&str]| {
            if on {
                names.extend(columns.iter().map(|c| c.to_string()));
            }
        };
        add(self.join_features, &STORE_WEEK_COLUMNS);
        add(self.join_stores, &STORE_COLUMNS);
        add(self.series_stats, &SERIES_STAT_COLUMNS);
        names
    }
}

/// What the switches of [`FeatureConfig`] need besides the sales table.
#[derive(Debug, Clone, Copy, Default)]
pub struct FeatureInputs<'a> {
    /// features.csv, for `join_features`.
    pub store_weeks: Option<&'a Frame>,
    /// stores.csv, for `join_stores`.
    pub stores: Option<&'a Frame>,
    /// The split's cutoff, for `series_stats`: only sales dated before it are summarised.
    /// `None` is the default cutoff of the sales dates ([`crate::cutoff::default_cutoff`]).
    pub cutoff: Option<i32>,
    /// Each series' statistics as computed once on the training data (a registered model
    /// scoring a file from a tail of its history): used instead of summarising the table.
    pub frozen_stats: Option<&'a FrozenStats>,
}

/// Each series' [`SERIES_STAT_COLUMNS`], by (Store, Dept).
pub type FrozenStats = std::collections::HashMap<(i64, i64), [f64; 3]>;

/// The series statistics a feature table holds (one value per series: each row of a series
/// carries the same), for [`FeatureInputs::frozen_stats`]; empty when it has none.
pub fn frozen_series_stats(features: &Frame) -> Result<FrozenStats> {
    let mut stats = FrozenStats::new();
    if !SERIES_STAT_COLUMNS.iter().all(|c| features.has_column(c)) {
        return Ok(stats);
    }
    let (store, dept) = (features.ints("Store")?, features.ints("Dept")?);
    let columns: Vec<&Float64Array> = SERIES_STAT_COLUMNS.iter().map(|c| features.floats(c)).collect::<Result<_>>()?;
    for row in 0..features.num_rows() {
        stats.entry((store.value(row), dept.value(row))).or_insert_with(|| {
            let value = |c: &Float64Array| if c.is_valid(row) { c.value(row) } else { f64::NAN };
            [value(columns[0]), value(columns[1]), value(columns[2])]
        });
    }
    Ok(stats)
}

/// The columns the sales table must have.
pub const KEY_COLUMNS: [&str; 5] = ["Store", "Dept", "Date", "Weekly_Sales", "IsHoliday"];

/// Builds the feature table from a sales table (train.csv's columns). The result is sorted by
/// (Store, Dept, Date) and keeps missing features as nulls: the feature contract runs on it
/// before anything is filled. A join switch needs [`build_features_with`] and its file.
pub fn build_features(sales: &Frame, config: &FeatureConfig) -> Result<Frame> {
    build_features_with(sales, config, &FeatureInputs::default())
}

/// [`build_features`] with the inputs the switches need: a join switch without its file is an
/// error naming the file.
pub fn build_features_with(sales: &Frame, config: &FeatureConfig, inputs: &FeatureInputs<'_>) -> Result<Frame> {
    config.check()?;
    let store_weeks = needed(config.join_features, inputs.store_weeks, "join_features", "features.csv")?;
    let stores = needed(config.join_stores, inputs.stores, "join_stores", "stores.csv")?;
    let store = sales.ints("Store")?;
    let dept = sales.ints("Dept")?;
    let date = sales.dates("Date")?;
    let target = sales.floats("Weekly_Sales")?;
    sales.bools("IsHoliday")?;
    let n = sales.num_rows();
    for (name, nulls) in [("Store", store.null_count()), ("Dept", dept.null_count()), ("Date", date.null_count())] {
        if nulls > 0 {
            return Err(Error::stage(Stage::Features, format!("column {name} has {nulls} missing values; every row needs a Store, Dept and Date")));
        }
    }
    let (store_v, dept_v, date_v) = (store.values(), dept.values(), date.values());

    let key = |i: usize| (store_v[i], dept_v[i], date_v[i]);
    let mut order: Vec<u32> = (0..n as u32).collect();
    let sorted_already = (1..n).all(|i| key(i - 1) <= key(i));
    if !sorted_already {
        order.sort_unstable_by_key(|&i| key(i as usize));
    }
    let first_date = date_v.iter().copied().min().unwrap_or(0);
    if let Some(&off) = date_v.iter().find(|&&d| (d - first_date).rem_euclid(7) != 0) {
        return Err(Error::stage(
            Stage::Features,
            format!("date {} is not a whole number of weeks after {}; the data must be weekly", format_date(off), format_date(first_date)),
        ));
    }
    let stats_cutoff = match (config.series_stats, inputs.cutoff) {
        (false, _) => None,
        (true, Some(cutoff)) => Some(cutoff),
        (true, None) => Some(crate::cutoff::default_cutoff(date_v)?),
    };
    // The rows in (Store, Dept, Date) order, cut into one range per series, and each row's
    // week counted from the first week of the data.
    let series = series_ranges(&order, store_v, dept_v);
    let row_weeks: Vec<u32> = order.iter().map(|&i| ((date_v[i as usize] - first_date) / 7) as u32).collect();
    let sorted = SortedSeries { order: &order, series: &series, row_weeks: &row_weeks, store: store_v, dept: dept_v, date: date_v, target };

    let grid = grid::columns(&sorted, config)?;
    let weeks = calendar_fields::WeekFields::new(first_date, &row_weeks);
    // Already in (Store, Dept, Date) order, the table's columns are shared, not copied.
    let key_column = |name: &str| -> Result<ArrayRef> {
        let array = sales.array(name)?;
        if sorted_already { Ok(array.clone()) } else { take_rows(array, &order) }
    };
    let mut columns: Vec<(String, ArrayRef)> = Vec::new();
    for name in KEY_COLUMNS {
        columns.push((name.into(), key_column(name)?));
    }
    for field in [calendar_fields::Field::Year, calendar_fields::Field::Month, calendar_fields::Field::Week] {
        columns.push((field.name().into(), weeks.column(field)));
    }
    for (values, k) in grid.lags.into_iter().zip(config.lags()) {
        columns.push((format!("lag_{k}"), values.finish()));
    }
    for ([means, stds], w) in grid.windows.into_iter().zip(WINDOWS) {
        columns.push((format!("roll_mean_{w}"), means.finish()));
        columns.push((format!("roll_std_{w}"), stds.finish()));
    }
    if let Some(change) = grid.seasonal_change {
        columns.push((SEASONAL_CHANGE.into(), change.finish()));
        columns.push((calendar_fields::Field::DayOfYear.name().into(), weeks.column(calendar_fields::Field::DayOfYear)));
    }
    if config.holiday_features {
        columns.extend(weeks.holiday_columns());
    }
    let sorted_keys = || order.iter().map(|&i| (store_v[i as usize], date_v[i as usize]));
    if let Some(table) = store_weeks {
        columns.extend(joins::store_weeks(table, sorted_keys())?);
    }
    if let Some(table) = stores {
        columns.extend(joins::stores(table, sorted_keys().map(|(store, _)| store))?);
    }
    if let Some(cutoff) = stats_cutoff {
        for (values, name) in series_stats::columns(&sorted, cutoff, inputs.frozen_stats).into_iter().zip(SERIES_STAT_COLUMNS) {
            columns.push((name.into(), values.finish()));
        }
    }
    let frame = Frame::new(columns)?;
    match stats_cutoff {
        // The split checks it: statistics for another cutoff would leak or mislead.
        Some(cutoff) => frame.with_metadata(crate::cutoff::SERIES_STATS_CUTOFF, format_date(cutoff)),
        None => Ok(frame),
    }
}

/// A sales table's rows in (Store, Dept, Date) order, by series: what the per-series passes
/// read.
struct SortedSeries<'a> {
    /// Row indices in sorted order.
    order: &'a [u32],
    /// One range of `order` per series.
    series: &'a [std::ops::Range<usize>],
    /// The week of each sorted row, counted from the first week of the data.
    row_weeks: &'a [u32],
    store: &'a [i64],
    dept: &'a [i64],
    date: &'a [i32],
    target: &'a Float64Array,
}

/// The ranges of `order` that share a (Store, Dept).
fn series_ranges(order: &[u32], store: &[i64], dept: &[i64]) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::new();
    let mut start = 0;
    while start < order.len() {
        let (s, d) = (store[order[start] as usize], dept[order[start] as usize]);
        let mut end = start;
        while end < order.len() && store[order[end] as usize] == s && dept[order[end] as usize] == d {
            end += 1;
        }
        ranges.push(start..end);
        start = end;
    }
    ranges
}

/// The table a switch needs, or an error naming its file.
fn needed<'a>(on: bool, table: Option<&'a Frame>, switch: &str, file: &str) -> Result<Option<&'a Frame>> {
    match (on, table) {
        (false, _) => Ok(None),
        (true, Some(table)) => Ok(Some(table)),
        (true, None) => Err(Error::stage(
            Stage::Features,
            format!("{switch} is on but {file} is missing: add {file} (or {file}.gz) to the inputs, or turn {switch} off"),
        )),
    }
}

/// A float column built as plain values, NaN standing for a missing value until
/// [`NullableFloats::finish`] turns the NaNs into nulls (with 0 under them).
struct NullableFloats(Vec<f64>);

impl NullableFloats {
    fn with_capacity(n: usize) -> Self {
        NullableFloats(Vec::with_capacity(n))
    }

    fn extend(&mut self, values: impl Iterator<Item = f64>) {
        self.0.extend(values);
    }

    fn extend_from_slice(&mut self, values: &[f64]) {
        self.0.extend_from_slice(values);
    }

    fn extend_repeated(&mut self, value: f64, times: usize) {
        self.0.extend(std::iter::repeat_n(value, times));
    }

    fn finish(self) -> ArrayRef {
        let mut values = self.0;
        let valid = BooleanBuffer::collect_bool(values.len(), |i| !values[i].is_nan());
        for value in values.iter_mut().filter(|v| v.is_nan()) {
            *value = 0.0;
        }
        Arc::new(Float64Array::new(values.into(), Some(NullBuffer::new(valid))))
    }
}

/// The rule for the rows a model trains on and is scored on one step ahead: `lag_h` (the
/// required lag column) and the target present. The split keeps only these rows, and so does
/// the design matrix of any table; written once, here.
pub struct UsableRows<'a> {
    required: &'a Float64Array,
    target: &'a Float64Array,
}

impl<'a> UsableRows<'a> {
    pub fn of(features: &'a Frame, required_column: &str) -> Result<Self> {
        Ok(UsableRows { required: features.floats(required_column)?, target: features.floats("Weekly_Sales")? })
    }

    pub fn keeps(&self, row: usize) -> bool {
        self.required.is_valid(row) && self.target.is_valid(row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use super::grid::{window_stats, RollingWindows};
    use arrow_array::{BooleanArray, Date32Array, Int64Array};
    use crate::calendar::days_from_civil;

    fn sales(rows: &[(i64, i64, i32, f64, bool)]) -> Frame {
        Frame::new(vec![
            ("Store".into(), Arc::new(rows.iter().map(|r| r.0).collect::<Int64Array>()) as ArrayRef),
            ("Dept".into(), Arc::new(rows.iter().map(|r| r.1).collect::<Int64Array>())),
            ("Date".into(), Arc::new(Date32Array::from(rows.iter().map(|r| r.2).collect::<Vec<_>>()))),
            ("Weekly_Sales".into(), Arc::new(rows.iter().map(|r| Some(r.3)).collect::<Float64Array>())),
            ("IsHoliday".into(), Arc::new(rows.iter().map(|r| Some(r.4)).collect::<BooleanArray>())),
        ])
        .unwrap()
    }

    /// Sorted and shuffled input give the same table; a gap gives missing lags, not shifted ones.
    #[test]
    fn order_of_input_does_not_matter_and_gaps_stay_missing() {
        let day0 = days_from_civil(2010, 2, 5);
        let mut rows = Vec::new();
        for (store, dept) in [(1, 1), (1, 2), (2, 1)] {
            for week in [0, 1, 2, 4, 5] {
                rows.push((store, dept, day0 + 7 * week, (store * 100 + dept * 10 + week as i64) as f64, week == 1));
            }
        }
        let sorted = build_features(&sales(&rows), &FeatureConfig::default()).unwrap();
        let mut shuffled = rows.clone();
        shuffled.reverse();
        shuffled.swap(0, 7);
        let from_shuffled = build_features(&sales(&shuffled), &FeatureConfig::default()).unwrap();
        assert_eq!(sorted.batch(), from_shuffled.batch());

        let lag_1 = sorted.floats("lag_1").unwrap();
        let roll_mean_4 = sorted.floats("roll_mean_4").unwrap();
        let roll_std_4 = sorted.floats("roll_std_4").unwrap();
        // Series (1, 1): weeks 0, 1, 2, 4, 5 with sales 110, 111, 112, 114, 115.
        assert!(lag_1.is_null(0) && lag_1.value(2) == 111.0);
        assert!(lag_1.is_null(3), "week 4 has no week 3");
        assert_eq!(lag_1.value(4), 114.0);
        assert!(roll_mean_4.is_null(0) && roll_std_4.is_null(1));
        assert_eq!(roll_mean_4.value(3), 111.0); // weeks 0..=3 present: 110, 111, 112
        assert_eq!(roll_std_4.value(3), 1.0);
        assert_eq!(sorted.ints("Week").unwrap().value(0), 5);
        assert_eq!(sorted.ints("Month").unwrap().value(4), 3);
    }

    fn weekly(values: &[Option<f64>]) -> Vec<(i64, i64, i32, f64, bool)> {
        let day0 = days_from_civil(2010, 2, 5);
        values
            .iter()
            .enumerate()
            .filter_map(|(w, v)| v.map(|v| (1, 1, day0 + 7 * w as i32, v, w % 10 == 1)))
            .collect()
    }

    /// The window is [t − 7·w, t − 7]: its oldest week is in, the week before it and the
    /// current week are out.
    #[test]
    fn rolling_window_edges() {
        // Sales 1, 2, 4, 8, 16, 32 …: each sum identifies exactly which weeks were used.
        let values: Vec<Option<f64>> = (0..20).map(|w| Some(f64::from(1u32 << w))).collect();
        let table = build_features(&sales(&weekly(&values)), &FeatureConfig::default()).unwrap();
        let mean_4 = table.floats("roll_mean_4").unwrap();
        let mean_13 = table.floats("roll_mean_13").unwrap();
        // Week 10: weeks 6..=9 → (64 + 128 + 256 + 512) / 4.
        assert_eq!(mean_4.value(10), (64.0 + 128.0 + 256.0 + 512.0) / 4.0);
        // Week 3: only weeks 0..=2 exist (a short history): mean of what is present.
        assert_eq!(mean_4.value(3), (1.0 + 2.0 + 4.0) / 3.0);
        // Week 13: weeks 0..=12.
        assert_eq!(mean_13.value(13), f64::from((1u32 << 13) - 1) / 13.0);
        let lag_52 = table.floats("lag_52").unwrap();
        assert!((0..20).all(|i| lag_52.is_null(i)), "no row is 52 weeks back");
    }

    /// A missing target is a missing lag; a series of one row has no lag and no window.
    #[test]
    fn missing_values_and_single_row_series() {
        let mut rows = weekly(&[Some(10.0), Some(20.0), Some(30.0)]);
        rows.push((2, 7, days_from_civil(2010, 2, 12), 5.0, true));
        let mut frame_rows = sales(&rows);
        // Null out the target of week 1 of series (1, 1).
        let columns: Vec<(String, ArrayRef)> = frame_rows
            .column_names()
            .into_iter()
            .map(|name| {
                let array = frame_rows.array(&name).unwrap().clone();
                if name == "Weekly_Sales" {
                    (name, Arc::new(Float64Array::from(vec![Some(10.0), None, Some(30.0), Some(5.0)])) as ArrayRef)
                } else {
                    (name, array)
                }
            })
            .collect();
        frame_rows = Frame::new(columns).unwrap();
        let table = build_features(&frame_rows, &FeatureConfig::default()).unwrap();
        let lag_1 = table.floats("lag_1").unwrap();
        let lag_2 = table.floats("lag_2").unwrap();
        assert!(lag_1.is_null(2), "week 2's lag_1 is week 1, whose sales are missing");
        assert_eq!(lag_2.value(2), 10.0);
        let std_4 = table.floats("roll_std_4").unwrap();
        assert!(std_4.is_null(2), "one value present: no sample std");
        // The single-row series (2, 7): everything missing, holiday kept.
        assert!(lag_1.is_null(3) && table.floats("roll_mean_13").unwrap().is_null(3));
        assert!(table.bools("IsHoliday").unwrap().value(3));
    }

    /// All windows at once equal [`window_stats`] of each window by itself, to the bit, on
    /// random series with missing weeks, NaN, −0.0, large and nearly constant sales.
    #[test]
    fn rolling_windows_equal_one_window_at_a_time() {
        let mut rng = crate::rng::SplitMix64::new(0x9E37_79B9_7F4A_7C15);
        let mut next = move || rng.next_u64();
        let mut windows = RollingWindows::default();
        let same = |a: f64, b: f64| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
        for _ in 0..200 {
            let cells = (next() % 80) as usize;
            let grid: Vec<f64> = (0..cells)
                .map(|_| match next() % 8 {
                    0 => f64::NAN,
                    1 => -0.0,
                    2 => 2.5e6 + (next() % 3) as f64 * 1e-3,
                    3 => -((next() % 1000) as f64) / 7.0,
                    _ => (next() % 100_000) as f64 / 100.0,
                })
                .collect();
            let (back, len) = ((next() % 5) as usize + 1, WINDOWS[(next() % 3) as usize]);
            let from = back + len - 1;
            windows.load(&grid);
            windows.compute(from, back, len);
            for c in from..cells {
                let (mean, std) = window_stats(&grid[c + 1 - back - len..=c - back]);
                let (computed_mean, computed_std) = (windows.mean[c - from], windows.std[c - from]);
                assert!(same(computed_mean, mean) && same(computed_std, std), "cell {c} of {grid:?}, back {back}, len {len}");
            }
        }
    }

    /// With horizon h the lags are {h, h+1, 52} and each window ends h weeks back.
    #[test]
    fn horizon_moves_lags_and_windows_back() {
        let config = FeatureConfig::with_horizon(3);
        assert_eq!(config.lags(), vec![3, 4, 52]);
        let values: Vec<Option<f64>> = (0..12).map(|w| Some(f64::from(1u32 << w))).collect();
        let table = build_features(&sales(&weekly(&values)), &config).unwrap();
        assert!(!table.has_column("lag_1") && !table.has_column("lag_2"));
        assert_eq!(table.floats("lag_3").unwrap().value(10), 128.0);
        // Week 10, w = 4, h = 3: weeks 4..=7.
        assert_eq!(table.floats("roll_mean_4").unwrap().value(10), (16.0 + 32.0 + 64.0 + 128.0) / 4.0);
        assert_eq!(config.model_columns()[6..9], ["lag_3", "lag_4", "lag_52"]);
    }

    /// The model matrix keeps the rows with lag_h, fills other gaps with 0 and weighs holidays 5.
    #[test]
    fn model_matrix_rows_fill_and_weights() {
        let values: Vec<Option<f64>> = (0..4).map(|w| Some(100.0 + f64::from(w))).collect();
        let table = build_features(&sales(&weekly(&values)), &FeatureConfig::default()).unwrap();
        let data = crate::design::model_data(&table, &FeatureConfig::default(), crate::design::Missing::Zero).unwrap();
        assert_eq!(data.y, vec![101.0, 102.0, 103.0], "week 0 has no lag_1");
        assert_eq!(data.weights, vec![5.0, 1.0, 1.0], "week 1 is a holiday week in this series");
        let lag_2 = data.x.column_index("lag_2").unwrap();
        assert_eq!(data.x.get(0, lag_2), 0.0, "missing lag_2 becomes 0");
        assert_eq!(data.x.get(1, lag_2), 100.0);
    }

    #[test]
    fn dates_off_the_weekly_grid_and_duplicates_are_errors() {
        let mut rows = weekly(&[Some(1.0), Some(2.0)]);
        rows.push((1, 1, rows[1].2 + 3, 3.0, false));
        let err = build_features(&sales(&rows), &FeatureConfig::default()).unwrap_err();
        assert!(err.to_string().contains("not a whole number of weeks"), "{err}");
        let mut rows = weekly(&[Some(1.0), Some(2.0)]);
        rows.push(rows[1]);
        let err = build_features(&sales(&rows), &FeatureConfig::default()).unwrap_err();
        assert!(err.to_string().contains("duplicate row for Store 1, Dept 1"), "{err}");
    }

    fn read(name: &str, csv: &str, schema: &crate::ingest::TableSchema) -> Frame {
        crate::ingest::read_table(name, csv.as_bytes(), schema, &mut |_| {}).unwrap().frame
    }

    #[test]
    fn old_feature_configs_read_with_the_switches_off() {
        let config: FeatureConfig = serde_json::from_str(r#"{"horizon": 2}"#).unwrap();
        assert_eq!(config, FeatureConfig::with_horizon(2));
        assert_eq!(FeatureConfig::default().model_columns().len(), 15, "docs/definitions.md#model-matrix");
        let all = FeatureConfig::everything(1);
        let round_trip: FeatureConfig = serde_json::from_str(&serde_json::to_string(&all).unwrap()).unwrap();
        assert_eq!(round_trip, all);
    }

    /// Weeks to and from Thanksgiving 2010 (the week ending 2010-11-26) on a weekly series,
    /// capped at half a year.
    #[test]
    fn holiday_distances_around_the_holiday_week() {
        let day0 = days_from_civil(2010, 2, 5);
        let rows: Vec<_> = (0..60).map(|w| (1, 1, day0 + 7 * w, 1.0, false)).collect();
        let config = FeatureConfig { holiday_features: true, ..FeatureConfig::default() };
        let table = build_features(&sales(&rows), &config).unwrap();
        let to = table.ints("weeks_to_thanksgiving").unwrap();
        let from = table.ints("weeks_from_thanksgiving").unwrap();
        let week = |date: i32| ((date - day0) / 7) as usize;
        let thanksgiving = week(days_from_civil(2010, 11, 26));
        assert_eq!((to.value(thanksgiving), from.value(thanksgiving)), (0, 0), "the holiday week itself");
        assert_eq!((to.value(thanksgiving - 1), from.value(thanksgiving + 1)), (1, 1));
        assert_eq!(to.value(thanksgiving + 1), HOLIDAY_DISTANCE_CAP as i64, "next year's is 51 weeks away");
        // Before the first Super Bowl week of the data (2010-02-12): the previous one (2009) is
        // far, the next is one week away.
        assert_eq!(table.ints("weeks_to_super_bowl").unwrap().value(0), 1);
        assert_eq!(table.ints("weeks_from_super_bowl").unwrap().value(0), HOLIDAY_DISTANCE_CAP as i64);
        // After the last Christmas of the data (2010-12-31), counting goes on by rule.
        assert_eq!(table.ints("weeks_from_christmas").unwrap().value(week(days_from_civil(2011, 1, 14))), 2);
        assert!(config.model_columns().iter().filter(|c| c.starts_with("weeks_")).count() == 8);
    }

    #[test]
    fn seasonal_lags_add_the_neighbours_of_lag_52_and_their_change() {
        let values: Vec<Option<f64>> = (0..56).map(|w| Some(f64::from(w * w))).collect();
        let config = FeatureConfig { seasonal_lags: true, ..FeatureConfig::default() };
        assert_eq!(config.lags(), vec![1, 2, 52, 51, 53]);
        let table = build_features(&sales(&weekly(&values)), &config).unwrap();
        assert_eq!(table.floats("lag_51").unwrap().value(55), 16.0);
        assert_eq!(table.floats("lag_53").unwrap().value(55), 4.0);
        assert_eq!(table.floats(SEASONAL_CHANGE).unwrap().value(55), 9.0 - 4.0);
        assert!(table.floats(SEASONAL_CHANGE).unwrap().is_null(52), "no week 52 weeks + 1 back");
        assert_eq!(table.ints("DayOfYear").unwrap().value(0), 36, "2010-02-05");
        assert_eq!(FeatureConfig { seasonal_lags: true, ..FeatureConfig::with_horizon(52) }.lags(), vec![52, 53]);
    }

    const STORE_WEEKS_CSV: &str = "Store,Date,Temperature,Fuel_Price,MarkDown1,MarkDown2,MarkDown3,MarkDown4,MarkDown5,CPI,Unemployment,IsHoliday\n\
        1,2010-02-05,42.31,2.572,NA,NA,NA,NA,NA,211.0963582,8.106,FALSE\n\
        1,2010-02-19,39.93,2.514,10.5,NA,NA,NA,NA,211.2891429,8.106,FALSE\n";

    /// A (Store, Date) missing from features.csv and an `NA` there are nulls; stores.csv
    /// (bare CR line ends) gives Type_B/Type_C indicators and Size; an unknown store is null.
    #[test]
    fn joins_on_store_and_date_and_on_store() {
        let day0 = days_from_civil(2010, 2, 5);
        let rows = [(1, 1, day0, 1.0, false), (1, 1, day0 + 7, 2.0, false), (1, 1, day0 + 14, 3.0, false), (2, 1, day0, 4.0, false), (3, 1, day0, 5.0, false)];
        let store_weeks = read("features.csv", STORE_WEEKS_CSV, &crate::ingest::FEATURES);
        let stores = read("stores.csv", "Store,Type,Size\r1,A,151315\r2,B,202307\r", &crate::ingest::STORES);
        let config = FeatureConfig { join_features: true, join_stores: true, ..FeatureConfig::default() };
        let inputs = FeatureInputs { store_weeks: Some(&store_weeks), stores: Some(&stores), cutoff: None, frozen_stats: None };
        let table = build_features_with(&sales(&rows), &config, &inputs).unwrap();
        let temperature = table.floats("Temperature").unwrap();
        assert_eq!(temperature.value(0), 42.31);
        assert!(temperature.is_null(1), "2010-02-12 is not in features.csv");
        assert_eq!(temperature.value(2), 39.93);
        assert!(temperature.is_null(3), "store 2 has no weeks in features.csv");
        let markdown = table.floats("MarkDown1").unwrap();
        assert!(markdown.is_null(0), "NA is null");
        assert_eq!(markdown.value(2), 10.5);
        let (type_b, type_c, size) = (table.ints("Type_B").unwrap(), table.ints("Type_C").unwrap(), table.ints("Size").unwrap());
        assert_eq!((type_b.value(0), type_c.value(0), size.value(0)), (0, 0, 151_315), "type A");
        assert_eq!((type_b.value(3), type_c.value(3), size.value(3)), (1, 0, 202_307), "type B");
        assert!(type_b.is_null(4) && type_c.is_null(4) && size.is_null(4), "store 3 is not in stores.csv");
        let data = crate::design::model_data(&table, &config, crate::design::Missing::Zero).unwrap();
        assert_eq!(data.x.names(), config.model_columns().as_slice());

        let bad = read("stores.csv", "Store,Type,Size\n1,D,10\n", &crate::ingest::STORES);
        let only_stores = FeatureConfig { join_stores: true, ..FeatureConfig::default() };
        let error = build_features_with(&sales(&rows), &only_stores, &FeatureInputs { stores: Some(&bad), ..inputs }).unwrap_err();
        assert!(error.to_string().contains("Store 1 has Type \"D\""), "{error}");
        let twice = read("stores.csv", "Store,Type,Size\n1,A,10\n1,B,20\n", &crate::ingest::STORES);
        let error = build_features_with(&sales(&rows), &only_stores, &FeatureInputs { stores: Some(&twice), ..inputs }).unwrap_err();
        assert!(error.to_string().contains("more than one row for Store 1"), "{error}");
    }

    #[test]
    fn a_join_without_its_file_names_the_file() {
        let rows = weekly(&[Some(1.0), Some(2.0)]);
        for (config, file) in [
            (FeatureConfig { join_features: true, ..FeatureConfig::default() }, "features.csv"),
            (FeatureConfig { join_stores: true, ..FeatureConfig::default() }, "stores.csv"),
        ] {
            let error = build_features(&sales(&rows), &config).unwrap_err().to_string();
            assert!(error.contains(&format!("{file} is missing")), "{error}");
        }
    }

    /// Series statistics read only the weeks before the cutoff: changing later sales changes
    /// nothing, and every row of the series (test rows too) carries the same values.
    #[test]
    fn series_statistics_use_only_rows_before_the_cutoff() {
        let config = FeatureConfig { series_stats: true, ..FeatureConfig::default() };
        let cutoff = days_from_civil(2010, 2, 5) + 7 * 4;
        let inputs = FeatureInputs { cutoff: Some(cutoff), ..FeatureInputs::default() };
        let before = [Some(10.0), Some(20.0), None, Some(60.0)];
        let stats = |after: [Option<f64>; 3]| {
            let values: Vec<Option<f64>> = before.iter().copied().chain(after).collect();
            let table = build_features_with(&sales(&weekly(&values)), &config, &inputs).unwrap();
            SERIES_STAT_COLUMNS.map(|c| table.floats(c).unwrap().iter().collect::<Vec<_>>())
        };
        let [mean, median, std] = stats([Some(1e6), Some(-5.0), Some(7.0)]);
        assert_eq!(stats([Some(0.0), Some(3.0), Some(1e9)]), [mean.clone(), median.clone(), std.clone()]);
        assert!(mean.iter().all(|v| *v == Some(30.0)), "{mean:?}");
        assert!(median.iter().all(|v| *v == Some(20.0)));
        assert!(std.iter().all(|v| (v.unwrap() - 26.457_513_110_645_905).abs() < 1e-9));
        // A series that starts after the cutoff has no statistics.
        let late = build_features_with(&sales(&[(1, 1, cutoff, 5.0, false)]), &config, &inputs).unwrap();
        assert!(late.floats("series_mean").unwrap().is_null(0));
    }
}
