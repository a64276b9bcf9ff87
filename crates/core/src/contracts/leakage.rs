//! Shelfcast's leakage expectations for the feature table (not in GE; GE-style names and
//! result shape).
//!
//! A forecasting feature leaks when it uses information closer to the predicted week than
//! the horizon allows. These expectations recompute each lag and rolling feature from its
//! source column by *calendar* (docs/definitions.md#horizon-and-leaks) and compare, so the typical bugs fail loudly:
//! a lag shifted by one row instead of by date (wrong across gaps in a series), a rolling
//! window that includes the current week, a lag shorter than the horizon.
//!
//! - `expect_column_values_to_equal_lagged_column` — kwargs `column` (e.g. `lag_1`) with
//!   `periods` k, or `column_regex` (e.g. `^lag_(\d+)$`, k taken from the first group, every
//!   matching column checked); `source_column` (default `Weekly_Sales`), `group_by`
//!   (default `["Store", "Dept"]`), `date_column` (default `Date`), `period_days` (7),
//!   `tolerance` (0: exact). Each row must hold the source value of the same series exactly
//!   k·period_days earlier, and null when there is no such row (or its value is null).
//! - `expect_column_values_to_equal_rolling_statistic` — `column`, `source_column`,
//!   `statistic` (`mean` | `std`), `window` w, `horizon` h (default 1), `group_by`,
//!   `date_column`, `period_days`, `tolerance` (1e-6, relative to max(1, |expected|)).
//!   Each row must hold the mean (missing when no values) or sample std (n − 1; missing
//!   below 2 values) of the source values of the same series dated within
//!   [Date − period_days·(h + w − 1), Date − period_days·h].
//! - `expect_lag_features_to_respect_horizon` — `horizon` h, and `column_regex` (default
//!   `^lag_(\d+)$`) or `column_prefix` (a string or list, e.g. `lag_`): every matching
//!   column's lag k must be ≥ h; with `require_horizon_lag: true`, `lag_h` must exist.
//!   `observed_value` maps each lag column to k.
//!
//! The two recomputing checks are map expectations over all rows (like `not_be_null`,
//! without `missing_*` fields); an unexpected row is listed as an object with its series
//! key, date, value and `expected` value, and `details.message` names the feature. Rows
//! are located by sorting row indices by (series, date) once per validation run: the
//! layout and the source column in that order are shared by the checks of the run
//! ([`SeriesCache`](super::series::SeriesCache)); each series is then walked with two pointers, the recomputed values
//! kept in that order, so a check of the 421,570-row feature table takes a few milliseconds.
//! Rows with a null date cannot be placed: their expected value is null. When a series
//! has two rows on one date, a lag uses the first in row order, a window includes both.

use std::ops::Range;
use std::rc::Rc;

use arrow_array::Array;
use regex_lite::Regex;
use serde_json::{json, Map, Value as Json};

use super::check::{column, Check, Outcome, Shared};
use super::series::{cell, SeriesLayout, SeriesSpec};
use super::kwargs::{KwargError, KwargResult, Kwargs};
use super::result::MapFindings;
use crate::frame::{Column, ColumnType, Frame, Value};

fn numeric_column<'f>(frame: &'f Frame, name: &str) -> Result<Column<'f>, String> {
    let col = column(frame, name)?;
    match col.column_type() {
        ColumnType::Int | ColumnType::Float => Ok(col),
        other => Err(format!("column \"{name}\" is {}, not numeric", other.pandas_name())),
    }
}


/// `None` for the NaN that [`numbers`] uses for a missing cell.
fn present(value: f64) -> Option<f64> {
    (!value.is_nan()).then_some(value)
}

/// Equal within `tolerance` relative to max(1, |expected|); nulls equal only nulls.
fn agrees(actual: Option<f64>, expected: Option<f64>, tolerance: f64) -> bool {
    match (actual, expected) {
        (None, None) => true,
        (Some(a), Some(e)) => a == e || (a - e).abs() <= tolerance * e.abs().max(1.0),
        _ => false,
    }
}

fn to_json(value: Option<f64>) -> Json {
    value.map_or(Json::Null, |v| Value::Float(v).to_json())
}

/// One recomputed feature column and what it should hold on every row.
struct Recomputed<'f> {
    name: String,
    /// The column itself, to report its cells as they are.
    actual: Column<'f>,
    /// What each position should hold, NaN where it should be missing.
    expected: Vec<f64>,
    what: String,
}

