//! # shelfcast-core
//!
//! The engine of Shelfcast: everything the app and the CLI show is computed here, once.
//! It is pure Rust over bytes and values: no browser bindings, no UI framework, no file
//! system, no clock and no randomness of its own (times and seeds are passed in), so the same
//! code runs in the browser's worker, in the native CLI and in tests.

pub mod calendar;
pub mod codec;
pub mod contracts;
pub mod cutoff;
pub mod design;
pub mod error;
pub mod frame;
pub mod features;
pub mod forecast;
pub mod holidays;
pub mod ingest;
pub mod metrics;
pub mod models;
pub mod pipeline;
pub mod profile;
pub mod registry;
pub mod rng;
pub mod run_search;
pub mod split;
pub mod stage;
pub mod stages;
pub mod synthetic;
pub mod tracking;

pub use error::{Error, Position, Result};
pub use frame::{Column, ColumnType, Frame, Value};
