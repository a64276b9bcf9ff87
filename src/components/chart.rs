use std::cell::RefCell;

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::figure::Plot;

/// The plotly.js bundle in the build (copied there from npm by index.html).
const PLOTLY_SCRIPT: &str = "plotly-basic.min.js";

thread_local! {
    /// The bundle's loading, started by the first chart drawn (shared by every chart).
    static PLOTLY: RefCell<Option<js_sys::Promise>> = const { RefCell::new(None) };
}

/// Loads plotly.js the first time a chart is drawn: a megabyte of script that the first paint
/// does not need. Resolves at once when it is loaded already; `false` if it cannot load.
async fn plotly_loaded() -> bool {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return false };
    let promise = PLOTLY.with(|loading| {
        loading
            .borrow_mut()
            .get_or_insert_with(|| {
                js_sys::Promise::new(&mut |resolve, reject| {
                    let Ok(script) = document.create_element("script") else {
                        let _ = reject.call0(&JsValue::UNDEFINED);
                        return;
                    };
                    let _ = script.set_attribute("src", &format!("{}{PLOTLY_SCRIPT}", crate::base_href()));
                    let element: &web_sys::HtmlElement = script.unchecked_ref();
                    element.set_onload(Some(&resolve));
                    element.set_onerror(Some(&reject));
                    if let Some(head) = document.head() {
                        let _ = head.append_child(&script);
                    }
                })
            })
            .clone()
    });
    JsFuture::from(promise).await.is_ok()
}

/// `Plotly.react(id, data, layout)`: draws the figure in the element `id`, or updates the one
/// there. Nothing when plotly.js is not loaded.
fn draw(id: &str, plot: &Plot) {
    let (data, layout) = plot.to_json();
    let parse = |json: &str| js_sys::JSON::parse(json).unwrap_or(JsValue::NULL);
    let Ok(plotly) = js_sys::Reflect::get(&js_sys::global(), &"Plotly".into()) else { return };
    if let Ok(react) = js_sys::Reflect::get(&plotly, &"react".into()).and_then(|f| f.dyn_into::<js_sys::Function>()) {
        let _ = react.call3(&plotly, &id.into(), &parse(&data), &parse(&layout));
    }
}

/// A plotly.js chart (served from the build, loaded when the first chart is drawn), redrawn
/// whenever the signals `plot` reads change. `plot` builds the figure from data the worker
/// computed; `None` draws nothing. Drawing waits until the `<div>` is in the document:
/// plotly.js finds it by id.
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
            leptos::task::spawn_local(async move {
                if plotly_loaded().await {
                    draw(&id, &plot);
                }
            });
        }
    });
    view! { <div id=element_id node_ref=div class="chart"></div> }
}
