//! The IndexedDB schema: its version, its object stores, the shape of a stored row, and the
//! migration from every older schema version to this build's.
//!
//! The *schema* version (object stores and indexes) is separate from a record's
//! `schema_version` (the JSON inside a row): stores change when a feature needs a new one or a
//! new index, records change when the data model does, and `decode_run_record` upgrades those.

use idb::{Database, IndexParams, KeyPath, ObjectStoreParams, Transaction};
use js_sys::{Object, Reflect};
use shelfcast_core::tracking::RunRecord;
use shelfcast_core::Result;
use wasm_bindgen::{JsCast, JsValue};

use super::storage_error;

/// The schema version this build opens the database at.
///
/// - 1: object store [`RUNS`], keyed by `run_id`, indexed by `start_time_ms` and `experiment`.
/// - 2: object stores [`MODELS`] (each run's stored model, keyed by `run_id`) and
///   [`REGISTRY`] (each registered model, keyed by `name`); the runs are untouched.
/// - 3: object stores [`DETAILS`] (what each run's pages drew, keyed by `run_id`) and
///   [`EXPERIMENTS`] (keyed by `experiment_id`). The runs are untouched: a record of version
///   3 and below gets its experiment's id when it is read (`decode_run_record`), and the
///   experiments only runs name are stored the first time the runs are listed.
/// - 4: object store [`FILES`] (the loaded files, kept for the next visit when they are kept in
///   IndexedDB rather than the Origin Private File System), keyed by `stored_as`. Nothing else
///   changes.
pub const DB_VERSION: u32 = 4;

/// The object store of run records.
pub const RUNS: &str = "runs";

/// The object store of the runs' models: rows `{run_id, json}` (a `StoredModel`'s JSON,
/// apart from the record so that listing runs never reads a model).
pub const MODELS: &str = "models";

/// The object store of registered models: rows `{name, json}` (a `RegisteredModel`'s JSON).
pub const REGISTRY: &str = "registry";

/// The object store of run details: rows `{run_id, json}` (a `RunDetail`'s JSON), read only
/// when a run is opened.
pub const DETAILS: &str = "details";

/// The object store of experiments: rows `{experiment_id, json}` (an `Experiment`'s JSON).
pub const EXPERIMENTS: &str = "experiments";

/// The object store of kept files: rows `{stored_as, blob}` (a file's bytes as a `Blob`) and
/// one row `{stored_as: MANIFEST, json}`, the list of what is kept (`kept_files::KeptFiles`).
pub const FILES: &str = "files";

/// The fields of a row in [`MODELS`], [`REGISTRY`], [`DETAILS`], [`EXPERIMENTS`] and [`FILES`].
pub mod blob_field {
    pub const RUN_ID: &str = "run_id";
    pub const NAME: &str = "name";
    pub const EXPERIMENT_ID: &str = "experiment_id";
    pub const STORED_AS: &str = "stored_as";
    pub const JSON: &str = "json";
    pub const BLOB: &str = "blob";
}

/// The fields of a row in [`RUNS`]. The record itself is kept as the JSON text that
/// `RunRecord::to_json` wrote, so that a record of any version reads back through
/// `decode_run_record`; the other fields copy what the indexes need out of it.
pub mod run_field {
    pub const RUN_ID: &str = "run_id";
    pub const JSON: &str = "json";
    pub const START_TIME_MS: &str = "start_time_ms";
    pub const EXPERIMENT: &str = "experiment";
}

/// Brings the database from `old_version` (0 when it is new) to [`DB_VERSION`], one version at
/// a time, inside the `versionchange` transaction: if a step fails the transaction is aborted
/// and the database stays as it was.
pub(super) fn upgrade(transaction: &Transaction, old_version: u32) -> Result<()> {
    let database = transaction.database();
    for from in old_version..DB_VERSION {
        match from {
            0 => create_runs_store(&database)?,
            1 => create_keyed_stores(&database, &[(MODELS, blob_field::RUN_ID), (REGISTRY, blob_field::NAME)])?,
            2 => create_keyed_stores(&database, &[(DETAILS, blob_field::RUN_ID), (EXPERIMENTS, blob_field::EXPERIMENT_ID)])?,
            3 => create_keyed_stores(&database, &[(FILES, blob_field::STORED_AS)])?,
            _ => return Err(storage_error(format!("no migration from schema version {from}"))),
        }
    }
    Ok(())
}

