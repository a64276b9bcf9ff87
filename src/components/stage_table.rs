use leptos::prelude::*;
use shelfcast_core::pipeline::Stage;
use shelfcast_core::tracking::StageState;

use crate::state::StageView;

pub fn state_name(state: StageState) -> &'static str {
    match state {
        StageState::Queued => "queued",
        StageState::Running => "running",
        StageState::Success => "success",
        StageState::Failed => "failed",
        StageState::Skipped => "skipped",
        StageState::UpstreamFailed => "upstream failed",
    }
}

/// The pipeline as Airflow's grid shows it: the DAG's tasks in order with state, duration
/// and log line — a forecast run's tasks when the stages shown are a forecast run's, else a
/// one-step run's. With `on_run_from`, each task has a
/// "Run from here" button (disabled while `busy`) that calls it with the task's stage.
#[component]
pub fn StageGrid(
    #[prop(into)] stages: Signal<Vec<StageView>>,
    #[prop(optional)] on_run_from: Option<Callback<Stage>>,
    #[prop(into, optional)] busy: Signal<bool>,
) -> impl IntoView {
    let plan = move || {
        let forecast = stages.with(|s| s.iter().any(|v| !Stage::ALL.contains(&v.stage)));
        if forecast { &Stage::FORECAST[..] } else { &Stage::ALL[..] }
    };
    let rows = move || {
        let stages = stages.get();
        plan()
            .iter()
            .map(|&stage| {
                let view = stages.iter().find(|s| s.stage == stage);
                let state = view.map_or(StageState::Queued, |v| v.state);
                let name = state_name(state);
                let duration = view.and_then(|v| v.duration_ms).map(|ms| format!("{ms:.1} ms")).unwrap_or_default();
                let message = view.map(|v| v.message.clone()).unwrap_or_default();
                let action = on_run_from.map(|run_from| {
                    view! {
                        <td>
                            <button class="run-from" title=format!("Run {} and every task after it", stage.name())
                                on:click=move |_| run_from.run(stage) disabled=move || busy.get()>"Run from here"</button>
                        </td>
                    }
                });
                view! {
                    <tr class=format!("stage {}", name.replace(' ', "-")) data-stage=stage.name()>
                        <td>{stage.name()}</td>
                        <td class="state">{name}</td>
                        <td class="num">{duration}</td>
                        <td class="log">{message}</td>
                        {action}
                    </tr>
                }
            })
            .collect_view()
    };
    view! {
        <table id="stages" class="stages">
            <caption>{move || format!("Tasks: {}", plan().iter().map(|s| s.name().replace('_', " ")).collect::<Vec<_>>().join(" → "))}</caption>
            <thead><tr><th>"task"</th><th>"state"</th><th>"duration"</th><th>"log"</th>
                {on_run_from.map(|_| view! { <th></th> })}</tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