impl Recomputed<'_> {
    /// What `row` should hold (null for an unplaced row).
    fn expected_at(&self, layout: &SeriesLayout<'_>, row: usize) -> Option<f64> {
        layout.position(row).and_then(|p| present(self.expected[p]))
    }

    fn agrees(&self, layout: &SeriesLayout<'_>, row: usize, tolerance: f64) -> bool {
        agrees(present(cell(self.actual, row)), self.expected_at(layout, row), tolerance)
    }

    /// The rows that disagree, ascending: a placed row whose cell differs from what its
    /// position should hold, or an unplaced row whose cell is not null.
    fn mismatched_rows(&self, layout: &SeriesLayout<'_>, tolerance: f64) -> Vec<usize> {
        // The cells are read in position order straight from the typed array, as [`numbers`]
        // reads them, without a copy of the column.
        let order = &layout.order;
        let scan = |actual: &dyn Fn(usize) -> f64| -> Vec<usize> {
            (0..order.len())
                .filter(|&p| !agrees(present(actual(order[p])), present(self.expected[p]), tolerance))
                .map(|p| order[p])
                .collect()
        };
        let mut rows = match self.actual {
            Column::Int(a) => scan(&|r| if a.is_valid(r) { a.value(r) as f64 } else { f64::NAN }),
            Column::Float(a) => scan(&|r| if a.is_valid(r) { a.value(r) } else { f64::NAN }),
            col => scan(&|r| cell(col, r)),
        };
        rows.extend(layout.unplaced.iter().copied().filter(|&row| !cell(self.actual, row).is_nan()));
        rows.sort_unstable();
        rows
    }
}

