use leptos::prelude::*;
use plotly::Plot;

/// A plotly.js chart (served from the build) redrawn whenever `plot` changes.
#[component]
pub fn Chart(id: &'static str, #[prop(into)] plot: Signal<Option<Plot>>) -> impl IntoView {
    Effect::new(move |_| {
        if let Some(plot) = plot.get() {
            leptos::task::spawn_local(async move { plotly::bindings::react(id, &plot).await });
        }
    });
    view! { <div id=id class="chart"></div> }
}
