//! The app's shared pieces: the message protocol between the page and the engine's worker.
//! (Everything here is for wasm32; natively the package only builds a stub binary.)

#[cfg(target_arch = "wasm32")]
pub mod protocol;
