//! The dedicated Web Worker that runs the engine off the page's thread.
//!
//! It receives a [`Request`], runs the same `pipeline::run` as the CLI, posts every stage
//! event as it happens (so the page shows progress while the worker is busy), then the
//! result. It keeps the last run's outputs, stage by stage, so "run from here" starts where
//! asked, and the last successful run's test rows to answer per-series chart requests.

#[cfg(target_arch = "wasm32")]
mod worker {
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;

    use gloo_events::EventListener;
    use gloo_timers::callback::Timeout;
    use js_sys::{Array, ArrayBuffer, Reflect, Uint8Array};
    use shelfcast_app::protocol::{DownloadFile, Request, Response, RunResult, ScoredView, FILES_FIELD, REQUEST_FIELD};
    use shelfcast_core::registry::score::future_weeks_suite;
    use shelfcast_core::registry::{score, ScoreInput, Scored, ScoredKind, StoredModel};
    use std::sync::Arc;

    use shelfcast_core::forecast::submission::{forecast_csv, submission_csv};
    use shelfcast_core::forecast::SeriesKey;
    use shelfcast_core::pipeline::{self, Clock, Evaluation, Forecast, ForecastSettings, Ingested, InputFile, InputRole, PipelineConfig, PipelineOutcome, RunDetail, RunLog, Stage, Suites};
    use shelfcast_core::stages::forecast::series_points;
    use shelfcast_core::features::FeatureConfig;
    use shelfcast_core::models::{GbdtParams, ModelSpec};
    use shelfcast_core::{profile, synthetic};
    use wasm_bindgen::prelude::*;
    use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

    struct WorkerClock;

    impl Clock for WorkerClock {
        fn now_ms(&self) -> f64 {
            let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
            scope.performance().map(|p| p.time_origin() + p.now()).unwrap_or_else(js_sys::Date::now)
        }
    }

