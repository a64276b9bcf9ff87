//! The Shelfcast app: a thin Leptos shell over the engine. It chooses inputs and shows
//! outputs; every number on screen is computed by `shelfcast-core`.

#[cfg(target_arch = "wasm32")]
mod app;
// The views live in the library (src/lib.rs) so the browser tests can mount them; imported
// here, they stay `crate::components` for the binary's modules.
#[cfg(target_arch = "wasm32")]
use shelfcast_app::components;
#[cfg(target_arch = "wasm32")]
mod engine;

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("shelfcast-app runs in the browser: `cargo xtask serve` builds and serves it.");
}
