//! Pipeline: the DAG's tasks with state, duration and log, "Run all" and, per task, "Run
//! from here" (the tasks before it keep the outputs of the last run, as clearing a task and
//! its downstream does in Airflow).

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
            <span class="hint">"Runs every task again on the data last loaded (or the sample). \
                \"Run from here\" runs a task and those after it, keeping the earlier tasks' outputs; \
                if you changed an earlier task's settings, the run starts there instead."</span>
        </section>
        <StageGrid stages=state.stages on_run_from=Callback::new(move |stage| engine.run_from(stage)) busy=state.busy/>
    }
}
