//! Backtest and forecast: the two stages of a forecast run. The backtest refits the method on
//! rolling origins before the forecast's origin and scores each window (per window, per
//! horizon week, per band, overall); its residuals calibrate the intervals. The forecast
//! predicts every week from the origin over the horizon — the labelled weeks after an origin
//! inside the data, or every row of a future-weeks file — and, where the weeks are labelled,
//! scores itself and measures the intervals' coverage.

pub mod direct;

use serde::{Deserialize, Serialize};

use crate::contracts::Suite;
use crate::models::FitProgress;

use crate::calendar::format_date;
use crate::cutoff::default_cutoff;
use crate::error::{Error, Result};
use std::collections::HashMap;

use crate::forecast::evaluation::{band_range, bands, coverage, row_scales, scores, series_scales};
use crate::forecast::submission::RowIntervals;
use crate::forecast::history::{check_origin, SalesColumns};
use crate::forecast::methods::NewSeries;
use crate::forecast::{Calibration, ForecastMethod, History, Scores, SeriesForecasts, SeriesKey, TargetRows};
use crate::frame::Frame;
use crate::stage::Stage;

/// The longest horizon: a year (a method reading the value 52 weeks earlier needs no more).
pub const MAX_HORIZON: usize = 52;

/// What a forecast run forecasts, and how it is evaluated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastSettings {
    pub method: ForecastMethod,
    /// Weeks forecast from the origin, 1–52.
    pub horizon: usize,
    /// Days since the epoch; `None`: the week after the data ends when a future-weeks file
    /// is given, else the default cutoff.
    pub origin: Option<i32>,
    /// Backtest windows (0 for none: then no intervals).
    pub backtest_windows: usize,
    /// Weeks between the backtest windows' origins.
    pub step: usize,
    /// The seed of a model that draws random numbers (a direct model).
    #[serde(default = "default_seed")]
    pub seed: u64,
}

fn default_seed() -> u64 {
    42
}

impl Default for ForecastSettings {
    fn default() -> Self {
        ForecastSettings { method: ForecastMethod::DEFAULT, horizon: 39, origin: None, backtest_windows: 3, step: 4, seed: default_seed() }
    }
}

impl ForecastSettings {
    pub fn check(&self) -> Result<()> {
        if !(1..=MAX_HORIZON).contains(&self.horizon) {
            return Err(Error::Params(format!("the forecast horizon must be 1–{MAX_HORIZON} weeks, got {}", self.horizon)));
        }
        if self.step == 0 {
            return Err(Error::Params("the backtest step must be at least 1 week".into()));
        }
        Ok(())
    }

    /// The forecast's origin for `sales` (the file `file`) and the future weeks, if given:
    /// the one set, or the default; an origin off the data's weekly grid is an error.
    pub fn origin_for(&self, sales: &Frame, file: &str, future: Option<&TargetRows>) -> Result<i32> {
        let origin = match self.origin {
            Some(origin) => origin,
            None => {
                let dates: Vec<i32> = sales.dates("Date")?.iter().flatten().collect();
                match future {
                    Some(_) => dates.iter().max().map(|last| last + 7).ok_or_else(|| Error::stage(Stage::Forecast, format!("{file} has no rows")))?,
                    None => default_cutoff(&dates).map_err(|e| Error::stage(Stage::Forecast, e.to_string()))?,
                }
            }
        };
        check_origin(sales, file, origin)?;
        Ok(origin)
    }

    /// The backtest windows' origins, latest first: origin − horizon, then back by `step` weeks.
    pub fn window_origins(&self, origin: i32) -> Vec<i32> {
        (0..self.backtest_windows).map(|i| origin - 7 * (self.horizon + i * self.step) as i32).collect()
    }
}

/// The horizon step (0-based) of each row.
pub fn steps_of(rows: &TargetRows, origin: i32) -> Vec<usize> {
    rows.date.iter().map(|&d| ((d - origin) / 7) as usize).collect()
}

/// One backtest window, scored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BacktestWindow {
    pub origin: i32,
    pub scores: Scores,
}

/// The backtest: every window, the pooled scores and the intervals' calibration.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Backtest {
    /// The forecast's origin the windows end before (the forecast stage forecasts from it).
    pub origin: i32,
    pub windows: Vec<BacktestWindow>,
    /// All windows' rows scored together.
    pub pooled: Option<Scores>,
    /// Per-row intervals.
    pub calibration: Option<Calibration>,
    /// Intervals for the weekly total.
    pub total_calibration: Option<Calibration>,
}