/// Map findings over all rows from recomputed features: a row is unexpected when any
/// feature disagrees; the message names each disagreeing feature.
fn recomputed_findings<'f>(frame: &'f Frame, layout: Rc<SeriesLayout<'f>>, features: Vec<Recomputed<'f>>, tolerance: f64) -> Outcome<'f> {
    let rows = frame.num_rows();
    let mismatched: Vec<Vec<usize>> = features.iter().map(|f| f.mismatched_rows(&layout, tolerance)).collect();
    let mut unexpected: Vec<usize> = mismatched.iter().flatten().copied().collect();
    unexpected.sort_unstable();
    unexpected.dedup();
    let message = if unexpected.is_empty() {
        let names: Vec<&str> = features.iter().map(|f| f.name.as_str()).collect();
        format!("{} {} on all {rows} rows", names.join(", "), if names.len() == 1 { "agrees" } else { "agree" })
    } else {
        features
            .iter()
            .zip(&mismatched)
            .filter(|(_, bad)| !bad.is_empty())
            .map(|(f, bad)| {
                let first = bad[0];
                let place = layout.describe(first);
                format!(
                    "{}: {} of {rows} rows differ from {} (first at {}: {} instead of {})",
                    f.name,
                    bad.len(),
                    f.what,
                    Json::Object(place),
                    f.actual.get(first),
                    to_json(f.expected_at(&layout, first)),
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let offending: Vec<&str> = features.iter().zip(&mismatched).filter(|(_, bad)| !bad.is_empty()).map(|(f, _)| f.name.as_str()).collect();
    let details: Map<String, Json> = [("message".to_string(), json!(message)), ("offending_features".to_string(), json!(offending))].into_iter().collect();
    Outcome::Map(MapFindings {
        element_count: rows,
        considered_count: None,
        unexpected_rows: unexpected,
        render: Box::new(move |row| {
            let mut object = layout.describe(row);
            let single = features.len() == 1;
            for f in &features {
                if single || !f.agrees(&layout, row, tolerance) {
                    object.insert(f.name.clone(), f.actual.get(row).to_json());
                    let key = if single { "expected".to_string() } else { format!("expected_{}", f.name) };
                    object.insert(key, to_json(f.expected_at(&layout, row)));
                }
            }
            Json::Object(object)
        }),
        mostly: 1.0,
        details: Some(details),
    })
}

// ---------------------------------------------------------------------------------------

enum LagColumns {
    One { column: String, periods: u64 },
    Matching(Regex),
}

struct EqualLaggedColumn {
    columns: LagColumns,
    spec: SeriesSpec,
    tolerance: f64,
}

fn lag_regex(key: &str, pattern: &str) -> KwargResult<Regex> {
    let regex = Regex::new(pattern).map_err(|e| KwargError::new(key, format!("not a valid regular expression: {e}")))?;
    if regex.captures_len() < 2 {
        return Err(KwargError::new(key, "needs a capture group for the lag, e.g. ^lag_(\\d+)$"));
    }
    Ok(regex)
}

/// The lag of each column whose name matches (first capture group, as a number).
fn matching_lags(frame: &Frame, regex: &Regex) -> Vec<(String, u64)> {
    frame
        .column_names()
        .into_iter()
        .filter_map(|name| {
            let k = regex.captures(&name)?.get(1)?.as_str().parse().ok()?;
            Some((name, k))
        })
        .collect()
}

pub(crate) fn equal_lagged_column(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    let columns = match kwargs.opt_string("column_regex")? {
        Some(pattern) => LagColumns::Matching(lag_regex("column_regex", &pattern)?),
        None => LagColumns::One { column: kwargs.string("column")?, periods: kwargs.count("periods")? },
    };
    Ok(Box::new(EqualLaggedColumn { columns, spec: SeriesSpec::parse(kwargs)?, tolerance: kwargs.opt_number("tolerance")?.unwrap_or(0.0) }))
}

impl Check for EqualLaggedColumn {
    fn evaluate<'f>(&self, frame: &'f Frame) -> Result<Outcome<'f>, String> {
        self.evaluate_shared(frame, &Shared::default())
    }

    fn evaluate_shared<'f>(&self, frame: &'f Frame, shared: &Shared<'f>) -> Result<Outcome<'f>, String> {
        let targets = match &self.columns {
            LagColumns::One { column, periods } => vec![(column.clone(), *periods)],
            LagColumns::Matching(regex) => matching_lags(frame, regex),
        };
        let source_column = numeric_column(frame, &self.spec.source_column)?;
        let layout = shared.series.layout(frame, &self.spec)?;
        let source = layout.sorted_numbers(&self.spec.source_column, source_column);
        let mut features = Vec::with_capacity(targets.len());
        for (name, periods) in targets {
            let actual = numeric_column(frame, &name)?;
            let offset = i64::try_from(periods).unwrap_or(i64::MAX / 2).saturating_mul(self.spec.period_days);
            let expected = layout.map_windows(offset, offset, |window| if window.is_empty() { f64::NAN } else { source[window.start] });
            let what = format!(
                "{} {} day(s) earlier within ({})",
                self.spec.source_column,
                offset,
                self.spec.group_by.join(", ")
            );
            features.push(Recomputed { name, actual, expected, what });
        }
        Ok(recomputed_findings(frame, layout, features, self.tolerance))
    }
}

// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Debug)]
enum RollingStatistic {
    Mean,
    Std,
}

struct EqualRollingStatistic {
    column: String,
    statistic: RollingStatistic,
    window: u64,
    horizon: u64,
    spec: SeriesSpec,
    tolerance: f64,
}

fn horizon(kwargs: &Kwargs<'_>, default: Option<u64>) -> KwargResult<u64> {
    let h = match default {
        Some(d) => kwargs.opt_count("horizon")?.unwrap_or(d),
        None => kwargs.count("horizon")?,
    };
    if h == 0 || h > 10_000 {
        return Err(KwargError::new("horizon", format!("must be between 1 and 10000 periods, got {h}")));
    }
    Ok(h)
}

pub(crate) fn equal_rolling_statistic(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    let statistic = match kwargs.choice("statistic", &["mean", "std"], "mean")? {
        "std" => RollingStatistic::Std,
        _ => RollingStatistic::Mean,
    };
    let window = kwargs.count("window")?;
    if window == 0 || window > 10_000 {
        return Err(KwargError::new("window", "must be between 1 and 10000 periods"));
    }
    Ok(Box::new(EqualRollingStatistic {
        column: kwargs.string("column")?,
        statistic,
        window,
        horizon: horizon(kwargs, Some(1))?,
        spec: SeriesSpec::parse(kwargs)?,
        tolerance: kwargs.opt_number("tolerance")?.unwrap_or(1e-6),
    }))
}

/// The statistic of the present (non-NaN) `values`, NaN when there are too few (none for a
/// mean, fewer than 2 for a std).
fn window_statistic(values: &[f64], statistic: RollingStatistic) -> f64 {
    let present = || values.iter().filter(|v| !v.is_nan());
    let (n, sum) = present().fold((0usize, 0.0), |(n, sum), v| (n + 1, sum + v));
    if n == 0 || (statistic == RollingStatistic::Std && n < 2) {
        return f64::NAN;
    }
    let mean = sum / n as f64;
    match statistic {
        RollingStatistic::Mean => mean,
        RollingStatistic::Std => (present().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1) as f64).sqrt(),
    }
}

