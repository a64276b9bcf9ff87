//! The page's side of the worker: start it, send requests (files transferred, not copied),
//! feed its responses into [`AppState`], keep finished runs in IndexedDB and the files a run
//! has read in the browser (`kept_data`), and replace the worker when a run is cancelled.

use js_sys::{Array, ArrayBuffer, Object, Reflect};
use leptos::prelude::*;
use gloo_events::EventListener;
use leptos::task::spawn_local;
use shelfcast_app::protocol::{DownloadFile, Request, Response, FILES_FIELD, REQUEST_FIELD};
use shelfcast_app::storage::kept_files::role_of;
use shelfcast_core::ingest::FileFingerprint;
use shelfcast_core::pipeline::{InputRole, PipelineConfig, RunLog, Stage};
use shelfcast_core::tracking::{RunKind, RunRecord, StageState};
use wasm_bindgen::prelude::*;
use web_sys::{Blob, MessageEvent, Worker};

use crate::state::{AppState, Settings, ToStore};
use crate::{kept_data, model_registry, run_history};

/// A request waiting for the worker to be ready, with the buffers it transfers.
type Pending = (Request, Vec<ArrayBuffer>);

/// One file the worker holds, as the page can read it again (a `File` picked or dropped, or
/// a kept `Blob`), with its fingerprint once a run has read it.
#[derive(Clone)]
pub struct HeldFile {
    pub name: String,
    pub blob: Blob,
    pub fingerprint: Option<FileFingerprint>,
}

/// What the worker holds, so that a replacement worker can be given the same.
#[derive(Clone, Default)]
struct Held {
    files: Vec<HeldFile>,
    /// The built-in sample is the sales data.
    sample: bool,
}

impl Held {
    /// With `files` in place of the held files of their roles (a sales file replaces the
    /// sample too), as the worker's own inputs change.
    fn with(&self, files: &[HeldFile]) -> Held {
        let roles: Vec<InputRole> = files.iter().map(|f| role_of(&f.name)).collect();
        let mut kept: Vec<HeldFile> = self.files.iter().filter(|f| !roles.contains(&role_of(&f.name))).cloned().collect();
        kept.extend(files.iter().cloned());
        Held { files: kept, sample: self.sample && !roles.contains(&InputRole::Sales) }
    }
}

/// The run in progress: its configuration and the events it has sent, from which a cancelled
/// run's record is made.
type Running = (PipelineConfig, RunLog);

/// The handle the pages use to talk to the worker.
#[derive(Clone, Copy)]
pub struct Engine {
    worker: StoredValue<Option<Worker>, LocalStorage>,
    /// The current worker's listeners (dropped with it when it is replaced).
    listeners: StoredValue<Vec<EventListener>, LocalStorage>,
    /// `None` once the worker has said it is ready; until then, requests queue here.
    waiting: StoredValue<Option<Vec<Pending>>, LocalStorage>,
    held: StoredValue<Held, LocalStorage>,
    /// The files sent with the run in progress (kept in the browser once it has read them),
    /// and files sent to go beside the sales (kept once the worker has taken them).
    sent: StoredValue<Vec<HeldFile>, LocalStorage>,
    side: StoredValue<Vec<HeldFile>, LocalStorage>,
    running: StoredValue<Option<Running>, LocalStorage>,
    state: AppState,
}

pub use shelfcast_app::base_href;

/// Whether a finished run read its files now (its ingest ran and succeeded, not kept).
fn read_its_files(record: &RunRecord) -> bool {
    record.stages.iter().any(|s| s.stage == Stage::Ingest && s.state == StageState::Success && s.kept_from.is_none())
}

impl Engine {
    pub fn start(state: AppState) -> Self {
        let engine = Engine {
            worker: StoredValue::new_local(None),
            listeners: StoredValue::new_local(Vec::new()),
            waiting: StoredValue::new_local(Some(Vec::new())),
            held: StoredValue::new_local(Held::default()),
            sent: StoredValue::new_local(Vec::new()),
            side: StoredValue::new_local(Vec::new()),
            running: StoredValue::new_local(None),
            state,
        };
        engine.spawn();
        engine
    }

