//! What a run showed, kept: its detail.
//!
//! A run is stored in three parts. The record (`tracking::RunRecord`: params, metrics, tags,
//! stage lines) is the small summary row that listing, search and sort read for every run;
//! the detail ([`RunDetail`]) is everything the pages drew — both contracts' full results,
//! the evaluation's charts (weekly totals, per-store totals, each series a person opened),
//! residuals, coefficients or importances, a forecast's figures by horizon, the stage log —
//! read only when a run is opened; the model (`registry::StoredModel`) is read only to score.
//! The app, the CLI and the tests keep details through [`RunDetailStore`], beside their
//! `RunStore`, so a stored run opens after a reload as it was when it finished.

use serde::{Deserialize, Serialize};

use crate::calendar::format_date;
use crate::contracts::ValidationResult;
use crate::error::{Error, Result};
use crate::forecast::Scores;
use crate::metrics::Metrics;
use crate::profile::HistogramBin;
use crate::stages::evaluate::{SeriesPoint, StoreTotal};
use crate::stages::forecast::{forecast_series, Backtest, Forecast, TotalPoint};
use crate::tracking::{MemoryRunStore, StageState};

use super::{PipelineEvent, PipelineOutcome, Stage};

/// The version of [`RunDetail`] this build writes.
pub const RUN_DETAIL_VERSION: u32 = 1;

/// How many opened series a detail keeps (the latest ones).
pub const MAX_OPENED_SERIES: usize = 50;

/// How many progress lines the log keeps per stage (stage changes are always kept).
pub const MAX_PROGRESS_LINES: usize = 40;

/// Everything a run's pages drew, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunDetail {
    pub format_version: u32,
    pub run_id: String,
    pub raw_validation: Option<ValidationResult>,
    pub feature_validation: Option<ValidationResult>,
    pub train: Option<Metrics>,
    pub test: Option<Metrics>,
    /// Σ actual and Σ predicted per test week.
    pub totals: Vec<SeriesPoint>,
    /// The same per store.
    pub store_totals: Vec<StoreTotal>,
    pub residuals: Vec<HistogramBin>,
    /// A linear model's coefficients, by feature.
    pub coefficients: Option<Vec<(String, f64)>>,
    /// A tree model's importances (its share of the total split gain), by feature.
    #[serde(default)]
    pub importances: Option<Vec<(String, f64)>>,
    /// The test part's (Store, Dept) series.
    pub series_keys: Vec<(i64, i64)>,
    /// Each series a person opened, as drawn, oldest first.
    pub series: Vec<OpenedSeries<SeriesPoint>>,
    /// A forecast run's figures and charts.
    pub forecast: Option<ForecastDetail>,
    /// The forecast series a person opened.
    pub forecast_series: Vec<OpenedSeries<TotalPoint>>,
    /// The run's stage changes and progress, in order.
    pub log: Vec<LogLine>,
}

/// One opened series' chart points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenedSeries<P> {
    pub store: i64,
    pub dept: i64,
    pub points: Vec<P>,
}

/// What the Forecast page shows of a forecast run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastDetail {
    pub origin: String,
    pub horizon: usize,
    pub method: String,
    pub rows: usize,
    /// The rows came from a future-weeks file (a submission can be downloaded).
    pub future: bool,
    /// On the labelled weeks after the origin, when there are some; `weeks` is the WMAE by
    /// horizon week.
    pub scores: Option<Scores>,
    pub coverage: Option<[f64; 2]>,
    /// The same per horizon band.
    pub band_coverage: Vec<Option<[f64; 2]>>,
    /// All backtest windows pooled, and each window's origin and WMAE.
    pub backtest: Option<Scores>,
    pub windows: Vec<(String, f64)>,
    pub totals: Vec<TotalPoint>,
    pub series_keys: Vec<(i64, i64)>,
    pub series_without_history: usize,
    /// How those series are forecast, in words.
    pub new_series_rule: String,
}