/// The backtest stage: refits `settings.method` on each window's history and scores it.
/// `progress(done, total)` follows the windows.
pub fn backtest(
    sales: &Frame,
    file: &str,
    settings: &ForecastSettings,
    origin: i32,
    suite: Option<&Suite>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Backtest> {
    settings.check()?;
    let origins = settings.window_origins(origin);
    let horizon = settings.horizon;
    let mut backtest = Backtest { origin, ..Backtest::default() };
    let (mut all_actual, mut all_predicted, mut all_weights, mut all_steps, mut all_scaled) = (vec![], vec![], vec![], vec![], vec![]);
    let (mut total_scaled, mut total_steps) = (vec![], vec![]);
    progress(0, origins.len());
    for (i, &window) in origins.iter().enumerate() {
        let label = || format!("backtest window {} (origin {})", i + 1, format_date(window));
        let rows = TargetRows::labelled(sales, window, horizon)?;
        if rows.is_empty() {
            return Err(Error::stage(Stage::Backtest, format!("{} has no labelled weeks", label())));
        }
        let (grid, history) = forecast_grid(sales, file, settings, window, &rows, suite, &mut |_| {})
            .map_err(|e| Error::stage(Stage::Backtest, format!("{}: {e}; use fewer windows or a smaller step", label())))?;
        let predicted = grid.predict(&rows);
        let actual = rows.actual.clone().expect("labelled rows");
        let weights = rows.weights();
        let steps = steps_of(&rows, window);
        backtest.windows.push(BacktestWindow { origin: window, scores: scores(&actual, &predicted, &weights, &steps, horizon)? });
        let scales = row_scales(&rows, &predicted, &series_scales(&history));
        all_scaled.extend(actual.iter().zip(&predicted).zip(&scales).map(|((y, p), s)| (y - p).abs() / s));
        let totals = weekly_totals(&rows.date, &actual, &predicted);
        let level = history_weekly_level(&history);
        for (date, (y, p)) in totals {
            total_scaled.push((y - p).abs() / level);
            total_steps.push(((date - window) / 7) as usize);
        }
        all_actual.extend(actual);
        all_predicted.extend(predicted);
        all_weights.extend(weights);
        all_steps.extend(steps);
        progress(i + 1, origins.len());
    }
    if !origins.is_empty() {
        backtest.pooled = Some(scores(&all_actual, &all_predicted, &all_weights, &all_steps, horizon)?);
        backtest.calibration = Calibration::from_scores(&all_scaled, &all_steps, horizon);
        backtest.total_calibration = Calibration::from_scores(&total_scaled, &total_steps, horizon);
    }
    Ok(backtest)
}

/// Σ actual and Σ predicted per date.
pub fn weekly_totals(dates: &[i32], actual: &[f64], predicted: &[f64]) -> std::collections::BTreeMap<i32, (f64, f64)> {
    let mut totals = std::collections::BTreeMap::new();
    for i in 0..dates.len() {
        let entry: &mut (f64, f64) = totals.entry(dates[i]).or_default();
        entry.0 += actual[i];
        entry.1 += predicted[i];
    }
    totals
}

/// The mean weekly total of the last 52 weeks of a history (at least 1): the scale of the
/// total's intervals.
fn history_weekly_level(history: &History) -> f64 {
    let from = history.weeks.saturating_sub(crate::forecast::methods::YEAR_WEEKS);
    let weeks = history.weeks - from;
    let sum: f64 = (0..history.series.len()).map(|s| history.values(s)[from..].iter().filter(|v| !v.is_nan()).sum::<f64>()).sum();
    (sum / weeks.max(1) as f64).abs().max(1.0)
}

/// One week of the total: the history's actual sum, or the forecast's with its intervals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TotalPoint {
    pub date: String,
    pub actual: Option<f64>,
    pub forecast: Option<f64>,
    /// `[lower_80, upper_80, lower_95, upper_95]` when calibrated.
    pub interval: Option<RowIntervals>,
}

/// A forecast run's model, frozen: the point forecast of every series and week of the
/// horizon, each series' interval scale and the backtest's calibration. The forecast stage
/// predicts its own rows through it, and the registry scores a file with it, so the two
/// cannot differ; nothing is refitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrozenForecast {
    pub grid: SeriesForecasts,
    /// Each grid series' interval scale; NaN where it has none (a series without history,
    /// whose forecast's own magnitude scales it).
    #[serde(with = "crate::codec::f64_base64")]
    pub scales: Vec<f64>,
    pub calibration: Option<Calibration>,
}