    /// Starts a worker (it warms the engine up before it says it is ready) and listens to it;
    /// requests queue until it is ready.
    fn spawn(&self) {
        let engine = *self;
        let state = self.state;
        self.waiting.set_value(Some(Vec::new()));
        state.engine_ready.set(false);
        let worker = match Worker::new(&format!("{}shelfcast-worker_loader.js", base_href())) {
            Ok(worker) => worker,
            Err(e) => {
                state.error.set(Some(format!("cannot start the engine's worker: {e:?}")));
                self.worker.set_value(None);
                return;
            }
        };
        let on_message = EventListener::new(&worker, "message", move |event| {
            let Some(text) = event.unchecked_ref::<MessageEvent>().data().as_string() else { return };
            match serde_json::from_str::<Response>(&text) {
                Ok(Response::Ready) => {
                    state.engine_ready.set(true);
                    let queued = engine.waiting.try_update_value(Option::take).flatten().unwrap_or_default();
                    for (request, buffers) in queued {
                        engine.post(&request, buffers);
                    }
                }
                Ok(response) => engine.receive(response),
                Err(e) => state.error.set(Some(format!("unreadable message from the worker: {e}"))),
            }
        });
        let on_error = EventListener::new(&worker, "error", move |event| {
            state.busy.set(false);
            engine.set_running(None);
            let message = event.dyn_ref::<web_sys::ErrorEvent>().map(|e| e.message()).unwrap_or_default();
            state.error.set(Some(format!("the engine's worker stopped: {message}")));
        });
        self.listeners.set_value(vec![on_message, on_error]);
        self.worker.set_value(Some(worker));
    }

    fn set_running(&self, running: Option<Running>) {
        self.state.cancellable.set(running.is_some());
        self.running.set_value(running);
    }

    /// A response of the worker: the state takes it; what must be kept is kept.
    fn receive(&self, response: Response) {
        let state = self.state;
        match &response {
            Response::Event { event } => {
                let now = js_sys::Date::now();
                self.running.update_value(|running| {
                    if let Some((_, log)) = running {
                        log.observe(event, now);
                    }
                });
            }
            Response::Finished { result, .. } => {
                self.set_running(None);
                let sent = self.sent.try_update_value(std::mem::take).unwrap_or_default();
                let dataset = &result.record.dataset.files;
                let fingerprinted = |f: &HeldFile| HeldFile { fingerprint: fingerprint_of(&f.name, dataset).or(f.fingerprint.clone()), ..f.clone() };
                let sent: Vec<HeldFile> = sent.iter().map(fingerprinted).collect();
                self.held.update_value(|held| held.files = held.files.iter().map(fingerprinted).collect());
                if !sent.is_empty() && read_its_files(&result.record) {
                    spawn_local(kept_data::keep(state, sent));
                }
            }
            Response::Inputs { .. } => {
                let side = self.side.try_update_value(std::mem::take).unwrap_or_default();
                if !side.is_empty() {
                    self.held.update_value(|held| *held = held.with(&side));
                    spawn_local(kept_data::keep(state, side));
                }
            }
            Response::Failed { .. } => {
                self.set_running(None);
                self.side.set_value(Vec::new());
            }
            _ => {}
        }
        match state.apply(response) {
            Some(ToStore::Run { record, detail, model }) => spawn_local(run_history::save(state, record, Some(detail), model)),
            Some(ToStore::Detail(detail)) => spawn_local(run_history::save_detail(state, detail)),
            Some(ToStore::Scoring { name, version, scoring }) => spawn_local(model_registry::record_scoring(state, name, version, scoring)),
            None => {}
        }
    }

    fn post(&self, request: &Request, buffers: Vec<ArrayBuffer>) {
        let state = self.state;
        let queued = self.waiting.try_update_value(|waiting| match waiting {
            Some(queue) => {
                queue.push((request.clone(), buffers.clone()));
                true
            }
            None => false,
        });
        if queued == Some(true) {
            return;
        }
        let Some(worker) = self.worker.get_value() else {
            state.error.set(Some("the engine's worker is not running".into()));
            return;
        };
        let message = Object::new();
        let text = serde_json::to_string(request).unwrap_or_default();
        let transfer: Array = buffers.iter().collect();
        let _ = Reflect::set(&message, &REQUEST_FIELD.into(), &text.into());
        let _ = Reflect::set(&message, &FILES_FIELD.into(), &transfer);
        if let Err(e) = worker.post_message_with_transfer(&message, &transfer) {
            state.error.set(Some(format!("cannot send to the worker: {e:?}")));
        }
    }