impl ForecastDetail {
    pub fn of(forecast: &Forecast, backtest: Option<&Backtest>) -> ForecastDetail {
        ForecastDetail {
            origin: format_date(forecast.origin),
            horizon: forecast.horizon,
            method: forecast.method.name().to_string(),
            rows: forecast.rows.len(),
            future: forecast.rows.actual.is_none(),
            scores: forecast.scores.clone(),
            coverage: forecast.coverage,
            band_coverage: forecast.band_coverage.clone(),
            backtest: backtest.and_then(|b| b.pooled.clone()),
            windows: backtest.map(|b| b.windows.iter().map(|w| (format_date(w.origin), w.scores.overall.wmae)).collect()).unwrap_or_default(),
            totals: forecast.totals.clone(),
            series_keys: forecast_series(forecast).into_iter().map(|k| (k.store, k.dept)).collect(),
            series_without_history: forecast.series_without_history,
            new_series_rule: forecast.method.new_series_rule().to_string(),
        }
    }

    /// The WMAE by horizon week the run measured: on the weeks after the origin, or on the
    /// backtest when those are in the future. `None` for a week without rows.
    pub fn wmae_by_week(&self) -> Option<(&'static str, &[Option<f64>])> {
        match (&self.scores, &self.backtest) {
            (Some(scores), _) => Some(("forecast", &scores.weeks)),
            (None, Some(backtest)) => Some(("backtest", &backtest.weeks)),
            (None, None) => None,
        }
    }
}

/// One line of a run's log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogLine {
    /// Milliseconds since the run's first event.
    pub at_ms: f64,
    pub stage: Stage,
    /// Set on a stage change; `None` on progress.
    pub state: Option<StageState>,
    pub text: String,
}

/// Collects a run's events into its log as they happen (serializable: the page sends the log
/// of a run it cancelled to a fresh worker, which records it).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunLog {
    start_ms: Option<f64>,
    lines: Vec<LogLine>,
}

impl RunLog {
    /// Notes `event`, seen at `now_ms`.
    pub fn observe(&mut self, event: &PipelineEvent, now_ms: f64) {
        let at_ms = now_ms - *self.start_ms.get_or_insert(now_ms);
        let line = match event {
            PipelineEvent::Stage { stage, state, message, .. } => LogLine { at_ms, stage: *stage, state: Some(*state), text: message.clone() },
            PipelineEvent::Progress { stage, done, total, note } => {
                let progress = self.lines.iter().filter(|l| l.stage == *stage && l.state.is_none()).count();
                let last = self.lines.last().filter(|l| l.stage == *stage && l.state.is_none());
                let text = if note.is_empty() { format!("{done} of {total}") } else { note.clone() };
                if progress >= MAX_PROGRESS_LINES || last.is_some_and(|l| l.text == text) {
                    return;
                }
                LogLine { at_ms, stage: *stage, state: None, text }
            }
        };
        self.lines.push(line);
    }

    /// When the first event was seen (ms since the epoch), if one was.
    pub fn start_ms(&self) -> Option<f64> {
        self.start_ms
    }

    pub fn into_lines(self) -> Vec<LogLine> {
        self.lines
    }
}

impl RunDetail {
    /// The detail of run `run_id` with nothing drawn yet.
    pub fn empty(run_id: &str) -> RunDetail {
        RunDetail {
            format_version: RUN_DETAIL_VERSION,
            run_id: run_id.to_string(),
            raw_validation: None,
            feature_validation: None,
            train: None,
            test: None,
            totals: Vec::new(),
            store_totals: Vec::new(),
            residuals: Vec::new(),
            coefficients: None,
            importances: None,
            series_keys: Vec::new(),
            series: Vec::new(),
            forecast: None,
            forecast_series: Vec::new(),
            log: Vec::new(),
        }
    }

