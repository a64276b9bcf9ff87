use leptos::prelude::*;
use shelfcast_core::tracking::{RunRecord, StageState};

/// The pipeline's tasks with their state, duration and summary line.
#[component]
pub fn StageTable(record: RunRecord) -> impl IntoView {
    let rows = record
        .stages
        .into_iter()
        .map(|s| {
            let state = match s.state {
                StageState::Queued => "queued",
                StageState::Running => "running",
                StageState::Success => "success",
                StageState::Failed => "failed",
                StageState::Skipped => "skipped",
                StageState::UpstreamFailed => "upstream failed",
            };
            view! {
                <tr class=format!("stage {}", state.replace(' ', "-"))>
                    <td>{s.stage.clone()}</td>
                    <td>{state}</td>
                    <td class="num">{format!("{:.1} ms", s.duration_ms)}</td>
                    <td>{s.message}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table id="stages" class="stages">
            <caption>"Pipeline"</caption>
            <thead><tr><th>"task"</th><th>"state"</th><th>"duration"</th><th>"log"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