impl FrozenForecast {
    /// The forecast of each of `rows` (dated in the horizon) and, when calibrated, its
    /// intervals.
    pub fn predict(&self, rows: &TargetRows) -> (Vec<f64>, Option<Vec<RowIntervals>>) {
        let predicted = self.grid.predict(rows);
        let intervals = self.calibration.as_ref().map(|c| {
            let index: HashMap<SeriesKey, usize> = self.grid.series.iter().enumerate().map(|(i, k)| (*k, i)).collect();
            (0..rows.len())
                .map(|i| {
                    let p = predicted[i];
                    let scale = index.get(&rows.series[i]).map(|&s| self.scales[s]).filter(|s| s.is_finite()).unwrap_or(p.abs().max(1.0));
                    c.bounds(p, scale, self.grid.step(rows.date[i]))
                })
                .collect()
        });
        (predicted, intervals)
    }

    /// An error naming the first of `rows` outside the horizon's weeks.
    pub fn check_rows(&self, rows: &TargetRows) -> Result<()> {
        check_in_horizon(rows, self.grid.origin, self.grid.horizon)
    }

    /// The series of `rows` the model has no forecast of (given the fallback).
    pub fn unknown_series(&self, rows: &TargetRows) -> usize {
        let known: std::collections::HashSet<SeriesKey> = self.grid.series.iter().copied().collect();
        let mut unknown: Vec<_> = rows.series.iter().filter(|k| !known.contains(k)).collect();
        unknown.sort_unstable();
        unknown.dedup();
        unknown.len()
    }
}

/// The grid of forecasts of `settings.method` from the rows of `sales` before `origin`, and
/// the history panel (whose series' scales size the intervals): what the backtest's windows
/// and the forecast predict their rows from. A panel method's grid is its forecast of every
/// series of the history; a direct model's holds every series of the history and of `rows`,
/// each week scored in the same fits (a week no row gives a holiday flag takes the
/// calendar's); it runs `suite`'s leakage checks on its features and reports its fits to
/// `progress`.
fn forecast_grid(
    sales: &Frame,
    file: &str,
    settings: &ForecastSettings,
    origin: i32,
    rows: &TargetRows,
    suite: Option<&Suite>,
    progress: &mut dyn FnMut(FitProgress),
) -> Result<(SeriesForecasts, History)> {
    let history = History::before(sales, file, origin)?;
    let horizon = settings.horizon;
    let grid = match &settings.method {
        ForecastMethod::Panel(method) => method.forecast(&history, horizon),
        ForecastMethod::Direct(spec) => {
            let mut series = history.series.clone();
            let known: std::collections::HashSet<SeriesKey> = series.iter().copied().collect();
            let mut extra: Vec<SeriesKey> = rows.series.iter().filter(|k| !known.contains(k)).copied().collect();
            extra.sort_unstable();
            extra.dedup();
            series.extend(extra);
            let flags: HashMap<(SeriesKey, i32), bool> = (0..rows.len()).map(|i| ((rows.series[i], rows.date[i]), rows.holiday[i])).collect();
            let mut cells = TargetRows::default();
            for key in &series {
                for k in 0..horizon {
                    let date = origin + 7 * k as i32;
                    let holiday = flags.get(&(*key, date)).copied().unwrap_or_else(|| crate::holidays::holiday_week(date).is_some());
                    cells.series.push(*key);
                    cells.date.push(date);
                    cells.holiday.push(holiday);
                }
            }
            let values = direct::predict(sales, spec, settings.seed, origin, horizon, &cells, suite, progress)?;
            SeriesForecasts { origin, horizon, series, values, new_series: NewSeries::DepartmentLowest }
        }
    };
    Ok((grid, history))
}

/// How well a forecast of labelled rows did: its scores, and its intervals' coverage
/// overall and per horizon band (when it has intervals).
pub struct Assessment {
    pub scores: Scores,
    pub coverage: Option<[f64; 2]>,
    pub band_coverage: Vec<Option<[f64; 2]>>,
}