    /// The detail of a finished (or failed) run, with the log its events made.
    pub fn of_outcome(outcome: &PipelineOutcome, log: RunLog) -> RunDetail {
        let evaluation = outcome.evaluation();
        RunDetail {
            format_version: RUN_DETAIL_VERSION,
            run_id: outcome.record.run_id.clone(),
            raw_validation: outcome.raw_validation().cloned(),
            feature_validation: outcome.feature_validation().cloned(),
            train: evaluation.map(|e| e.train),
            test: evaluation.map(|e| e.test),
            totals: evaluation.map(|e| e.test_rows.totals_by_date()).unwrap_or_default(),
            store_totals: evaluation.map(|e| e.test_rows.totals_by_store()).unwrap_or_default(),
            residuals: evaluation.map(|e| e.test_rows.residual_histogram()).unwrap_or_default(),
            coefficients: outcome.model().and_then(|m| m.coefficients()),
            importances: outcome.model().and_then(|m| m.feature_importances()),
            series_keys: evaluation.map(|e| e.test_rows.series_keys()).unwrap_or_default(),
            series: Vec::new(),
            forecast: outcome.forecast().map(|f| ForecastDetail::of(f, outcome.backtest())),
            forecast_series: Vec::new(),
            log: log.into_lines(),
        }
    }

    /// Keeps an opened series' points (again: the newer drawing replaces the older), at most
    /// [`MAX_OPENED_SERIES`] of them, dropping the oldest.
    pub fn open_series(&mut self, store: i64, dept: i64, points: Vec<SeriesPoint>) {
        keep_opened(&mut self.series, OpenedSeries { store, dept, points });
    }

    /// The same for a forecast series.
    pub fn open_forecast_series(&mut self, store: i64, dept: i64, points: Vec<TotalPoint>) {
        keep_opened(&mut self.forecast_series, OpenedSeries { store, dept, points });
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("run details serialize")
    }

    /// Reads a stored detail of run `run_id`.
    pub fn from_json(json: &str, run_id: &str) -> Result<RunDetail> {
        let what = format!("the detail of run {run_id}");
        let value: serde_json::Value = serde_json::from_str(json).map_err(|e| Error::artifact(what.clone(), format!("not JSON: {e}")))?;
        match value.get("format_version").and_then(serde_json::Value::as_u64) {
            Some(v) if v == u64::from(RUN_DETAIL_VERSION) => {}
            Some(v) => return Err(Error::artifact(what, format!("format version {v} is not one this build reads ({RUN_DETAIL_VERSION})"))),
            None => return Err(Error::artifact(what, "it has no format_version")),
        }
        let detail: RunDetail = serde_json::from_value(value).map_err(|e| Error::artifact(what.clone(), e))?;
        if detail.run_id != run_id {
            return Err(Error::artifact(what, format!("it belongs to run {}", detail.run_id)));
        }
        Ok(detail)
    }
}

fn keep_opened<P>(opened: &mut Vec<OpenedSeries<P>>, series: OpenedSeries<P>) {
    opened.retain(|s| (s.store, s.dept) != (series.store, series.dept));
    opened.push(series);
    if opened.len() > MAX_OPENED_SERIES {
        opened.remove(0);
    }
}

/// Where run details are kept, beside the run records (the same store in the app and the CLI).
#[allow(async_fn_in_trait)] // implementations live in single-threaded contexts (wasm, tests)
pub trait RunDetailStore {
    async fn put_detail(&mut self, detail: &RunDetail) -> Result<()>;
    /// The detail of `run_id`, or `None` when none is stored (runs recorded before details
    /// were kept).
    async fn get_detail(&self, run_id: &str) -> Result<Option<RunDetail>>;
}

impl RunDetailStore for MemoryRunStore {
    async fn put_detail(&mut self, detail: &RunDetail) -> Result<()> {
        self.details.insert(detail.run_id.clone(), detail.to_json());
        Ok(())
    }

    async fn get_detail(&self, run_id: &str) -> Result<Option<RunDetail>> {
        self.details.get(run_id).map(|json| RunDetail::from_json(json, run_id)).transpose()
    }
}