/// How many windows [`rolling_statistics`] computes side by side.
const LANES: usize = 4;

/// [`window_statistic`] of `values` over each position's window, bit for bit, computed
/// [`LANES`] windows at a time.
///
/// A window's sum is a chain of dependent additions, so one window at a time leaves the
/// processor waiting on each addition; interleaving the sums of consecutive windows of the
/// same length keeps its adders busy (about 3× faster on the 13-week windows). Each window
/// still adds its values in order with the same operations: a missing value adds +0.0
/// instead of being skipped, which changes nothing, as a sum that starts at +0.0 is never
/// −0.0 in round-to-nearest.
fn rolling_statistics(layout: &SeriesLayout<'_>, values: &[f64], from: i64, to: i64, statistic: RollingStatistic) -> Vec<f64> {
    let mut out = vec![f64::NAN; layout.order.len()];
    let mut pending: [(usize, Range<usize>); LANES] = Default::default();
    let mut count = 0;
    let flush = |pending: &[(usize, Range<usize>)], out: &mut [f64]| {
        let len = pending[0].1.len();
        if pending.len() == LANES && pending.iter().all(|(_, w)| w.len() == len) {
            let starts: [usize; LANES] = std::array::from_fn(|j| pending[j].1.start);
            let stats = lanes_statistic(values, starts, len, statistic);
            for ((position, _), stat) in pending.iter().zip(stats) {
                out[*position] = stat;
            }
        } else {
            for (position, window) in pending {
                out[*position] = window_statistic(&values[window.clone()], statistic);
            }
        }
    };
    layout.for_each_window(from, to, |position, window| {
        pending[count] = (position, window);
        count += 1;
        if count == LANES {
            flush(&pending, &mut out);
            count = 0;
        }
    });
    if count > 0 {
        flush(&pending[..count], &mut out);
    }
    out
}

/// [`window_statistic`] of the [`LANES`] windows `values[start..start + len]`.
// `k` walks the lanes' windows together: an index is the plain way to say so.
#[allow(clippy::needless_range_loop)]
fn lanes_statistic(values: &[f64], starts: [usize; LANES], len: usize, statistic: RollingStatistic) -> [f64; LANES] {
    let windows: [&[f64]; LANES] = std::array::from_fn(|j| &values[starts[j]..starts[j] + len]);
    let (mut n, mut sum) = ([0usize; LANES], [0.0f64; LANES]);
    for k in 0..len {
        for j in 0..LANES {
            let v = windows[j][k];
            let present = !v.is_nan();
            n[j] += usize::from(present);
            sum[j] += if present { v } else { 0.0 };
        }
    }
    let mean: [f64; LANES] = std::array::from_fn(|j| sum[j] / n[j] as f64);
    let too_few = |j: usize| n[j] == 0 || (statistic == RollingStatistic::Std && n[j] < 2);
    if statistic == RollingStatistic::Mean {
        return std::array::from_fn(|j| if too_few(j) { f64::NAN } else { mean[j] });
    }
    let mut squares = [0.0f64; LANES];
    for k in 0..len {
        for j in 0..LANES {
            let v = windows[j][k];
            squares[j] += if v.is_nan() { 0.0 } else { (v - mean[j]) * (v - mean[j]) };
        }
    }
    std::array::from_fn(|j| if too_few(j) { f64::NAN } else { (squares[j] / (n[j] - 1) as f64).sqrt() })
}

impl Check for EqualRollingStatistic {
    fn evaluate<'f>(&self, frame: &'f Frame) -> Result<Outcome<'f>, String> {
        self.evaluate_shared(frame, &Shared::default())
    }

    fn evaluate_shared<'f>(&self, frame: &'f Frame, shared: &Shared<'f>) -> Result<Outcome<'f>, String> {
        let source_column = numeric_column(frame, &self.spec.source_column)?;
        let actual = numeric_column(frame, &self.column)?;
        let layout = shared.series.layout(frame, &self.spec)?;
        let source = layout.sorted_numbers(&self.spec.source_column, source_column);
        let days = self.spec.period_days;
        let (h, w) = (self.horizon as i64, self.window as i64);
        let (from, to) = (days * (h + w - 1), days * h);
        let expected = rolling_statistics(&layout, &source, from, to, self.statistic);
        let what = format!(
            "the {} of {} over [Date − {from} days, Date − {to} days] within ({}) (window {w}, horizon {h})",
            if self.statistic == RollingStatistic::Mean { "mean" } else { "sample std" },
            self.spec.source_column,
            self.spec.group_by.join(", "),
        );
        let features = vec![Recomputed { name: self.column.clone(), actual, expected, what }];
        Ok(recomputed_findings(frame, layout, features, self.tolerance))
    }
}