/// Scores `predicted` against the actual sales of `rows` (forecast from `origin`).
pub fn assess(rows: &TargetRows, predicted: &[f64], intervals: Option<&[RowIntervals]>, origin: i32, horizon: usize) -> Result<Option<Assessment>> {
    let Some(actual) = &rows.actual else { return Ok(None) };
    let steps = steps_of(rows, origin);
    // Coverage of the rows at `keep` (all of them, or one band's).
    let covered = |iv: &[RowIntervals], keep: &dyn Fn(usize) -> bool| -> Option<[f64; 2]> {
        let rows: Vec<usize> = (0..actual.len()).filter(|&i| keep(steps[i])).collect();
        if rows.is_empty() {
            return None;
        }
        let pick = |j: usize| rows.iter().map(|&i| iv[i][j]).collect::<Vec<_>>();
        let y: Vec<f64> = rows.iter().map(|&i| actual[i]).collect();
        Some([coverage(&y, &pick(0), &pick(1)), coverage(&y, &pick(2), &pick(3))])
    };
    let scores = scores(actual, predicted, &rows.weights(), &steps, horizon)?;
    let coverage = intervals.and_then(|iv| covered(iv, &|_| true));
    let band_coverage = intervals.map_or_else(Vec::new, |iv| {
        (0..bands(horizon))
            .map(|b| {
                let (from, to) = band_range(b, horizon);
                covered(iv, &|step| step >= from && step < to)
            })
            .collect()
    });
    Ok(Some(Assessment { scores, coverage, band_coverage }))
}

/// The forecast: every row predicted, its intervals, and its scores when labelled.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Forecast {
    pub origin: i32,
    pub horizon: usize,
    pub method: ForecastMethod,
    pub rows: TargetRows,
    pub predicted: Vec<f64>,
    pub intervals: Option<Vec<RowIntervals>>,
    /// When the forecast's weeks are labelled (an origin inside the data).
    pub scores: Option<Scores>,
    /// Coverage of the 80 % and 95 % intervals on the labelled weeks.
    pub coverage: Option<[f64; 2]>,
    /// The same per horizon band (`None` for a band without rows).
    #[serde(default)]
    pub band_coverage: Vec<Option<[f64; 2]>>,
    /// Series in the rows without history before the origin (given the fallback).
    pub series_without_history: usize,
    /// The weekly total: the last two years of history, then the forecast.
    pub totals: Vec<TotalPoint>,
    /// The model, frozen: what the registry keeps and scores with.
    pub model: FrozenForecast,
}

/// The forecast stage: forecasts `future` (the future-weeks file's rows) or, without it, the
/// labelled weeks of `sales` from `origin` over the horizon.
#[allow(clippy::too_many_arguments)]
pub fn forecast(
    sales: &Frame,
    file: &str,
    future: Option<TargetRows>,
    settings: &ForecastSettings,
    origin: i32,
    backtest: &Backtest,
    suite: Option<&Suite>,
    progress: &mut dyn FnMut(FitProgress),
) -> Result<Forecast> {
    settings.check()?;
    let horizon = settings.horizon;
    let rows = match future {
        Some(rows) => {
            check_in_horizon(&rows, origin, horizon)?;
            rows
        }
        None => TargetRows::labelled(sales, origin, horizon)?,
    };
    if rows.is_empty() {
        return Err(Error::stage(
            Stage::Forecast,
            format!(
                "there is nothing to forecast: no rows of {file} from {} on; give a future-weeks file (test.csv) or an earlier origin",
                format_date(origin)
            ),
        ));
    }
    let (grid, history) = forecast_grid(sales, file, settings, origin, &rows, suite, progress)?;
    let scales = series_scales(&history);
    let scales = grid.series.iter().map(|k| scales.get(k).copied().unwrap_or(f64::NAN)).collect();
    let model = FrozenForecast { grid, scales, calibration: backtest.calibration.clone() };
    let (predicted, intervals) = model.predict(&rows);
    let assessment = assess(&rows, &predicted, intervals.as_deref(), origin, horizon)?;
    let series_without_history = {
        let mut missing: Vec<_> = rows.series.iter().filter(|k| history.position(**k).is_none()).collect();
        missing.sort_unstable();
        missing.dedup();
        missing.len()
    };
    let totals = total_points(&history, &rows, &predicted, backtest.total_calibration.as_ref(), origin);
    let (scores, coverage, band_coverage) = match assessment {
        Some(a) => (Some(a.scores), a.coverage, a.band_coverage),
        None => (None, None, Vec::new()),
    };
    Ok(Forecast {
        origin,
        horizon,
        method: settings.method.clone(),
        rows,
        predicted,
        intervals,
        scores,
        coverage,
        band_coverage,
        series_without_history,
        totals,
        model,
    })
}

