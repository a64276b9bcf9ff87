//! The Shelfcast app: a thin Leptos shell over the engine. It chooses inputs and shows
//! outputs; every number on screen is computed by `shelfcast-core` in the worker.

#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod offline;
#[cfg(target_arch = "wasm32")]
mod pages;
#[cfg(target_arch = "wasm32")]
mod kept_data;
#[cfg(target_arch = "wasm32")]
mod model_registry;
#[cfg(target_arch = "wasm32")]
mod run_history;
#[cfg(target_arch = "wasm32")]
mod tab_sync;
#[cfg(target_arch = "wasm32")]
mod worker_client;
// The views, state and storage live in the library (src/lib.rs) so the browser tests can
// reach them; imported here, they read as `crate::…` in the binary's modules.
#[cfg(target_arch = "wasm32")]
use shelfcast_app::{components, state, storage};

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    // index.html's static header, shown while this binary loaded.
    if let Some(boot) = leptos::prelude::document().get_element_by_id("boot") {
        boot.remove();
    }
    leptos::mount::mount_to_body(app::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("shelfcast-app runs in the browser: `cargo xtask serve` builds and serves it.");
}
