//! Offline after one visit: the page registers the build's service worker
//! (`public/service-worker.js`, written into the build by `cargo xtask dist` with the build's
//! files), which caches the whole build and answers the app's requests from it. When a newer
//! build has installed beside the one on screen, the page offers to reload into it; the new
//! build takes over only when the person says so, so a run in progress is never cut off.

use std::cell::Cell;

use gloo_events::EventListener;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{RegistrationOptions, ServiceWorkerContainer, ServiceWorkerRegistration, ServiceWorkerState};

use crate::state::AppState;
use crate::worker_client::base_href;

/// The message that tells a waiting build to take over (the service worker's `take-over`).
const TAKE_OVER: &str = "take-over";

thread_local! {
    /// The person asked for the new build: the page reloads once it controls the page.
    static RELOADING: Cell<bool> = const { Cell::new(false) };
}

fn container() -> Option<ServiceWorkerContainer> {
    let container = web_sys::window()?.navigator().service_worker();
    // Missing in an insecure context: the app then simply needs the network.
    (!JsValue::from(container.clone()).is_undefined()).then_some(container)
}

/// Registers the service worker and listens for a newer build.
pub fn start(state: AppState) {
    let Some(container) = container() else { return };
    EventListener::new(&container, "controllerchange", |_| {
        if RELOADING.with(Cell::get) {
            if let Some(window) = web_sys::window() {
                let _ = window.location().reload();
            }
        }
    })
    .forget();
    spawn_local(async move {
        let options = RegistrationOptions::new();
        options.set_scope(&base_href());
        let script = format!("{}service-worker.js", base_href());
        let registration = match JsFuture::from(container.register_with_options(&script, &options)).await {
            Ok(registration) => registration.unchecked_into::<ServiceWorkerRegistration>(),
            // A build without one (`trunk serve`), or a browser that refuses: online only.
            Err(_) => return,
        };
        // A page that a build controls already, and a newer one installed: that one waits.
        let offer = move |container: &ServiceWorkerContainer| {
            if container.controller().is_some() {
                state.new_build.set(true);
            }
        };
        if registration.waiting().is_some() {
            offer(&container);
        }
        let watched = registration.clone();
        EventListener::new(&registration, "updatefound", move |_| {
            let Some(installing) = watched.installing() else { return };
            let worker = installing.clone();
            EventListener::new(&installing, "statechange", move |_| {
                if worker.state() == ServiceWorkerState::Installed {
                    if let Some(container) = self::container() {
                        offer(&container);
                    }
                }
            })
            .forget();
        })
        .forget();
    });
}

/// Reloads into the newer build: it takes over, and the page reloads when it does.
pub fn reload_into_new_build() {
    let Some(container) = container() else { return };
    spawn_local(async move {
        let Ok(registration) = JsFuture::from(container.get_registration()).await else { return };
        let Some(waiting) = registration.dyn_into::<ServiceWorkerRegistration>().ok().and_then(|r| r.waiting()) else { return };
        RELOADING.with(|r| r.set(true));
        let _ = waiting.post_message(&JsValue::from_str(TAKE_OVER));
    });
}
