//! Lags and rolling windows, per series: each series is laid out on a dense weekly grid
//! once (padded in front with empty weeks), so a lag is the grid shifted, and each window
//! length's means and standard deviations are computed for all the series' weeks together in
//! vector code ([`RollingWindows`]), summed in the same order as one window at a time, so to
//! the bit. A series without missing weeks copies each of its columns as one slice.

use arrow_array::Array;

use crate::calendar::format_date;
use crate::error::{Error, Result};
use crate::stage::Stage;

use super::{FeatureConfig, NullableFloats, SortedSeries, SEASONAL_LAG, WINDOWS};

/// The grid's columns of every row, in sorted order.
pub(super) struct GridColumns {
    /// One per lag of [`FeatureConfig::lags`].
    pub lags: Vec<NullableFloats>,
    /// Mean and standard deviation per window length of [`WINDOWS`].
    pub windows: Vec<[NullableFloats; 2]>,
    /// `lag_52 − lag_53`, when `seasonal_lags` is on.
    pub seasonal_change: Option<NullableFloats>,
}

/// Lags, windows and the seasonal change of every row; a duplicate (Store, Dept, Date) is an
/// error.
pub(super) fn columns(sorted: &SortedSeries<'_>, config: &FeatureConfig) -> Result<GridColumns> {
    let n = sorted.order.len();
    let lags = config.lags();
    let target = sorted.target;
    // Every grid starts with this many empty weeks, so that each lag and window of a series'
    // first week is an index into its grid too (lags are at most 53 weeks, windows reach back
    // h + 12 weeks).
    let padding = (SEASONAL_LAG + 1).max(config.horizon + WINDOWS[WINDOWS.len() - 1] - 1);
    let mut lag_columns: Vec<NullableFloats> = lags.iter().map(|_| NullableFloats::with_capacity(n)).collect();
    let mut roll_columns: Vec<[NullableFloats; 2]> =
        WINDOWS.iter().map(|_| [NullableFloats::with_capacity(n), NullableFloats::with_capacity(n)]).collect();
    let mut seasonal_change = NullableFloats::with_capacity(if config.seasonal_lags { n } else { 0 });
    // One series' sales on a dense weekly grid from `padding` weeks before its first week;
    // NaN where there is none.
    let mut grid: Vec<f64> = Vec::new();
    // The grid position of each row of the series.
    let mut cells: Vec<usize> = Vec::new();
    let mut windows = RollingWindows::default();

    for range in sorted.series {
        let series = &sorted.order[range.clone()];
        let weeks = &sorted.row_weeks[range.clone()];
        let first_week = weeks[0] as usize;
        grid.clear();
        grid.resize(padding + weeks[weeks.len() - 1] as usize - first_week + 1, f64::NAN);
        cells.clear();
        for (&row, &week) in series.iter().zip(weeks) {
            let cell = padding + week as usize - first_week;
            if cells.last() == Some(&cell) {
                let (s, d) = (sorted.store[row as usize], sorted.dept[row as usize]);
                return Err(Error::stage(
                    Stage::Features,
                    format!("duplicate row for Store {s}, Dept {d}, Date {}", format_date(sorted.date[row as usize])),
                ));
            }
            cells.push(cell);
            if target.is_valid(row as usize) {
                grid[cell] = target.value(row as usize);
            }
        }
        // Each row's value from an array that holds cell `c`'s at `c − shift`: a copy of one
        // slice when the series has no missing week (most do), else one read per row.
        let dense = cells.len() == grid.len() - padding;
        let gather = |column: &mut NullableFloats, values: &[f64], shift: usize| {
            if dense {
                column.extend_from_slice(&values[padding - shift..grid.len() - shift]);
            } else {
                column.extend(cells.iter().map(|&c| values[c - shift]));
            }
        };
        for (column, &k) in lag_columns.iter_mut().zip(&lags) {
            gather(column, &grid, k);
        }
        if config.seasonal_lags {
            // NaN when either week is missing.
            seasonal_change.extend(cells.iter().map(|&c| grid[c - SEASONAL_LAG] - grid[c - SEASONAL_LAG - 1]));
        }
        windows.load(&grid);
        for ([means, stds], &len) in roll_columns.iter_mut().zip(&WINDOWS) {
            windows.compute(padding, config.horizon, len);
            gather(means, &windows.mean, padding);
            gather(stds, &windows.std, padding);
        }
    }
    Ok(GridColumns { lags: lag_columns, windows: roll_columns, seasonal_change: config.seasonal_lags.then_some(seasonal_change) })
}

