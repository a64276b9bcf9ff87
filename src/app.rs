//! The page: choose data and a model, run the pipeline, read the stages and the metrics.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shelfcast_core::models::{ModelKind, ModelSpec};
use shelfcast_core::pipeline::{InputFile, PipelineConfig};

use crate::components::{MetricsTable, StageTable};
use crate::engine::{self, RunSummary};

#[component]
pub fn App() -> impl IntoView {
    let model = RwSignal::new(ModelKind::Ridge.name().to_string());
    let alpha = RwSignal::new("1.0".to_string());
    let status = RwSignal::new(String::from("Load train.csv or use the built-in sample."));
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let summary = RwSignal::new(None::<RunSummary>);

    let start = move |input: Option<InputFile>| {
        let kind = match ModelKind::parse(&model.get_untracked()) {
            Ok(kind) => kind,
            Err(e) => return error.set(Some(e.to_string())),
        };
        let params = match kind {
            ModelKind::Ridge => vec![("alpha".to_string(), alpha.get_untracked())],
            _ => Vec::new(),
        };
        let spec = match ModelSpec::new(kind, &params) {
            Ok(spec) => spec,
            Err(e) => return error.set(Some(e.to_string())),
        };
        busy.set(true);
        error.set(None);
        status.set("Running the pipeline…".into());
        spawn_local(async move {
            engine::yield_to_browser().await;
            let input = input.unwrap_or_else(engine::sample_input);
            let config = PipelineConfig { model: spec, ..PipelineConfig::default() };
            let result = engine::run(input, &config);
            match &result.record.error {
                // A failed run keeps what was shown before; its reason goes on screen.
                Some(reason) => {
                    error.set(Some(reason.clone()));
                    status.set("The run failed.".into());
                }
                None => {
                    status.set(format!("Run {} finished.", &result.record.run_id[..8]));
                    summary.set(Some(result));
                }
            }
            busy.set(false);
        });
    };

    let on_file = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|files| files.get(0)) else { return };
        status.set(format!("Reading {}…", file.name()));
        spawn_local(async move {
            match engine::read_file(&file).await {
                Ok(bytes) => start(Some(InputFile { name: file.name(), bytes })),
                Err(e) => error.set(Some(e)),
            }
        });
    };

    view! {
        <header class="app-header">
            <h1>"Shelfcast"</h1>
            <p class="tagline">"Weekly sales forecasting pipeline, running in your browser. Your data never leaves this page."</p>
        </header>
        <main>
            <section class="controls" aria-label="Data and model">
                <button id="use-sample" on:click=move |_| start(None) disabled=move || busy.get()>
                    "Use sample data"
                </button>
                <label>
                    "Or load train.csv (.csv or .csv.gz) "
                    <input id="train-file" type="file" accept=".csv,.gz" on:change=on_file disabled=move || busy.get()/>
                </label>
                <label>
                    "Model "
                    <select id="model" on:change=move |ev| model.set(event_target_value(&ev))>
                        <option value="ridge" selected=true>"Ridge regression"</option>
                        <option value="seasonal-naive">"Seasonal naive"</option>
                    </select>
                </label>
                <label>
                    "alpha "
                    <input id="alpha" type="number" min="0" step="0.1" prop:value=move || alpha.get()
                        on:input=move |ev| alpha.set(event_target_value(&ev))/>
                </label>
            </section>
            <p id="status" role="status">{move || status.get()}</p>
            {move || error.get().map(|e| view! { <p id="error" class="error" role="alert">{e}</p> })}
            {move || summary.get().map(|s| view! {
                <StageTable record=s.record.clone()/>
                <MetricsTable train=s.train test=s.test/>
            })}
        </main>
    }
}
