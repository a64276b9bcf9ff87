//! Messages between the page and the worker that runs the engine.
//!
//! Requests and responses travel as JSON text; file bytes travel beside a request as
//! transferred `ArrayBuffer`s (moved, not copied), in the order of the request's file names.
//! Everything the page draws arrives computed: metrics, chart points, histograms, profiles.

use serde::{Deserialize, Serialize};
use shelfcast_core::forecast::Scores;
use shelfcast_core::pipeline::{PipelineConfig, PipelineEvent, RunDetail, RunLog, SeriesPoint, Stage};
use shelfcast_core::stages::forecast::TotalPoint;
use shelfcast_core::profile::DataProfile;
use shelfcast_core::registry::{ScoredKind, Scoring};
use shelfcast_core::ingest::FileFingerprint;
use shelfcast_core::tracking::RunRecord;

/// The field of a page-to-worker message that holds the request as JSON text (responses
/// travel as bare JSON text).
pub const REQUEST_FIELD: &str = "request";
/// The message's field that holds the transferred file buffers, in the request's file order.
pub const FILES_FIELD: &str = "files";

/// Sent by the page.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "snake_case")]
pub enum Request {
    /// Run the pipeline on the transferred files (named in order) with this configuration.
    Run { files: Vec<String>, config: PipelineConfig },
    /// Keep the transferred files (features.csv, stores.csv) beside the loaded data for the
    /// joins, without running; a file of the same kind replaces the one kept.
    AddFiles { files: Vec<String> },
    /// Hold the transferred files (and the built-in sample as the sales data when `sample`)
    /// instead of whatever the worker held, without running: the files kept in the browser
    /// after a reload, a fresh worker's data after a cancel, nothing after *Forget data*.
    /// Answered with the inputs and, when there are sales, their profile.
    Load { files: Vec<String>, sample: bool },
    /// Run on the built-in synthetic sample.
    RunSample { config: PipelineConfig },
    /// Run again on the inputs of the last run (kept in the worker) with this configuration.
    Rerun { config: PipelineConfig },
    /// "Run from here": run `stage` and everything after it, keeping the last run's outputs
    /// of the stages before it (or from an earlier stage whose settings changed).
    RunFrom { stage: Stage, config: PipelineConfig },
    /// Actual vs predicted for one series of the last run's test part.
    Series { store: i64, dept: i64 },
    /// One series' history and forecast from the last forecast run.
    ForecastSeries { store: i64, dept: i64 },
    /// A file of the last forecast run (or the last scoring) to download.
    Download { file: DownloadFile },
    /// One series of the last scored file.
    ScoredSeries { store: i64, dept: i64 },
    /// Record a run the page cancelled (the worker that ran it was replaced mid-run) from the
    /// events it had sent and the fingerprints known of its files: answered with its KILLED
    /// record and detail (`pipeline::killed`).
    RecordKilled { config: PipelineConfig, log: RunLog, files: Vec<FileFingerprint>, end_ms: f64 },
    /// Score the transferred file with a registered version's stored model (its JSON, as
    /// stored); `name` and `version` say which version it is (for the result).
    Score { model: String, name: String, version: u32, file: String },
}

/// The files a forecast run offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DownloadFile {
    /// Kaggle's `Id,Weekly_Sales` for the future-weeks file.
    Submission,
    /// Every forecast row with its intervals.
    Forecast,
    /// The last scored file's predictions: the submission for a future-weeks file, else the
    /// predictions with the actual sales.
    Scored,
}

impl DownloadFile {
    pub fn file_name(self) -> &'static str {
        match self {
            DownloadFile::Submission => "submission.csv",
            DownloadFile::Forecast => "forecast.csv",
            DownloadFile::Scored => "predictions.csv",
        }
    }
}

/// Sent by the worker.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "response", rename_all = "snake_case")]
pub enum Response {
    /// The worker's WebAssembly has started and it listens: messages sent before this one
    /// would have been lost, so the page holds them until it arrives.
    Ready,
    /// A stage changed state or made progress.
    Event { event: PipelineEvent },
    /// The names of the files the worker holds (after any request that changed them).
    Inputs { files: Vec<String> },
    /// The sales table as read, once ingest has succeeded.
    Profile { profile: DataProfile },
    /// The run has ended (successfully or not); `result.record.error` says which. Its
    /// [`Response::RunModel`] follows: the page shows this at once and stores the run then.
    Finished { result: Box<RunResult> },
    /// The stored model (`StoredModel` JSON) of the run just `Finished`, `None` when it has
    /// none. Packing a model takes a fifth of a Ridge run on the real data, so the worker
    /// does it after the person already has the metrics; the page keeps the run, its detail
    /// and its model together when this arrives.
    RunModel { run_id: String, model: Option<String> },
    /// The record and detail of a cancelled run, to store.
    Killed { result: Box<RunResult> },
    /// A file scored by a registered version.
    Scored { view: Box<ScoredView> },
    ScoredSeries { store: i64, dept: i64, points: Vec<TotalPoint> },
    Series { store: i64, dept: i64, points: Vec<SeriesPoint> },
    ForecastSeries { store: i64, dept: i64, points: Vec<TotalPoint> },
    /// A file to save, as text.
    Download { name: String, text: String },
    /// The request itself could not be handled (a bug or a malformed message).
    Failed { message: String },
}

/// What the Models page shows of a scored file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScoredView {
    pub name: String,
    pub version: u32,
    pub kind: ScoredKind,
    pub file: String,
    pub rows: usize,
    pub unknown_series: usize,
    pub scores: Option<Scores>,
    pub coverage: Option<[f64; 2]>,
    /// Σ actual and Σ predicted per week.
    pub totals: Vec<TotalPoint>,
    /// The file's series, for the per-series chart.
    pub series_keys: Vec<(i64, i64)>,
    /// What monitoring records (a labelled file).
    pub scoring: Option<Scoring>,
    /// The worker's time from the request to the result, in ms.
    pub elapsed_ms: f64,
}

/// What the page shows of a finished run: its record and its detail (what the pages draw,
/// kept with the run so that a stored run opens as it was).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunResult {
    pub record: RunRecord,
    pub detail: RunDetail,
}