    fn begin(&self) -> Option<PipelineConfig> {
        self.begin_with(Settings::pipeline_config)
    }

    /// Starts a run with the configuration `config` makes of the settings (or shows why not).
    fn begin_with(&self, config: fn(&Settings) -> Result<PipelineConfig, String>) -> Option<PipelineConfig> {
        let state = self.state;
        match state.settings.with_untracked(config) {
            Ok(mut config) => {
                // Into the experiment chosen on the Runs page, under its name of now.
                config.experiment_id = state.experiment.get_untracked();
                if let Some(experiment) = state.experiments.with_untracked(|e| e.get(&config.experiment_id).cloned()) {
                    config.experiment = experiment.name;
                }
                state.busy.set(true);
                state.error.set(None);
                state.stages.set(Vec::new());
                state.status.set("Starting the pipeline…".into());
                self.set_running(Some((config.clone(), RunLog::default())));
                Some(config)
            }
            Err(message) => {
                state.error.set(Some(message));
                None
            }
        }
    }

    pub fn run_sample(&self) {
        if let Some(config) = self.begin() {
            // The worker keeps the files beside the sales, as for any new sales data.
            self.held.update_value(|held| {
                held.files.retain(|f| role_of(&f.name) != InputRole::Sales);
                held.sample = true;
            });
            self.post(&Request::RunSample { config }, Vec::new());
        }
    }

    /// Reads the picked files and runs the pipeline on them.
    pub fn run_files(&self, files: Vec<web_sys::File>) {
        let Some(config) = self.begin() else { return };
        let engine = *self;
        let files = held_files(files);
        spawn_local(async move {
            if let Some((names, buffers)) = engine.read(&files).await {
                engine.held.update_value(|held| *held = held.with(&files));
                engine.sent.set_value(files);
                engine.post(&Request::Run { files: names, config }, buffers);
            } else {
                engine.set_running(None);
            }
        });
    }

    /// Hands files to keep beside the sales to the worker (features.csv and stores.csv for
    /// the joins, test.csv for a forecast), without running.
    pub fn add_side_files(&self, files: Vec<web_sys::File>) {
        let engine = *self;
        engine.state.error.set(None);
        let files = held_files(files);
        spawn_local(async move {
            if let Some((names, buffers)) = engine.read(&files).await {
                engine.side.set_value(files);
                engine.post(&Request::AddFiles { files: names }, buffers);
            }
        });
    }

    /// Gives the worker `files` to hold instead of what it holds (the kept files after a
    /// reload), without running.
    pub fn load(&self, files: Vec<HeldFile>) {
        self.held.set_value(Held { files, sample: false });
        self.send_held();
    }

    /// The worker holds nothing any more (*Forget data*).
    pub fn unload(&self) {
        self.held.set_value(Held::default());
        self.send_held();
    }

    /// Sends the worker what the page says it holds (busy until it has them).
    fn send_held(&self) {
        let engine = *self;
        let held = self.held.get_value();
        self.state.busy.set(true);
        spawn_local(async move {
            if let Some((files, buffers)) = engine.read(&held.files).await {
                engine.state.busy.set(false);
                engine.post(&Request::Load { files, sample: held.sample }, buffers);
            }
        });
    }

    /// Stops the run in progress: the worker (busy in WebAssembly, which nothing can
    /// interrupt) is replaced by a fresh one, given the same data, and asked to record the run
    /// as KILLED with the stages it had finished (from the events it had sent). The loaded
    /// data and every stored run stay.
    pub fn cancel(&self) {
        let Some((config, log)) = self.running.try_update_value(Option::take).flatten() else { return };
        self.set_running(None);
        if let Some(worker) = self.worker.get_value() {
            worker.terminate();
        }
        self.spawn();
        self.sent.set_value(Vec::new());
        let state = self.state;
        state.progress.set(None);
        state.error.set(None);
        state.status.set("Cancelling: the engine restarts with the loaded data…".into());
        let files = self.held.with_value(|held| held.files.iter().filter_map(|f| f.fingerprint.clone()).collect());
        self.send_held();
        let end_ms = js_sys::Date::now();
        self.post(&Request::RecordKilled { config, log, files, end_ms }, Vec::new());
    }

