//! The bridge from the page to the engine: inputs in, a summary to render out.
//!
//! The pipeline runs in this thread for now; it yields to the browser once before starting
//! so the page can show that work has begun.

use shelfcast_core::pipeline::{self, Clock, InputFile, PipelineConfig, Suites};
use shelfcast_core::metrics::Metrics;
use shelfcast_core::tracking::RunRecord;
use shelfcast_core::synthetic;

/// The browser's wall clock (the core reads none of its own).
pub struct BrowserClock;

impl Clock for BrowserClock {
    fn now_ms(&self) -> f64 {
        let performance = web_sys::window().and_then(|w| w.performance());
        match performance {
            Some(p) => p.time_origin() + p.now(),
            None => js_sys::Date::now(),
        }
    }
}

/// What the page shows of a run.
#[derive(Clone, Debug)]
pub struct RunSummary {
    pub record: RunRecord,
    pub train: Option<Metrics>,
    pub test: Option<Metrics>,
}

pub fn sample_input() -> InputFile {
    InputFile { name: "train.csv".into(), bytes: synthetic::sample_train_csv(synthetic::DEFAULT_SEED) }
}

pub fn run(input: InputFile, config: &PipelineConfig) -> RunSummary {
    let outcome = pipeline::run(&[input], config, &Suites::shipped(), &BrowserClock, &mut |_| {});
    RunSummary {
        train: outcome.evaluation.as_ref().map(|e| e.train),
        test: outcome.evaluation.as_ref().map(|e| e.test),
        record: outcome.record,
    }
}

/// Lets the browser render before long synchronous work.
pub async fn yield_to_browser() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Reads a picked file's bytes.
pub async fn read_file(file: &web_sys::File) -> Result<Vec<u8>, String> {
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| format!("{}: cannot read the file ({e:?})", file.name()))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}
