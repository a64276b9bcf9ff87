//! The page's state: signals the worker's responses fill and the pages read.

use std::sync::Arc;

use leptos::prelude::*;
use crate::protocol::{Response, RunResult, ScoredView};
use crate::storage::kept_files::KeptFiles;
use shelfcast_core::registry::{RegisteredModel, Scoring};
use shelfcast_core::features::FeatureConfig;
use shelfcast_core::models::{ModelKind, ModelSpec};
use shelfcast_core::forecast::ForecastMethod;
use shelfcast_core::pipeline::{ForecastDetail, ForecastSettings, PipelineConfig, PipelineEvent, RunDetail, SeriesPoint, Stage};
use shelfcast_core::stages::forecast::TotalPoint;
use shelfcast_core::profile::DataProfile;
use shelfcast_core::tracking::{DamagedRecord, Experiments, RunRecord, StageState, DEFAULT_EXPERIMENT_ID};

/// One task of the pipeline as the grid shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct StageView {
    pub stage: Stage,
    pub state: StageState,
    pub duration_ms: Option<f64>,
    pub message: String,
}

/// Progress of the running stage.
#[derive(Debug, Clone, PartialEq)]
pub struct StageProgress {
    pub stage: Stage,
    pub done: usize,
    pub total: usize,
    pub note: String,
}

/// Run settings chosen on the Train page.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub model: ModelKind,
    pub alpha: String,
    /// Empty for the default cutoff.
    pub cutoff: String,
    /// The feature switches (the horizon stays h = 1 in the app: docs/definitions.md#horizon-and-leaks).
    pub features: FeatureConfig,
    /// The Forecast page's settings.
    pub forecast: ForecastForm,
}

impl Settings {
    /// The pipeline configuration these settings make, or what is wrong with them (the text
    /// fields are parsed here, at the page's edge, by the core's parsers).
    pub fn pipeline_config(&self) -> Result<PipelineConfig, String> {
        let params = match self.model {
            ModelKind::Ridge => vec![("alpha".to_string(), self.alpha.trim().to_string())],
            _ => Vec::new(),
        };
        let model = ModelSpec::new(self.model, &params).map_err(|e| e.to_string())?;
        let cutoff = match self.cutoff.trim() {
            "" => None,
            text => Some(shelfcast_core::cutoff::parse(text).map_err(|e| e.to_string())?),
        };
        Ok(PipelineConfig { model, cutoff, features: self.features.clone(), ..PipelineConfig::default() })
    }

    /// The configuration of a forecast run with the Forecast page's settings.
    pub fn forecast_config(&self) -> Result<PipelineConfig, String> {
        let form = &self.forecast;
        let number = |text: &str, what: &str| -> Result<usize, String> {
            text.trim().parse().map_err(|_| format!("{what} must be a whole number, got \"{}\"", text.trim()))
        };
        let origin = match form.origin.trim() {
            "" => None,
            text => Some(shelfcast_core::cutoff::parse(text).map_err(|e| e.to_string())?),
        };
        let settings = ForecastSettings {
            method: ForecastMethod::parse(&form.method, &[]).map_err(|e| e.to_string())?,
            horizon: number(&form.horizon, "the horizon")?,
            origin,
            backtest_windows: number(&form.windows, "the backtest windows")?,
            step: number(&form.step, "the backtest step")?,
            ..ForecastSettings::default()
        };
        settings.check().map_err(|e| e.to_string())?;
        Ok(PipelineConfig { forecast: Some(settings), ..PipelineConfig::default() })
    }
}

/// The Forecast page's fields, as typed (parsed by [`Settings::forecast_config`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastForm {
    pub method: String,
    /// Empty for the default origin.
    pub origin: String,
    pub horizon: String,
    pub windows: String,
    pub step: String,
}