// ---------------------------------------------------------------------------------------

struct LagsRespectHorizon {
    horizon: u64,
    patterns: Vec<Regex>,
    require_horizon_lag: bool,
}

pub(crate) fn lag_features_respect_horizon(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    let patterns = if let Some(pattern) = kwargs.opt_string("column_regex")? {
        vec![lag_regex("column_regex", &pattern)?]
    } else if let Some(prefix) = kwargs.get("column_prefix") {
        let prefixes: Vec<String> = match prefix {
            Json::String(p) => vec![p.clone()],
            _ => kwargs.string_list("column_prefix")?,
        };
        prefixes.iter().map(|p| lag_regex("column_prefix", &format!(r"^{}(\d+)$", regex_lite::escape(p)))).collect::<KwargResult<_>>()?
    } else {
        vec![lag_regex("column_regex", r"^lag_(\d+)$")?]
    };
    Ok(Box::new(LagsRespectHorizon {
        horizon: horizon(kwargs, None)?,
        patterns,
        require_horizon_lag: kwargs.flag("require_horizon_lag", false)?,
    }))
}

impl Check for LagsRespectHorizon {
    fn evaluate<'f>(&self, frame: &'f Frame) -> Result<Outcome<'f>, String> {
        let mut lags: Vec<(String, u64)> = self.patterns.iter().flat_map(|p| matching_lags(frame, p)).collect();
        lags.sort();
        lags.dedup();
        let h = self.horizon;
        let mut problems: Vec<String> = lags
            .iter()
            .filter(|(_, k)| *k < h)
            .map(|(name, k)| format!("{name} looks {k} period(s) back, closer than the horizon of {h}: it leaks information not available at forecast time"))
            .collect();
        let offending: Vec<&str> = lags.iter().filter(|(_, k)| *k < h).map(|(name, _)| name.as_str()).collect();
        if self.require_horizon_lag && !lags.iter().any(|(_, k)| *k == h) {
            problems.push(format!("no lag feature at the horizon ({h} periods) was found"));
        }
        let success = problems.is_empty();
        let message = if success {
            format!("all {} lag feature(s) look at least {h} period(s) back", lags.len())
        } else {
            problems.join("; ")
        };
        let observed: Map<String, Json> = lags.iter().map(|(name, k)| (name.clone(), json!(k))).collect();
        Ok(Outcome::Observed {
            success,
            observed: Json::Object(observed),
            details: Some(json!({"horizon": h, "message": message, "offending_features": offending})),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Date32Array, Float64Array, Int64Array};
    use serde_json::json;

    use super::*;
    use crate::contracts::series::SeriesCache;
    use crate::contracts::kwargs::Kwargs;

    /// Two stores, one dept each, rows shuffled, a gap, a duplicated date and a null date.
    fn table() -> Frame {
        let rows: [(i64, Option<i32>, f64); 10] = [
            (2, Some(14), 5.0),
            (1, Some(7), 2.0),
            (1, Some(28), 4.0),
            (2, None, 9.0),
            (1, Some(0), 1.0),
            (2, Some(7), 6.0),
            (1, Some(14), 3.0),
            (2, Some(14), 7.0),
            (2, Some(0), 8.0),
            (1, Some(42), 5.5),
        ];
        let columns: Vec<(String, ArrayRef)> = vec![
            ("Store".into(), Arc::new(Int64Array::from(rows.iter().map(|r| r.0).collect::<Vec<_>>()))),
            ("Dept".into(), Arc::new(Int64Array::from(vec![1; rows.len()]))),
            ("Date".into(), Arc::new(Date32Array::from(rows.iter().map(|r| r.1).collect::<Vec<_>>()))),
            ("Weekly_Sales".into(), Arc::new(Float64Array::from(rows.iter().map(|r| r.2).collect::<Vec<_>>()))),
        ];
        Frame::new(columns).unwrap()
    }

    fn spec(group_by: serde_json::Value) -> SeriesSpec {
        let kwargs = json!({"group_by": group_by});
        SeriesSpec::parse(&Kwargs::new(kwargs.as_object().unwrap())).unwrap()
    }

    #[test]
    fn a_run_builds_each_layout_and_source_column_once() {
        let frame = table();
        let cache = SeriesCache::default();
        let by_store_dept = cache.layout(&frame, &spec(json!(["Store", "Dept"]))).unwrap();
        assert!(Rc::ptr_eq(&by_store_dept, &cache.layout(&frame, &spec(json!(["Store", "Dept"]))).unwrap()));
        let by_store = cache.layout(&frame, &spec(json!(["Store"]))).unwrap();
        assert!(!Rc::ptr_eq(&by_store_dept, &by_store));
        assert!(cache.layout(&frame, &spec(json!(["Nope"]))).err().unwrap().contains("does not exist"));
        assert_eq!(cache.layouts.borrow().len(), 2, "a failed build is not remembered");

        let sales = frame.column("Weekly_Sales").unwrap();
        let first = by_store_dept.sorted_numbers("Weekly_Sales", sales);
        assert!(Rc::ptr_eq(&first, &by_store_dept.sorted_numbers("Weekly_Sales", sales)));
        assert_eq!(&first[..], &[1.0, 2.0, 3.0, 4.0, 5.5, 8.0, 6.0, 5.0, 7.0]);
        assert_eq!(by_store_dept.unplaced, vec![3]);
        assert_eq!((0..10).map(|row| by_store_dept.position(row)).collect::<Vec<_>>(), [
            Some(7), Some(1), Some(3), None, Some(0), Some(6), Some(2), Some(8), Some(5), Some(4)
        ]);
    }

    #[test]
    fn rolling_statistics_equal_one_window_at_a_time_bit_for_bit() {
        // Many short series with gaps, duplicate dates and missing values (NaN and −0.0 too).
        let mut rng = crate::rng::SplitMix64::new(0x2545_F491_4F6C_DD1D);
        let mut next = move || rng.next_u64();
        let (mut stores, mut dates, mut sales) = (vec![], vec![], vec![]);
        for store in 0..60 {
            let mut date = 0;
            for _ in 0..(next() % 40) {
                date += 7 * (next() % 3) as i32;
                stores.push(store);
                dates.push(date);
                sales.push(match next() % 10 {
                    0 => f64::NAN,
                    1 => -0.0,
                    _ => (next() % 2_000_000) as f64 / 7.0 - 50_000.0,
                });
            }
        }
        let columns: Vec<(String, ArrayRef)> = vec![
            ("Store".into(), Arc::new(Int64Array::from(stores))),
            ("Dept".into(), Arc::new(Int64Array::from(vec![1; dates.len()]))),
            ("Date".into(), Arc::new(Date32Array::from(dates))),
            ("Weekly_Sales".into(), Arc::new(Float64Array::from(sales))),
        ];
        let frame = Frame::new(columns).unwrap();
        let layout = SeriesLayout::build(&frame, &spec(json!(["Store", "Dept"]))).unwrap();
        let values = layout.sorted_numbers("Weekly_Sales", frame.column("Weekly_Sales").unwrap());
        for (from, to) in [(21, 7), (56, 7), (91, 7), (98, 14), (0, 0), (700, 0)] {
            for statistic in [RollingStatistic::Mean, RollingStatistic::Std] {
                let fast = rolling_statistics(&layout, &values, from, to, statistic);
                let naive = layout.map_windows(from, to, |window| window_statistic(&values[window], statistic));
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&fast), bits(&naive), "{statistic:?} over [{from}, {to}] days back");
            }
        }
    }

    #[test]
    fn windows_hold_the_rows_of_the_series_dated_within_the_bounds() {
        let frame = table();
        let store = frame.ints("Store").unwrap();
        let date = frame.dates("Date").unwrap();
        let layout = SeriesLayout::build(&frame, &spec(json!(["Store", "Dept"]))).unwrap();
        for (from, to) in [(7, 7), (14, 7), (28, 7), (21, 14), (0, 0), (100, 0)] {
            let mut seen = 0;
            layout.for_each_window(from, to, |position, window| {
                seen += 1;
                let row = layout.order[position];
                let mut got: Vec<usize> = window.map(|p| layout.order[p]).collect();
                let mut want: Vec<usize> = (0..frame.num_rows())
                    .filter(|&r| date.is_valid(r) && store.value(r) == store.value(row))
                    .filter(|&r| (date.value(row) - from as i32..=date.value(row) - to as i32).contains(&date.value(r)))
                    .collect();
                got.sort_unstable();
                want.sort_unstable();
                assert_eq!(got, want, "row {row}, window [{from}, {to}] days back");
            });
            assert_eq!(seen, 9, "every placed row gets a window");
        }
    }
}