fn create_runs_store(database: &Database) -> Result<()> {
    let mut params = ObjectStoreParams::new();
    params.key_path(Some(KeyPath::new_single(run_field::RUN_ID)));
    let runs = database.create_object_store(RUNS, params).map_err(storage_error)?;
    for field in [run_field::START_TIME_MS, run_field::EXPERIMENT] {
        runs.create_index(field, KeyPath::new_single(field), Some(IndexParams::new())).map_err(storage_error)?;
    }
    Ok(())
}

/// Object stores of `{key, json}` rows, each keyed by its key field.
fn create_keyed_stores(database: &Database, stores: &[(&str, &str)]) -> Result<()> {
    for &(store, key) in stores {
        let mut params = ObjectStoreParams::new();
        params.key_path(Some(KeyPath::new_single(key)));
        database.create_object_store(store, params).map_err(storage_error)?;
    }
    Ok(())
}

/// A row `{key_field: key, json}` for one of the keyed stores.
pub(super) fn blob_row(key_field: &str, key: &str, json: &str) -> Result<JsValue> {
    let row = Object::new();
    for (name, value) in [(key_field, key), (blob_field::JSON, json)] {
        Reflect::set(&row, &JsValue::from_str(name), &JsValue::from_str(value)).map_err(|_| storage_error(format!("cannot set `{name}` on the row of {key}")))?;
    }
    Ok(row.into())
}

/// A row `{stored_as, blob}` of [`FILES`].
pub(super) fn file_row(stored_as: &str, blob: &web_sys::Blob) -> Result<JsValue> {
    let row = Object::new();
    let fields = [(blob_field::STORED_AS, JsValue::from_str(stored_as)), (blob_field::BLOB, blob.into())];
    for (name, value) in fields {
        Reflect::set(&row, &JsValue::from_str(name), &value).map_err(|_| storage_error(format!("cannot set `{name}` on the row of {stored_as}")))?;
    }
    Ok(row.into())
}

/// The `blob` of a [`FILES`] row.
pub(super) fn file_blob(row: &JsValue) -> Option<web_sys::Blob> {
    Reflect::get(row, &JsValue::from_str(blob_field::BLOB)).ok()?.dyn_into().ok()
}

/// The `json` text of a keyed store's row.
pub(super) fn blob_text(row: &JsValue) -> std::result::Result<String, String> {
    Reflect::get(row, &JsValue::from_str(blob_field::JSON)).ok().and_then(|v| v.as_string()).ok_or_else(|| format!("its row has no `{}` text", blob_field::JSON))
}

/// The row stored for `run`.
pub(super) fn run_row(run: &RunRecord) -> Result<JsValue> {
    let row = Object::new();
    let fields = [
        (run_field::RUN_ID, JsValue::from_str(&run.run_id)),
        (run_field::JSON, JsValue::from_str(&run.to_json())),
        // Milliseconds since the epoch stay well inside f64's exact integers (2^53).
        (run_field::START_TIME_MS, JsValue::from_f64(run.start_time_ms as f64)),
        (run_field::EXPERIMENT, JsValue::from_str(&run.experiment)),
    ];
    for (name, value) in fields {
        Reflect::set(&row, &JsValue::from_str(name), &value)
            .map_err(|_| storage_error(format!("cannot set `{name}` on the row of run {}", run.run_id)))?;
    }
    Ok(row.into())
}

/// The record text of a stored row, or why the row has none. Nothing is assumed of a row:
/// another build, or another page on the same origin, may have written anything.
pub(super) fn stored_text(row: &JsValue) -> std::result::Result<String, String> {
    if !row.is_object() {
        return Err("the row is not an object".into());
    }
    Reflect::get(row, &JsValue::from_str(run_field::JSON))
        .ok()
        .and_then(|value| value.as_string())
        .ok_or_else(|| format!("its row has no `{}` text", run_field::JSON))
}

/// A stored key as text: a run id is a string; anything else another writer used is shown
/// as JavaScript would print it.
pub(super) fn key_text(key: &JsValue) -> String {
    if let Some(text) = key.as_string() {
        return text;
    }
    if let Some(number) = key.as_f64() {
        return number.to_string();
    }
    js_sys::JSON::stringify(key).ok().and_then(|s| s.as_string()).unwrap_or_else(|| "(a key that cannot be shown)".into())
}

/// What the row's JSON text would be for export when the row has no record text: the row
/// itself as JSON, or nothing.
pub(super) fn row_as_json(row: &JsValue) -> String {
    js_sys::JSON::stringify(row).ok().and_then(|s| s.as_string()).unwrap_or_default()
}