impl Default for ForecastForm {
    fn default() -> Self {
        let defaults = ForecastSettings::default();
        ForecastForm {
            method: defaults.method.name().to_string(),
            origin: String::new(),
            horizon: defaults.horizon.to_string(),
            windows: defaults.backtest_windows.to_string(),
            step: defaults.step.to_string(),
        }
    }
}

#[derive(Clone, Copy)]
pub struct AppState {
    pub settings: RwSignal<Settings>,
    pub busy: RwSignal<bool>,
    pub status: RwSignal<String>,
    pub error: RwSignal<Option<String>>,
    pub stages: RwSignal<Vec<StageView>>,
    pub progress: RwSignal<Option<StageProgress>>,
    pub profile: RwSignal<Option<Arc<DataProfile>>>,
    /// The files the engine holds: the sales file and any files for the joins.
    pub inputs: RwSignal<Vec<String>>,
    /// The last successful run; a failed run leaves it on screen.
    pub result: RwSignal<Option<Arc<RunResult>>>,
    /// The latest run, failed or not (its contract results explain a failure).
    pub latest: RwSignal<Option<Arc<RunResult>>>,
    /// The engine's worker has warmed up and takes requests at once (until then they wait).
    pub engine_ready: RwSignal<bool>,
    /// The run shown but not yet stored: it is, with its model, when `RunModel` comes.
    pub unstored: StoredValue<Option<Arc<RunResult>>>,
    pub series: RwSignal<Option<(i64, i64, Vec<SeriesPoint>)>>,
    /// The last successful forecast run (what the Forecast page draws).
    pub forecast: RwSignal<Option<Arc<ForecastDetail>>>,
    pub forecast_series: RwSignal<Option<(i64, i64, Vec<TotalPoint>)>>,
    /// Runs kept in the browser, newest first.
    pub runs: RwSignal<Vec<RunRecord>>,
    /// Stored records that cannot be shown as runs (damaged, or from a newer build).
    pub damaged: RwSignal<Vec<DamagedRecord>>,
    /// The registered models kept in the browser, by name.
    pub registry: RwSignal<Vec<RegisteredModel>>,
    /// The last file a registered version scored.
    pub scored: RwSignal<Option<Arc<ScoredView>>>,
    pub scored_series: RwSignal<Option<(i64, i64, Vec<TotalPoint>)>>,
    /// The run whose details the Runs page shows (the Models page opens a version's run).
    pub open_run: RwSignal<Option<String>>,
    /// Every experiment, and the one new runs go into (its id).
    pub experiments: RwSignal<Experiments>,
    pub experiment: RwSignal<String>,
    /// The run whose outputs the worker holds (its series can be asked for); a stored run
    /// opened from the Runs page shows only the series it kept.
    pub worker_run: RwSignal<Option<String>>,
    /// The runs chosen on the Runs page for the compare view, in the order chosen.
    pub compare: RwSignal<Vec<String>>,
    /// A pipeline run is in progress and can be cancelled.
    pub cancellable: RwSignal<bool>,
    /// The files kept in this browser for the next visit, and where.
    pub kept: RwSignal<Option<KeptView>>,
    /// Keep the files in IndexedDB even where the Origin Private File System is available.
    pub keep_in_indexeddb: RwSignal<bool>,
    /// What `navigator.storage.estimate()` says: bytes used by this site, and granted.
    pub storage_use: RwSignal<Option<(f64, f64)>>,
    /// A newer build of the app has installed and waits for a reload.
    pub new_build: RwSignal<bool>,
}

/// What the Data page shows of the kept files.
#[derive(Debug, Clone, PartialEq)]
pub struct KeptView {
    pub files: KeptFiles,
    /// "the Origin Private File System" or "IndexedDB".
    pub place: &'static str,
}

/// What a worker response asks the page to keep in IndexedDB.
#[derive(Debug, Clone)]
pub enum ToStore {
    /// A finished run, its detail and its model (the `StoredModel` JSON) when it has one.
    Run { record: RunRecord, detail: RunDetail, model: Option<String> },
    /// A run's detail again, with a series a person opened.
    Detail(RunDetail),
    /// A labelled file's scoring, on its version.
    Scoring { name: String, version: u32, scoring: Scoring },
}

