//! The shell: navigation, the status line, and the routes of the seven pages.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::path;

use crate::components::{MetricsTable, ProgressBar};
use crate::pages::{ContractsPage, DataPage, ForecastPage, ModelsPage, PipelinePage, RunsPage, TrainPage};
use crate::state::AppState;
use crate::{kept_data, model_registry, offline, run_history, tab_sync};
use crate::worker_client::{base_href, Engine};

#[component]
pub fn App() -> impl IntoView {
    let state = AppState::default();
    provide_context(state);
    let engine = Engine::start(state);
    provide_context(engine);
    leptos::task::spawn_local(run_history::load(state));
    leptos::task::spawn_local(kept_data::restore(engine, state));
    leptos::task::spawn_local(model_registry::load(state));
    tab_sync::start(state);
    offline::start(state);
    // Hosted below a sub-path, routes match below `base` and links must carry it.
    let base = base_href().trim_end_matches('/').to_string();
    let link = {
        let base = base.clone();
        move |path: &str| format!("{base}{path}")
    };

    view! {
        <Router base=base>
            <header class="app-header">
                <div>
                    <h1>"Shelfcast"</h1>
                    <p class="tagline">"Weekly sales forecasting pipeline, running in your browser. Your data never leaves this page."</p>
                </div>
                <nav aria-label="Pages">
                    <A href=link("/")>"Data"</A>
                    <A href=link("/pipeline")>"Pipeline"</A>
                    <A href=link("/contracts")>"Contracts"</A>
                    <A href=link("/train")>"Train & evaluate"</A>
                    <A href=link("/forecast")>"Forecast"</A>
                    <A href=link("/runs")>"Runs"</A>
                    <A href=link("/models")>"Models"</A>
                </nav>
            </header>
            <main>
                {move || state.new_build.get().then(|| view! {
                    <p id="new-build" class="notice" role="status">
                        "A new version of Shelfcast is ready. "
                        <button id="reload-new-build" on:click=|_| offline::reload_into_new_build() disabled=move || state.busy.get()>
                            "Reload into it"
                        </button>
                    </p>
                })}
                <p id="status" role="status" data-engine=move || if state.engine_ready.get() { "ready" } else { "starting" }>{move || state.status.get()}</p>
                <ProgressBar/>
                {move || state.cancellable.get().then(|| view! {
                    <button id="cancel-run" on:click=move |_| engine.cancel()>"Cancel the run"</button>
                })}
                {move || state.error.get().map(|e| view! { <p id="error" class="error" role="alert">{e}</p> })}
                <Routes fallback=|| view! { <p>"There is no such page."</p> }>
                    <Route path=path!("/") view=DataPage/>
                    <Route path=path!("/pipeline") view=PipelinePage/>
                    <Route path=path!("/contracts") view=ContractsPage/>
                    <Route path=path!("/train") view=TrainPage/>
                    <Route path=path!("/forecast") view=ForecastPage/>
                    <Route path=path!("/runs") view=RunsPage/>
                    <Route path=path!("/models") view=ModelsPage/>
                </Routes>
                {move || state.result.get().map(|r| {
                    // A one-step run's train and test metrics; a forecast run has its figure
                    // (its page shows the rest).
                    let figure = match (r.detail.train, r.detail.test, r.record.headline()) {
                        (None, None, Some(h)) => Some(format!("Last run: {} WMAE {:.3}", h.basis, h.value)),
                        _ => None,
                    };
                    // Stored (with its model) once the worker has packed it, just after it shows.
                    let id = r.record.run_id.clone();
                    let stored = move || state.runs.with(|runs| runs.iter().any(|run| run.run_id == id)).to_string();
                    view! {
                        <section class="last-run" aria-label="Last run" data-run-id=r.record.run_id.clone() data-stored=stored>
                            {match figure {
                                Some(line) => view! { <p class="headline">{line}</p> }.into_any(),
                                None => view! { <MetricsTable train=r.detail.train test=r.detail.test/> }.into_any(),
                            }}
                        </section>
                    }
                })}
            </main>
        </Router>
    }
}