    /// The files' names and bytes; `None` (with the error on screen) if one cannot be read.
    async fn read(&self, files: &[HeldFile]) -> Option<(Vec<String>, Vec<ArrayBuffer>)> {
        let mut names = Vec::new();
        let mut buffers = Vec::new();
        for file in files {
            self.state.status.set(format!("Reading {}…", file.name));
            match wasm_bindgen_futures::JsFuture::from(file.blob.array_buffer()).await {
                Ok(buffer) => {
                    names.push(file.name.clone());
                    buffers.push(buffer.unchecked_into::<ArrayBuffer>());
                }
                Err(e) => {
                    self.state.busy.set(false);
                    self.state.error.set(Some(format!("{}: cannot read the file ({e:?})", file.name)));
                    return None;
                }
            }
        }
        Some((names, buffers))
    }

    /// Whether the latest run was a forecast run (the grid then shows its tasks, and "Run all"
    /// and "Run from here" rerun a forecast).
    fn latest_was_forecast(&self) -> bool {
        self.state.latest.with_untracked(|r| r.as_ref().is_some_and(|r| r.record.kind() == RunKind::Forecast))
    }

    /// "Run all": every task again on the data the worker holds, as the latest run's kind.
    pub fn rerun(&self) {
        let config = if self.latest_was_forecast() { self.begin_with(Settings::forecast_config) } else { self.begin() };
        if let Some(config) = config {
            self.post(&Request::Rerun { config }, Vec::new());
        }
    }

    /// "Run from here": `stage` and everything after it, on top of the last run's outputs,
    /// with the settings of the latest run's kind (the Train page's button always trains).
    pub fn run_from(&self, stage: Stage) {
        let config = if self.latest_was_forecast() && stage != Stage::Train { self.begin_with(Settings::forecast_config) } else { self.begin() };
        if let Some(config) = config {
            self.post(&Request::RunFrom { stage, config }, Vec::new());
        }
    }

    /// A forecast with the Forecast page's settings, keeping the ingested data and its
    /// contract when they apply.
    pub fn forecast(&self) {
        if let Some(config) = self.begin_with(Settings::forecast_config) {
            self.post(&Request::RunFrom { stage: Stage::Backtest, config }, Vec::new());
        }
    }

    pub fn request_forecast_series(&self, store: i64, dept: i64) {
        self.post(&Request::ForecastSeries { store, dept }, Vec::new());
    }

    pub fn download(&self, file: DownloadFile) {
        self.post(&Request::Download { file }, Vec::new());
    }

    /// Scores `file` with a registered version's stored model (its JSON) in the worker.
    pub fn score(&self, model: String, name: String, version: u32, file: web_sys::File) {
        let engine = *self;
        engine.state.busy.set(true);
        engine.state.error.set(None);
        engine.state.status.set(format!("Scoring {} with {name} version {version}…", file.name()));
        let files = held_files(vec![file]);
        spawn_local(async move {
            if let Some((mut names, buffers)) = engine.read(&files).await {
                engine.post(&Request::Score { model, name, version, file: names.remove(0) }, buffers);
            }
        });
    }

    pub fn request_scored_series(&self, store: i64, dept: i64) {
        self.post(&Request::ScoredSeries { store, dept }, Vec::new());
    }

    pub fn request_series(&self, store: i64, dept: i64) {
        self.post(&Request::Series { store, dept }, Vec::new());
    }
}

/// Picked or dropped files as the page holds them (a `File` is a `Blob` it can read again).
fn held_files(files: Vec<web_sys::File>) -> Vec<HeldFile> {
    files.into_iter().map(|file| HeldFile { name: file.name(), blob: file.into(), fingerprint: None }).collect()
}

/// The fingerprint a run recorded for the file loaded as `name`: a gzipped file is recorded
/// under the name of what it holds ("train.csv" for train.csv.gz), a file read as the sales
/// file because of its name as "NAME (as train.csv)".
fn fingerprint_of(name: &str, dataset: &[FileFingerprint]) -> Option<FileFingerprint> {
    let unzipped = name.strip_suffix(".gz").unwrap_or(name);
    dataset.iter().find(|f| f.name == unzipped || f.name.strip_prefix(name).is_some_and(|rest| rest.starts_with(" (as "))).cloned()
}