impl Default for AppState {
    fn default() -> Self {
        AppState {
            settings: RwSignal::new(Settings {
                model: ModelKind::Ridge,
                alpha: "1.0".into(),
                cutoff: String::new(),
                features: FeatureConfig::default(),
                forecast: ForecastForm::default(),
            }),
            busy: RwSignal::new(false),
            status: RwSignal::new("Load train.csv or use the built-in sample.".into()),
            error: RwSignal::new(None),
            stages: RwSignal::new(Vec::new()),
            progress: RwSignal::new(None),
            profile: RwSignal::new(None),
            inputs: RwSignal::new(Vec::new()),
            result: RwSignal::new(None),
            latest: RwSignal::new(None),
            unstored: StoredValue::new(None),
            engine_ready: RwSignal::new(false),
            series: RwSignal::new(None),
            forecast: RwSignal::new(None),
            forecast_series: RwSignal::new(None),
            runs: RwSignal::new(Vec::new()),
            damaged: RwSignal::new(Vec::new()),
            registry: RwSignal::new(Vec::new()),
            scored: RwSignal::new(None),
            scored_series: RwSignal::new(None),
            open_run: RwSignal::new(None),
            experiments: RwSignal::new(Experiments::default()),
            experiment: RwSignal::new(DEFAULT_EXPERIMENT_ID.to_string()),
            worker_run: RwSignal::new(None),
            compare: RwSignal::new(Vec::new()),
            cancellable: RwSignal::new(false),
            kept: RwSignal::new(None),
            keep_in_indexeddb: RwSignal::new(false),
            storage_use: RwSignal::new(None),
            new_build: RwSignal::new(false),
        }
    }
}

/// What a person sees of a series of `result`: asked of the worker when it holds that run, or
/// read from what the run kept.
pub enum SeriesSource<P> {
    Worker,
    Kept(Option<Vec<P>>),
}

/// The first eight characters of a run id, as the pages show it (all of a shorter one: stored
/// ids come from anywhere).
pub fn short_id(run_id: &str) -> String {
    run_id.chars().take(8).collect()
}

impl AppState {
    /// Puts a run on screen: the Contracts, Train and Forecast pages draw it.
    pub fn show_result(&self, result: Arc<RunResult>) {
        self.series.set(None);
        if let Some(forecast) = &result.detail.forecast {
            self.forecast.set(Some(Arc::new(forecast.clone())));
            self.forecast_series.set(None);
        }
        self.latest.set(Some(result.clone()));
        self.result.set(Some(result));
    }

    /// Whether the run on screen is the one whose outputs the worker holds.
    fn worker_holds_result(&self) -> bool {
        let shown = self.result.with_untracked(|r| r.as_ref().map(|r| r.record.run_id.clone()));
        shown.is_some() && shown == self.worker_run.get_untracked()
    }

    /// Where a series of the run on screen comes from: the worker, or what the stored run kept
    /// (`kept` picks it out of the detail).
    pub fn series_source<P: Clone>(&self, kept: impl Fn(&RunDetail) -> Option<Vec<P>>) -> SeriesSource<P> {
        if self.worker_holds_result() {
            return SeriesSource::Worker;
        }
        SeriesSource::Kept(self.result.with_untracked(|r| r.as_ref().and_then(|r| kept(&r.detail))))
    }

    /// Adds an opened series to the detail of the run on screen, when the worker drew it for
    /// that run, and says to store the detail again.
    fn keep_opened(&self, open: impl FnOnce(&mut RunDetail)) -> Option<ToStore> {
        if !self.worker_holds_result() {
            return None;
        }
        let mut result = (*self.result.get_untracked()?).clone();
        open(&mut result.detail);
        let detail = result.detail.clone();
        let result = Arc::new(result);
        self.result.set(Some(result.clone()));
        if self.latest.with_untracked(|l| l.as_ref().is_some_and(|l| l.record.run_id == result.record.run_id)) {
            self.latest.set(Some(result));
        }
        Some(ToStore::Detail(detail))
    }