fn check_in_horizon(rows: &TargetRows, origin: i32, horizon: usize) -> Result<()> {
    let end = origin + 7 * horizon as i32;
    if let Some(i) = rows.date.iter().position(|&d| d < origin || d >= end || (d - origin) % 7 != 0) {
        let latest = rows.date.iter().max().copied().unwrap_or(origin);
        let needed = (latest - origin) / 7 + 1;
        return Err(Error::stage(
            Stage::Forecast,
            format!(
                "{}, line {}: {} is not one of the forecast's weeks ({} to {}, every 7 days){}",
                rows.file.as_deref().unwrap_or("the future-weeks file"),
                i + 2,
                format_date(rows.date[i]),
                format_date(origin),
                format_date(end - 7),
                if rows.date[i] >= end && needed as usize <= MAX_HORIZON { format!("; a horizon of {needed} weeks covers the file") } else { String::new() }
            ),
        ));
    }
    Ok(())
}

fn total_points(history: &History, rows: &TargetRows, predicted: &[f64], calibration: Option<&Calibration>, origin: i32) -> Vec<TotalPoint> {
    let from = history.weeks.saturating_sub(2 * crate::forecast::methods::YEAR_WEEKS);
    let mut points: Vec<TotalPoint> = (from..history.weeks)
        .map(|w| {
            let sum: f64 = (0..history.series.len()).map(|s| history.values(s)[w]).filter(|v| !v.is_nan()).sum();
            TotalPoint { date: format_date(history.date_of(w as i64)), actual: Some(sum), forecast: None, interval: None }
        })
        .collect();
    let level = history_weekly_level(history);
    let actual = rows.actual.clone().unwrap_or_else(|| vec![f64::NAN; rows.len()]);
    for (date, (y, p)) in weekly_totals(&rows.date, &actual, predicted) {
        let step = ((date - origin) / 7) as usize;
        let interval = calibration.map(|c| c.bounds(p, level, step));
        points.push(TotalPoint { date: format_date(date), actual: y.is_finite().then_some(y), forecast: Some(p), interval });
    }
    points
}

/// One series: its last two years of sales before the origin, then its forecast with the
/// intervals (and the actual sales where the forecast's weeks are labelled).
pub fn series_points(sales: &Frame, forecast: &Forecast, key: SeriesKey) -> Result<Vec<TotalPoint>> {
    let cols = SalesColumns::of(sales, true)?;
    let values = cols.sales.expect("read with sales");
    let from = forecast.origin - 7 * 2 * crate::forecast::methods::YEAR_WEEKS as i32;
    let mut history: Vec<(i32, f64)> = (0..sales.num_rows())
        .filter(|&r| cols.is_complete(r) && cols.key(r) == key)
        .map(|r| (cols.date.value(r), values.value(r)))
        .filter(|&(date, _)| date >= from && date < forecast.origin)
        .collect();
    history.sort_by_key(|&(date, _)| date);
    let mut points: Vec<TotalPoint> =
        history.into_iter().map(|(date, y)| TotalPoint { date: format_date(date), actual: Some(y), forecast: None, interval: None }).collect();
    let mut ahead: Vec<usize> = (0..forecast.rows.len()).filter(|&i| forecast.rows.series[i] == key).collect();
    ahead.sort_by_key(|&i| forecast.rows.date[i]);
    points.extend(ahead.into_iter().map(|i| TotalPoint {
        date: format_date(forecast.rows.date[i]),
        actual: forecast.rows.actual.as_ref().map(|a| a[i]),
        forecast: Some(forecast.predicted[i]),
        interval: forecast.intervals.as_ref().map(|iv| iv[i]),
    }));
    Ok(points)
}

/// The series the forecast has rows of, sorted.
pub fn forecast_series(forecast: &Forecast) -> Vec<SeriesKey> {
    let mut keys = forecast.rows.series.clone();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// The backtest stage's summary line.
pub fn backtest_summary(backtest: &Backtest) -> String {
    match &backtest.pooled {
        Some(pooled) => format!("{} windows: WMAE {:.2} over {} rows", backtest.windows.len(), pooled.overall.wmae, pooled.overall.rows),
        None => "no backtest windows: no intervals".into(),
    }
}

/// The forecast stage's summary line.
pub fn forecast_summary(forecast: &Forecast) -> String {
    let head = format!("{} weeks from {}: {} rows", forecast.horizon, format_date(forecast.origin), forecast.rows.len());
    match (&forecast.scores, forecast.coverage) {
        (Some(s), Some([c80, c95])) => {
            format!("{head}, WMAE {:.2}; interval coverage {:.1} % (80 %), {:.1} % (95 %)", s.overall.wmae, 100.0 * c80, 100.0 * c95)
        }
        (Some(s), None) => format!("{head}, WMAE {:.2}", s.overall.wmae),
        _ => format!("{head} (future weeks: the backtest is the evaluation)"),
    }
}
