//! The page's side of the worker: start it, send requests (files transferred, not copied),
//! feed its responses into [`AppState`] and keep finished runs in IndexedDB.

use js_sys::{Array, ArrayBuffer, Object, Reflect};
use leptos::prelude::*;
use gloo_events::EventListener;
use leptos::task::spawn_local;
use shelfcast_app::protocol::{DownloadFile, Request, Response, FILES_FIELD, REQUEST_FIELD};
use shelfcast_core::pipeline::{PipelineConfig, Stage};
use shelfcast_core::tracking::RunKind;
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Worker};

use crate::state::{AppState, Settings, ToStore};
use crate::{model_registry, run_history};

/// A request waiting for the worker to be ready, with the buffers it transfers.
type Pending = (Request, Vec<ArrayBuffer>);

/// The handle the pages use to talk to the worker.
#[derive(Clone, Copy)]
pub struct Engine {
    worker: StoredValue<Option<Worker>, LocalStorage>,
    /// `None` once the worker has said it is ready; until then, requests queue here.
    waiting: StoredValue<Option<Vec<Pending>>, LocalStorage>,
    state: AppState,
}

/// The URL the app is served under (Trunk writes it into `<base href>`).
pub fn base_href() -> String {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector("base").ok().flatten())
        .and_then(|b| b.get_attribute("href"))
        .unwrap_or_else(|| "/".into())
}

impl Engine {
    pub fn start(state: AppState) -> Self {
        let worker = match Worker::new(&format!("{}shelfcast-worker_loader.js", base_href())) {
            Ok(worker) => Some(worker),
            Err(e) => {
                state.error.set(Some(format!("cannot start the engine's worker: {e:?}")));
                None
            }
        };
        let engine = Engine { worker: StoredValue::new_local(worker.clone()), waiting: StoredValue::new_local(Some(Vec::new())), state };
        if let Some(worker) = &worker {
            // The listeners live as long as the page (the worker never goes away).
            EventListener::new(worker, "message", move |event| {
                let Some(text) = event.unchecked_ref::<MessageEvent>().data().as_string() else { return };
                match serde_json::from_str::<Response>(&text) {
                    Ok(Response::Ready) => {
                        let queued = engine.waiting.try_update_value(Option::take).flatten().unwrap_or_default();
                        for (request, buffers) in queued {
                            engine.post(&request, buffers);
                        }
                    }
                    Ok(response) => match state.apply(response) {
                        Some(ToStore::Run { record, detail, model }) => spawn_local(run_history::save(state, record, Some(detail), model)),
                        Some(ToStore::Detail(detail)) => spawn_local(run_history::save_detail(state, detail)),
                        Some(ToStore::Scoring { name, version, scoring }) => spawn_local(model_registry::record_scoring(state, name, version, scoring)),
                        None => {}
                    },
                    Err(e) => state.error.set(Some(format!("unreadable message from the worker: {e}"))),
                }
            })
            .forget();
            EventListener::new(worker, "error", move |event| {
                state.busy.set(false);
                let message = event.dyn_ref::<web_sys::ErrorEvent>().map(|e| e.message()).unwrap_or_default();
                state.error.set(Some(format!("the engine's worker stopped: {message}")));
            })
            .forget();
        }
        engine
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
            self.post(&Request::RunSample { config }, Vec::new());
        }
    }

    /// Reads the picked files and runs the pipeline on them.
    pub fn run_files(&self, files: Vec<web_sys::File>) {
        let Some(config) = self.begin() else { return };
        let engine = *self;
        spawn_local(async move {
            if let Some((names, buffers)) = engine.read(files).await {
                engine.post(&Request::Run { files: names, config }, buffers);
            }
        });
    }

    /// Hands files to keep beside the sales to the worker (features.csv and stores.csv for
    /// the joins, test.csv for a forecast), without running.
    pub fn add_side_files(&self, files: Vec<web_sys::File>) {
        let engine = *self;
        engine.state.error.set(None);
        spawn_local(async move {
            if let Some((names, buffers)) = engine.read(files).await {
                engine.post(&Request::AddFiles { files: names }, buffers);
            }
        });
    }

    /// The files' names and bytes; `None` (with the error on screen) if one cannot be read.
    async fn read(&self, files: Vec<web_sys::File>) -> Option<(Vec<String>, Vec<ArrayBuffer>)> {
        let mut names = Vec::new();
        let mut buffers = Vec::new();
        for file in files {
            self.state.status.set(format!("Reading {}…", file.name()));
            match wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await {
                Ok(buffer) => {
                    names.push(file.name());
                    buffers.push(buffer.unchecked_into::<ArrayBuffer>());
                }
                Err(e) => {
                    self.state.busy.set(false);
                    self.state.error.set(Some(format!("{}: cannot read the file ({e:?})", file.name())));
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
        spawn_local(async move {
            if let Some((mut names, buffers)) = engine.read(vec![file]).await {
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