    fn post(scope: &DedicatedWorkerGlobalScope, response: &Response) {
        let json = serde_json::to_string(response).unwrap_or_else(|e| {
            format!(r#"{{"response":"failed","message":"cannot encode a response: {e}"}}"#)
        });
        let _ = scope.post_message(&JsValue::from_str(&json));
    }

    pub fn start() {
        console_error_panic_hook::set_once();
        let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
        let memory: Rc<RefCell<Memory>> = Rc::default();
        let asked = Rc::new(Cell::new(false));
        let handler_scope = scope.clone();
        let handler_asked = Rc::clone(&asked);
        // Listens for the worker's whole life.
        EventListener::new(&scope, "message", move |event| {
            handler_asked.set(true);
            let response = handle(&handler_scope, &event.unchecked_ref::<MessageEvent>().data(), &memory);
            if let Some(response) = response {
                post(&handler_scope, &response);
            }
        })
        .forget();
        let ridge = warm_up();
        post(&scope, &Response::Ready);
        warm_up_more(ridge, asked);
    }

    /// What the worker keeps between requests: the last inputs (for "Run all"), the last
    /// run's outputs (for "run from here") and the last successful evaluation (for
    /// per-series charts).
    #[derive(Default)]
    struct Memory {
        inputs: Vec<InputFile>,
        last: Option<PipelineOutcome>,
        evaluation: Option<Arc<Evaluation>>,
        /// The last successful forecast and the sales it was made from.
        forecast: Option<(Arc<Ingested>, Arc<Forecast>)>,
        /// The last file a registered version scored.
        scored: Option<Scored>,
    }

    impl Memory {
        /// New data: the last run's outputs no longer apply (and would hold memory during the
        /// next run); the charts on screen keep their rows until a run replaces them. Files
        /// kept beside the sales (for the joins, the future weeks) stay unless `inputs` brings
        /// a file of their kind.
        fn replace_inputs(&mut self, inputs: Vec<InputFile>) {
            let joins = std::mem::take(&mut self.inputs).into_iter().filter(|f| f.role != InputRole::Sales);
            let mut kept: Vec<InputFile> = joins.filter(|f| !inputs.iter().any(|n| n.role == f.role)).collect();
            kept.extend(inputs);
            self.inputs = kept;
            self.last = None;
        }

        /// Adds or replaces files beside the sales (joins, future weeks); the sales file stays.
        fn add_side_files(&mut self, files: Vec<InputFile>) {
            self.inputs.retain(|f| !files.iter().any(|n| n.role == f.role));
            self.inputs.extend(files);
            self.last = None;
        }

        fn names(&self) -> Vec<String> {
            self.inputs.iter().map(|f| f.name.clone()).collect()
        }
    }

    /// Runs the whole pipeline once on a small sample before the first request.
    ///
    /// Browsers start WebAssembly in baseline code and swap in optimised code for a function
    /// only between its calls, so the first run over 400k rows would spend most of its time
    /// in long calls that never get the optimised code. A run over ~3% of that size makes
    /// the hot functions optimised while the person is still choosing a file.
    fn warm_up() -> (Vec<InputFile>, PipelineOutcome) {
        let sample = InputFile::train_csv(synthetic::sample_train_csv_for_stores(synthetic::DEFAULT_SEED, 2));
        let inputs = vec![sample];
        let ridge = pipeline::run(&inputs, &PipelineConfig::default(), &Suites::shipped(), &WorkerClock, &mut |_| {});
        (inputs, ridge)
    }

    /// After the worker says it is ready, while nobody asks anything: the code the default
    /// run (Ridge) does not touch, each part in a task of its own, so a request that comes
    /// meanwhile waits for one part at most and ends the warm-up.
    /// - a few boosted trees with the series statistics they are best with (growth, line
    ///   search, prediction), from the features stage on;
    /// - the forecast's smoothing and backtest.
    fn warm_up_more((inputs, ridge): (Vec<InputFile>, PipelineOutcome), asked: Rc<Cell<bool>>) {
        let mut gbdt = PipelineConfig { model: ModelSpec::Gbdt(GbdtParams { max_iter: 5, ..GbdtParams::default() }), ..PipelineConfig::default() };
        gbdt.features.series_stats = true;
        let forecast = PipelineConfig { forecast: Some(ForecastSettings::default()), ..PipelineConfig::default() };
        warm_up_part(vec![(Stage::Features, gbdt), (Stage::Backtest, forecast)].into_iter(), inputs, ridge, asked);
    }

    /// The next part of [`warm_up_more`], in a task of its own, unless a request has come.
    fn warm_up_part(mut parts: std::vec::IntoIter<(Stage, PipelineConfig)>, inputs: Vec<InputFile>, ridge: PipelineOutcome, asked: Rc<Cell<bool>>) {
        let Some((stage, config)) = parts.next() else { return };
        Timeout::new(0, move || {
            if asked.get() {
                return;
            }
            let _ = pipeline::run_from(stage, &ridge, &inputs, &config, &Suites::shipped(), &WorkerClock, &mut |_| {});
            warm_up_part(parts, inputs, ridge, asked);
        })
        .forget();
    }

    fn handle(scope: &DedicatedWorkerGlobalScope, data: &JsValue, memory: &Rc<RefCell<Memory>>) -> Option<Response> {
        let text = Reflect::get(data, &REQUEST_FIELD.into()).ok().and_then(|v| v.as_string());
        let request: Request = match text.as_deref().map(serde_json::from_str) {
            Some(Ok(request)) => request,
            Some(Err(e)) => return Some(Response::Failed { message: format!("malformed request: {e}") }),
            None => return Some(Response::Failed { message: "a request needs a `request` text".into() }),
        };
        match request {
            Request::Run { files, config } => {
                memory.borrow_mut().replace_inputs(transferred(data, files));
                post(scope, &Response::Inputs { files: memory.borrow().names() });
                Some(run(scope, &config, Stage::Ingest, memory))
            }
            Request::AddFiles { files } => {
                let files = transferred(data, files);
                if let Some(other) = files.iter().find(|f| f.role == InputRole::Sales) {
                    return Some(Response::Failed {
                        message: format!("{}: only features.csv, stores.csv and test.csv (or .csv.gz) go beside the sales data", other.name),
                    });
                }
                memory.borrow_mut().add_side_files(files);
                Some(Response::Inputs { files: memory.borrow().names() })
            }
            Request::Load { files, sample } => {
                let mut inputs = transferred(data, files);
                if sample {
                    inputs.push(InputFile::sample());
                }
                // Nothing of before applies to other data: a fresh memory.
                *memory.borrow_mut() = Memory { inputs, ..Memory::default() };
                post(scope, &Response::Inputs { files: memory.borrow().names() });
                let memory = memory.borrow();
                let sales = memory.inputs.iter().find(|f| f.role == InputRole::Sales)?;
                Some(match pipeline::ingest(std::slice::from_ref(sales), &FeatureConfig::default(), &mut |_| {}) {
                    // Named as a run's profile names it: as its fingerprint does.
                    Ok(ingested) => {
                        let file = ingested.dataset.files.first().map_or_else(|| sales.name.clone(), |f| f.name.clone());
                        Response::Profile { profile: profile::profile(&file, &ingested.sales) }
                    }
                    Err(e) => Response::Failed { message: e.to_string() },
                })
            }
            Request::RecordKilled { config, log, files, end_ms } => {
                let dataset = shelfcast_core::tracking::DatasetFingerprint::new(files);
                let (record, detail) = pipeline::killed(&config, &Suites::shipped(), log, dataset, end_ms);
                Some(Response::Killed { result: Box::new(RunResult { record, detail }) })
            }
            Request::RunSample { config } => {
                let sample = InputFile::sample();
                memory.borrow_mut().replace_inputs(vec![sample]);
                post(scope, &Response::Inputs { files: memory.borrow().names() });
                Some(run(scope, &config, Stage::Ingest, memory))
            }
            Request::Rerun { config } => Some(run(scope, &config, Stage::Ingest, memory)),
            Request::RunFrom { stage, config } => Some(run(scope, &config, stage, memory)),
            Request::Series { store, dept } => {
                let points = memory.borrow().evaluation.as_ref().map(|e| e.test_rows.series(store, dept)).unwrap_or_default();
                Some(Response::Series { store, dept, points })
            }
            Request::ForecastSeries { store, dept } => {
                let memory = memory.borrow();
                let (ingested, forecast) = memory.forecast.as_ref()?;
                match series_points(&ingested.sales, forecast, SeriesKey { store, dept }) {
                    Ok(points) => Some(Response::ForecastSeries { store, dept, points }),
                    Err(e) => Some(Response::Failed { message: e.to_string() }),
                }
            }
            Request::Download { file: DownloadFile::Scored } => {
                let memory = memory.borrow();
                let Some(scored) = memory.scored.as_ref() else {
                    return Some(Response::Failed { message: "nothing scored yet: score a file first".into() });
                };
                Some(match scored.kind {
                    ScoredKind::FutureWeeks => Response::Download { name: "submission.csv".into(), text: scored.submission_csv() },
                    ScoredKind::Labelled => Response::Download { name: DownloadFile::Scored.file_name().into(), text: scored.predictions_csv() },
                })
            }
            Request::ScoredSeries { store, dept } => {
                let points = memory.borrow().scored.as_ref().map(|s| s.series(SeriesKey { store, dept })).unwrap_or_default();
                Some(Response::ScoredSeries { store, dept, points })
            }
            Request::Score { model, name, version, file } => {
                let started = WorkerClock.now_ms();
                // Named as uploaded: a scored file is read by its header, not as train.csv.
                let Some(bytes) = transferred(data, vec![file.clone()]).pop() else {
                    return Some(Response::Failed { message: "a scoring needs its file".into() });
                };
                let stored = match StoredModel::from_json(&model, &format!("{name} version {version}")) {
                    Ok(stored) => stored,
                    Err(e) => return Some(Response::Failed { message: e.to_string() }),
                };
                let (sales, future) = (Suites::shipped().raw, future_weeks_suite());
                let input = ScoreInput { name: &file, bytes: &bytes.bytes, sales_suite: &sales, future_suite: &future, history: None };
                let scored = match score(&stored, &input, &mut |_| {}) {
                    Ok(scored) => scored,
                    Err(e) => return Some(Response::Failed { message: e.to_string() }),
                };
                let view = ScoredView {
                    name,
                    version,
                    kind: scored.kind,
                    file: scored.file.clone(),
                    rows: scored.rows.len(),
                    unknown_series: scored.unknown_series,
                    scores: scored.scores.clone(),
                    coverage: scored.coverage,
                    totals: scored.totals.clone(),
                    series_keys: scored.series_keys().into_iter().map(|k| (k.store, k.dept)).collect(),
                    scoring: scored.scoring(WorkerClock.now_ms() as i64),
                    elapsed_ms: WorkerClock.now_ms() - started,
                };
                memory.borrow_mut().scored = Some(scored);
                Some(Response::Scored { view: Box::new(view) })
            }
            Request::Download { file } => {
                let memory = memory.borrow();
                let Some((_, forecast)) = memory.forecast.as_ref() else {
                    return Some(Response::Failed { message: "no forecast yet: run one first".into() });
                };
                let text = match file {
                    DownloadFile::Submission if forecast.rows.actual.is_some() => {
                        return Some(Response::Failed {
                            message: "a submission is for a future-weeks file: add test.csv and forecast again".into(),
                        })
                    }
                    DownloadFile::Submission => submission_csv(&forecast.rows, &forecast.predicted),
                    DownloadFile::Forecast => forecast_csv(&forecast.rows, &forecast.predicted, forecast.intervals.as_deref()),
                    DownloadFile::Scored => unreachable!("answered above"),
                };
                Some(Response::Download { name: file.file_name().to_string(), text })
            }
        }
    }

    /// The files transferred beside a request, named in its order.
    fn transferred(data: &JsValue, names: Vec<String>) -> Vec<InputFile> {
        let buffers: Array = Reflect::get(data, &FILES_FIELD.into()).map(|v| Array::from(&v)).unwrap_or_default();
        names
            .into_iter()
            .zip(buffers.iter())
            .map(|(name, buffer)| InputFile::named(name, Uint8Array::new(&buffer.unchecked_into::<ArrayBuffer>()).to_vec()))
            .collect()
    }

    /// Runs from `stage` on the kept inputs, on top of the last run's outputs.
    fn run(scope: &DedicatedWorkerGlobalScope, config: &PipelineConfig, stage: Stage, memory: &Rc<RefCell<Memory>>) -> Response {
        if memory.borrow().inputs.is_empty() {
            return Response::Failed { message: "no data loaded yet: load train.csv or use the sample".into() };
        }
        let mut log = RunLog::default();
        let mut observer = |event| {
            log.observe(&event, WorkerClock.now_ms());
            post(scope, &Response::Event { event });
        };
        let outcome = {
            let memory = memory.borrow();
            let suites = Suites::shipped();
            match (&memory.last, stage) {
                (Some(last), stage) if stage > Stage::Ingest => {
                    pipeline::run_from(stage, last, &memory.inputs, config, &suites, &WorkerClock, &mut observer)
                }
                _ => pipeline::run(&memory.inputs, config, &suites, &WorkerClock, &mut observer),
            }
        };
        // The metrics first; what only the Data page and the store need comes after them.
        let result = RunResult { record: outcome.record.clone(), detail: RunDetail::of_outcome(&outcome, log) };
        post(scope, &Response::Finished { result: Box::new(result) });
        // The profile describes the data, which only changes when ingest ran.
        if let (Some(sales), Stage::Ingest) = (outcome.sales(), outcome.started_at) {
            let file = outcome.record.dataset.files.first().map(|f| f.name.clone()).unwrap_or_default();
            post(scope, &Response::Profile { profile: profile::profile(&file, sales) });
        }
        let mut memory = memory.borrow_mut();
        // A failed run keeps the previous run's rows for the charts still on screen.
        if let Some(evaluation) = &outcome.outputs.evaluation {
            memory.evaluation = Some(Arc::clone(evaluation));
        }
        if let (Some(ingested), Some(forecast)) = (&outcome.outputs.ingest, &outcome.outputs.forecast) {
            memory.forecast = Some((Arc::clone(ingested), Arc::clone(forecast)));
        }
        let model = StoredModel::of_outcome(&outcome).map(|m| m.to_json());
        let run_id = outcome.record.run_id.clone();
        memory.last = Some(outcome);
        Response::RunModel { run_id, model }
    }
}

fn main() {
    #[cfg(target_arch = "wasm32")]
    worker::start();
}
