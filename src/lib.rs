//! The app's library half: the views and the storage that the binary (`main.rs`) mounts and
//! that the browser tests (`tests/web.rs`) exercise directly. A binary's modules cannot be
//! reached from `tests/`, hence this split; the pages and the engine glue stay in the binary.

#[cfg(target_arch = "wasm32")]
pub mod components;
#[cfg(target_arch = "wasm32")]
pub mod storage;