/// The rolling means and sample standard deviations of one series' grid, for all its cells
/// at once.
///
/// Each window is summed oldest week first, as [`window_stats`] sums a single window, so the
/// results are the same to the bit; but all cells go in lockstep — the inner loops run over
/// the cells, one shift of the grid at a time, on the values with 0 for a missing one and a
/// 1/0 presence mask, so without a branch — which the compiler turns into vector code. (A
/// running sum would be cheaper still, but loses digits once large sales have left the
/// window.)
#[derive(Debug, Default)]
pub(super) struct RollingWindows {
    /// The grid with 0 for a missing value.
    values: Vec<f64>,
    /// 1 where the grid has a value, 0 where not.
    present: Vec<f64>,
    count: Vec<f64>,
    sum: Vec<f64>,
    /// From the first cell computed on; NaN for a window without values.
    pub mean: Vec<f64>,
    /// From the first cell computed on; NaN for a window with fewer than two values.
    pub std: Vec<f64>,
}

impl RollingWindows {
    /// Takes the grid (NaN where a value is missing) whose windows [`Self::compute`] computes.
    pub fn load(&mut self, grid: &[f64]) {
        self.values.clear();
        self.values.extend(grid.iter().map(|&v| if v.is_nan() { 0.0 } else { v }));
        self.present.clear();
        self.present.extend(grid.iter().map(|v| if v.is_nan() { 0.0 } else { 1.0 }));
    }

    /// The windows of `len` weeks ending `back` weeks before each cell of the loaded grid from
    /// cell `from` on: cell `c`'s window is `grid[c − back − len + 1 ..= c − back]`, missing
    /// values skipped. The cells before `from` must hold the window of `from` (the grid's
    /// padding): `from ≥ back + len − 1`.
    pub fn compute(&mut self, from: usize, back: usize, len: usize) {
        let reach = back + len - 1;
        assert!(from >= reach, "cell {from} has no window of {len} weeks {back} back on the grid");
        let cells = self.values.len().saturating_sub(from);
        for v in [&mut self.count, &mut self.sum, &mut self.mean, &mut self.std] {
            v.clear();
            v.resize(cells, 0.0);
        }
        if cells == 0 {
            return;
        }
        // The windows' cells, oldest first: at shift `oldest`, cell `from + i` reads
        // `values[from − reach + oldest + i]`.
        let shifts = || {
            (from - reach..from - reach + len).map(|start| (&self.values[start..start + cells], &self.present[start..start + cells]))
        };
        for (values, present) in shifts() {
            for (((count, sum), &v), &p) in self.count.iter_mut().zip(&mut self.sum).zip(values).zip(present) {
                *count += p;
                *sum += v;
            }
        }
        // Every step below is computed for every cell and chosen without a branch, so that it
        // runs as vector code too.
        for ((mean, &count), &sum) in self.mean.iter_mut().zip(&self.count).zip(&self.sum) {
            let quotient = sum / count;
            *mean = if count == 0.0 { f64::NAN } else { quotient };
        }
        let squares = &mut self.std;
        for (values, present) in shifts() {
            for (((squares, &mean), &v), &p) in squares.iter_mut().zip(&self.mean).zip(values).zip(present) {
                // 0 for a missing value: ±0 times a finite mean (a window without values
                // has a NaN mean, but also no standard deviation).
                let deviation = p * (v - mean);
                *squares += deviation * deviation;
            }
        }
        for (std, &count) in squares.iter_mut().zip(&self.count) {
            let root = (*std / (count - 1.0)).sqrt();
            *std = if count < 2.0 { f64::NAN } else { root };
        }
    }
}

/// Mean (NaN when there is no value) and sample standard deviation (NaN below two values)
/// of the present (non-NaN) `values`.
pub(super) fn window_stats(values: &[f64]) -> (f64, f64) {
    let present = || values.iter().filter(|v| !v.is_nan());
    let (count, sum) = present().fold((0usize, 0.0), |(c, s), v| (c + 1, s + v));
    if count == 0 {
        return (f64::NAN, f64::NAN);
    }
    let mean = sum / count as f64;
    if count < 2 {
        return (mean, f64::NAN);
    }
    let squares: f64 = present().map(|v| (v - mean) * (v - mean)).sum();
    (mean, (squares / (count - 1) as f64).sqrt())
}