    /// Applies a message from the worker. Returns what the caller must store: a finished
    /// run's record and model, or a scoring.
    pub fn apply(&self, response: Response) -> Option<ToStore> {
        match response {
            Response::Event { event: PipelineEvent::Stage { stage, state, duration_ms, message } } => {
                self.stages.update(|stages| {
                    let view = StageView { stage, state, duration_ms, message };
                    match stages.iter_mut().find(|s| s.stage == stage) {
                        Some(existing) => *existing = view,
                        None => stages.push(view),
                    }
                });
                if state == StageState::Running {
                    self.progress.set(None);
                    self.status.set(format!("Running {}…", stage.name()));
                }
                None
            }
            Response::Event { event: PipelineEvent::Progress { stage, done, total, note } } => {
                self.progress.set(Some(StageProgress { stage, done, total, note }));
                None
            }
            Response::Inputs { files } => {
                self.inputs.set(files);
                None
            }
            Response::Profile { profile } => {
                self.profile.set(Some(Arc::new(profile)));
                None
            }
            Response::Scored { view } => {
                self.busy.set(false);
                self.error.set(None);
                self.status.set(format!("Scored {} rows of {} with {} version {}.", view.rows, view.file, view.name, view.version));
                let scoring = view.scoring.clone().map(|scoring| ToStore::Scoring { name: view.name.clone(), version: view.version, scoring });
                self.scored.set(Some(Arc::from(view)));
                self.scored_series.set(None);
                scoring
            }
            Response::ScoredSeries { store, dept, points } => {
                self.scored_series.set(Some((store, dept, points)));
                None
            }
            Response::Finished { result } => {
                let record = result.record.clone();
                let result: Arc<RunResult> = Arc::from(result);
                self.latest.set(Some(result.clone()));
                self.busy.set(false);
                self.progress.set(None);
                match &record.error {
                    Some(reason) => {
                        self.error.set(Some(reason.clone()));
                        self.status.set("The run failed; the previous results stay on screen.".into());
                    }
                    None => {
                        self.status.set(format!("Run {} finished.", short_id(&record.run_id)));
                        self.worker_run.set(Some(record.run_id.clone()));
                        self.show_result(result.clone());
                    }
                }
                // Stored when its model follows (`RunModel`).
                self.unstored.set_value(Some(result));
                None
            }
            Response::RunModel { run_id, model } => {
                let result = self.unstored.try_update_value(Option::take).flatten()?;
                (result.record.run_id == run_id).then(|| ToStore::Run { record: result.record.clone(), detail: result.detail.clone(), model })
            }
            Response::Killed { result } => {
                let record = result.record.clone();
                self.stages.set(record.stages.iter().map(|s| StageView { stage: s.stage, state: s.state, duration_ms: Some(s.duration_ms), message: s.display_message() }).collect());
                self.status.set(format!("Run {} cancelled ({}); the engine restarted with the loaded data.", short_id(&record.run_id), record.error.clone().unwrap_or_default()));
                Some(ToStore::Run { record, detail: result.detail, model: None })
            }
            Response::Ready => None,
            Response::Series { store, dept, points } => {
                self.series.set(Some((store, dept, points.clone())));
                self.keep_opened(|detail| detail.open_series(store, dept, points))
            }
            Response::ForecastSeries { store, dept, points } => {
                self.forecast_series.set(Some((store, dept, points.clone())));
                self.keep_opened(|detail| detail.open_forecast_series(store, dept, points))
            }
            Response::Download { name, text } => {
                crate::components::download(&name, &text, "text/csv");
                self.status.set(format!("{name} is ready ({} rows).", text.lines().count().saturating_sub(1)));
                None
            }
            Response::Failed { message } => {
                self.busy.set(false);
                self.error.set(Some(message));
                None
            }
        }
    }
}
