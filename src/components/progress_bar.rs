use leptos::prelude::*;

use crate::state::AppState;

/// Progress of the running stage (bytes read, trees built …), hidden when idle.
#[component]
pub fn ProgressBar() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        let busy = state.busy.get();
        let progress = state.progress.get();
        busy.then(|| {
            let (label, value, max) = match progress {
                Some(p) => (format!("{}: {}", p.stage.name(), p.note), p.done as f64, p.total.max(1) as f64),
                None => ("working…".to_string(), 0.0, 0.0),
            };
            view! {
                <div class="progress">
                    {if max > 0.0 {
                        view! { <progress id="progress" value=value max=max>{label.clone()}</progress> }.into_any()
                    } else {
                        view! { <progress id="progress">{label.clone()}</progress> }.into_any()
                    }}
                    <span>{label}</span>
                </div>
            }
        })
    }
}
