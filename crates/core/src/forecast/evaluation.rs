//! Scoring forecasts: by horizon week and in horizon bands (weeks 1–13, 14–26, 27–39,
//! 40–52), and the conformal prediction intervals calibrated on backtest residuals.
//!
//! Intervals are split-conformal per band on scaled residuals: a residual |y − ŷ| is divided
//! by its series' scale (the mean absolute weekly sales of its last 52 weeks before the
//! window's origin, at least 1), the calibration quantile q of those scores in a band gives
//! the interval ŷ ± q · scale. Scaling makes the intervals of a small department narrow and a
//! big one's wide, while the coverage over all rows stays the nominal one when the backtest
//! windows are like the forecast's weeks.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::metrics::{score, Metrics};

use super::history::{History, SeriesKey, TargetRows};
use super::methods::YEAR_WEEKS;

/// Weeks per horizon band.
pub const BAND_WEEKS: usize = 13;

/// The interval levels: 80 % and 95 %.
pub const LEVELS: [f64; 2] = [0.80, 0.95];

/// A band's name in metric keys, e.g. `h01_13`.
pub fn band_key(band: usize, horizon: usize) -> String {
    let (from, to) = band_range(band, horizon);
    format!("h{:02}_{:02}", from + 1, to)
}

/// Horizon steps `[from, to)` of band `band` (0-based steps; the key shows 1-based weeks).
pub fn band_range(band: usize, horizon: usize) -> (usize, usize) {
    (band * BAND_WEEKS, ((band + 1) * BAND_WEEKS).min(horizon))
}

pub fn bands(horizon: usize) -> usize {
    horizon.div_ceil(BAND_WEEKS)
}

/// Scores of forecasts of labelled rows: overall, per band and per horizon week (WMAE).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    pub overall: Metrics,
    /// One per band; `None` when the band has no rows.
    pub bands: Vec<Option<Metrics>>,
    /// WMAE per horizon week; `None` when that week has no rows.
    pub weeks: Vec<Option<f64>>,
}

/// Scores `predicted` against `actual`, with each row's horizon step.
pub fn scores(actual: &[f64], predicted: &[f64], weights: &[f64], steps: &[usize], horizon: usize) -> Result<Scores> {
    let overall = score(actual, predicted, weights)?;
    let subset = |keep: &dyn Fn(usize) -> bool| -> Option<Metrics> {
        let rows: Vec<usize> = (0..actual.len()).filter(|&i| keep(steps[i])).collect();
        if rows.is_empty() {
            return None;
        }
        let pick = |v: &[f64]| rows.iter().map(|&i| v[i]).collect::<Vec<_>>();
        score(&pick(actual), &pick(predicted), &pick(weights)).ok()
    };
    let bands = (0..bands(horizon))
        .map(|b| {
            let (from, to) = band_range(b, horizon);
            subset(&|s| s >= from && s < to)
        })
        .collect();
    let weeks = (0..horizon).map(|k| subset(&|s| s == k).map(|m| m.wmae)).collect();
    Ok(Scores { overall, bands, weeks })
}

/// Each series' scale for the intervals: the mean absolute sales of its last 52 weeks
/// before the origin (at least 1).
pub fn series_scales(history: &History) -> std::collections::HashMap<SeriesKey, f64> {
    let from = history.weeks.saturating_sub(YEAR_WEEKS);
    history
        .series
        .iter()
        .enumerate()
        .map(|(s, key)| {
            let present: Vec<f64> = history.values(s)[from..].iter().copied().filter(|v| !v.is_nan()).collect();
            let mean = if present.is_empty() { 0.0 } else { present.iter().map(|v| v.abs()).sum::<f64>() / present.len() as f64 };
            (*key, mean.max(1.0))
        })
        .collect()
}

/// The scale of each of `rows`: its series' scale, or for a series without history the
/// forecast's own magnitude (at least 1).
pub fn row_scales(rows: &TargetRows, predicted: &[f64], scales: &std::collections::HashMap<SeriesKey, f64>) -> Vec<f64> {
    rows.series.iter().zip(predicted).map(|(key, p)| scales.get(key).copied().unwrap_or(p.abs().max(1.0))).collect()
}

/// Conformal calibration: the quantile of the scaled absolute residuals per band and level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// `quantiles[band][level]`, levels as [`LEVELS`].
    pub quantiles: Vec<[f64; 2]>,
    /// Calibration residuals per band.
    pub counts: Vec<usize>,
}

impl Calibration {
    /// From scaled residuals `|y − ŷ| / scale` with each one's horizon step. A band with no
    /// residuals borrows the nearest earlier band's quantiles (or the next one's).
    pub fn from_scores(scaled: &[f64], steps: &[usize], horizon: usize) -> Option<Calibration> {
        let n = bands(horizon);
        let mut per_band: Vec<Vec<f64>> = vec![Vec::new(); n];
        for (&e, &s) in scaled.iter().zip(steps) {
            per_band[(s / BAND_WEEKS).min(n - 1)].push(e);
        }
        let counts: Vec<usize> = per_band.iter().map(Vec::len).collect();
        let mut quantiles: Vec<Option<[f64; 2]>> = per_band
            .iter_mut()
            .map(|scores| {
                if scores.is_empty() {
                    return None;
                }
                scores.sort_by(f64::total_cmp);
                Some(LEVELS.map(|level| conformal_quantile(scores, level)))
            })
            .collect();
        let first = quantiles.iter().flatten().next().copied()?;
        let mut carry = first;
        for q in &mut quantiles {
            match q {
                Some(v) => carry = *v,
                None => *q = Some(carry),
            }
        }
        Some(Calibration { quantiles: quantiles.into_iter().map(|q| q.expect("filled")).collect(), counts })
    }

    /// The 80 % and 95 % intervals `[lower_80, upper_80, lower_95, upper_95]` of a forecast at
    /// horizon step `step` of a series with `scale`.
    pub fn bounds(&self, predicted: f64, scale: f64, step: usize) -> [f64; 4] {
        let (l80, u80) = self.interval(predicted, scale, step, 0);
        let (l95, u95) = self.interval(predicted, scale, step, 1);
        [l80, u80, l95, u95]
    }

    /// The interval `[lower, upper]` at `level` (an index into [`LEVELS`]) for a forecast at
    /// horizon step `step` of a series with `scale`.
    pub fn interval(&self, predicted: f64, scale: f64, step: usize, level: usize) -> (f64, f64) {
        let band = (step / BAND_WEEKS).min(self.quantiles.len() - 1);
        let half = self.quantiles[band][level] * scale;
        (predicted - half, predicted + half)
    }
}

/// The split-conformal quantile: the ⌈(n + 1)·level⌉-th smallest of `sorted` (the largest
/// when that exceeds n).
fn conformal_quantile(sorted: &[f64], level: f64) -> f64 {
    let n = sorted.len();
    let rank = (((n + 1) as f64) * level).ceil() as usize;
    sorted[rank.clamp(1, n) - 1]
}

/// The share of `actual` inside `[lower, upper]`.
pub fn coverage(actual: &[f64], lower: &[f64], upper: &[f64]) -> f64 {
    let inside = actual.iter().zip(lower).zip(upper).filter(|((y, lo), hi)| *lo <= *y && *y <= *hi).count();
    inside as f64 / actual.len().max(1) as f64
}
