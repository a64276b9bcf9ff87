//! Pipeline: the DAG's tasks with state, duration and log, and "Run all".

use leptos::prelude::*;

use crate::components::StageGrid;
use crate::state::AppState;
use crate::worker_client::Engine;

#[component]
pub fn PipelinePage() -> impl IntoView {
    let state = expect_context::<AppState>();
    let engine = expect_context::<Engine>();
    view! {
        <section class="controls">
            <button id="run-all" on:click=move |_| engine.rerun() disabled=move || state.busy.get()>"Run all"</button>
            <span class="hint">"Runs every task again on the data last loaded (or the sample)."</span>
        </section>
        <StageGrid stages=state.stages/>
    }
}
