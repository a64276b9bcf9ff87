//! The app's library half: what the binaries (`main.rs`, the worker) share and what the
//! browser tests (`tests/web.rs`) exercise directly — the worker protocol, the page state,
//! the views and the storage. A binary's modules cannot be reached from `tests/`, hence this
//! split; the pages and the engine glue stay in the binary. Everything is wasm32-only;
//! natively the package builds stub binaries.

#[cfg(target_arch = "wasm32")]
pub mod components;
#[cfg(target_arch = "wasm32")]
pub mod protocol;
#[cfg(target_arch = "wasm32")]
pub mod state;
#[cfg(target_arch = "wasm32")]
pub mod storage;

/// The URL the app is served under (Trunk writes it into `<base href>`).
#[cfg(target_arch = "wasm32")]
pub fn base_href() -> String {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector("base").ok().flatten())
        .and_then(|b| b.get_attribute("href"))
        .unwrap_or_else(|| "/".into())
}
