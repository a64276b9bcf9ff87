use leptos::prelude::*;
use plotly::Plot;

/// A plotly.js chart (served from the build), redrawn whenever the signals `plot` reads
/// change. `plot` builds the figure from data the worker computed; `None` draws nothing.
/// Drawing waits until the `<div>` is in the document: plotly.js finds it by id.
#[component]
pub fn Chart<F>(#[prop(into)] id: String, plot: F) -> impl IntoView
where
    F: Fn() -> Option<Plot> + 'static,
{
    let div = NodeRef::<leptos::html::Div>::new();
    let element_id = id.clone();
    Effect::new(move |_| {
        if div.get().is_none() {
            return;
        }
        if let Some(plot) = plot() {
            let id = id.clone();
            leptos::task::spawn_local(async move { plotly::bindings::react(&id, &plot).await });
        }
    });
    view! { <div id=element_id node_ref=div class="chart"></div> }
}
