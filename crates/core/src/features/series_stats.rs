//! Each series' mean, median and standard deviation of the sales dated before the split's
//! cutoff, on every row of the series (test rows too). Nothing on or after the cutoff is read.

use arrow_array::Array;

use super::grid::window_stats;
use super::{FrozenStats, NullableFloats, SortedSeries, SERIES_STAT_COLUMNS};

/// The statistics' columns of every row, in sorted order, in [`SERIES_STAT_COLUMNS`] order:
/// summarised from the table's rows before `cutoff`, or taken from `frozen` (a series it
/// lacks has none).
pub(super) fn columns(sorted: &SortedSeries<'_>, cutoff: i32, frozen: Option<&FrozenStats>) -> Vec<NullableFloats> {
    let n = sorted.order.len();
    let mut columns: Vec<NullableFloats> = SERIES_STAT_COLUMNS.iter().map(|_| NullableFloats::with_capacity(n)).collect();
    // One series' sales before the cutoff.
    let mut history: Vec<f64> = Vec::new();
    let target = sorted.target;
    for range in sorted.series {
        let series = &sorted.order[range.clone()];
        if let Some(frozen) = frozen {
            let first = series[0] as usize;
            let stats = frozen.get(&(sorted.store[first], sorted.dept[first])).copied().unwrap_or([f64::NAN; 3]);
            for (column, value) in columns.iter_mut().zip(stats) {
                column.extend_repeated(value, series.len());
            }
            continue;
        }
        history.clear();
        history.extend(
            series.iter().map(|&r| r as usize).filter(|&r| sorted.date[r] < cutoff && target.is_valid(r)).map(|r| target.value(r)),
        );
        for (column, value) in columns.iter_mut().zip(series_stats(&mut history)) {
            column.extend_repeated(value, series.len());
        }
    }
    columns
}

/// Mean, median and sample standard deviation of `values` (NaN where undefined); reorders them.
pub(super) fn series_stats(values: &mut [f64]) -> [f64; 3] {
    let (mean, std) = window_stats(values);
    if values.is_empty() {
        return [f64::NAN; 3];
    }
    values.sort_unstable_by(f64::total_cmp);
    let mid = values.len() / 2;
    let median = if values.len() % 2 == 1 { values[mid] } else { (values[mid - 1] + values[mid]) / 2.0 };
    [mean, median, std]
}

