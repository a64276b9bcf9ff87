//! The engine's stores on IndexedDB, so that a user's runs survive a reload and an upgrade.
//!
//! Built on the `idb` crate (0.6) rather than raw `web-sys`: IndexedDB reports through
//! callbacks, and using it from async Rust means turning every request, the open request and
//! each transaction's end into futures while keeping their closures alive until they fire.
//! `idb` is that layer and little else; written here on `web-sys` it would be the bulk of this
//! module. Its declarative schema `builder` is not used: the schema is migrated explicitly,
//! version by version (see [`schema`]).
//!
//! A transaction commits as soon as control returns to the event loop with no request pending
//! (docs/definitions.md#toolchain-facts), so inside a transaction this module awaits IndexedDB requests only: a record
//! is encoded before its transaction opens and decoded after the transaction has ended.
//!
//! Records are read through `tracking::read_stored_run`, one at a time, so one written by an
//! older build comes back upgraded (it is rewritten in the current version when the app next
//! saves it), and one that cannot be read — damaged, written by a newer build, or by another
//! page on the same origin — is listed as damaged beside the good runs, never deleted unless
//! asked, and never hides them.

pub mod kept_files;
mod schema;

use std::cell::RefCell;
use std::fmt::Display;
use std::future::IntoFuture;
use std::rc::Rc;

use idb::event::VersionChangeEvent;
use idb::{Database, Event, Factory, ObjectStore, Request, TransactionFuture, TransactionMode, TransactionResult};
use shelfcast_core::pipeline::{RunDetail, RunDetailStore};
use shelfcast_core::registry::{ModelStore, RegisteredModel, Registry, StoredModel};
use shelfcast_core::tracking::{read_stored_run, DamagedRecord, Experiment, RecordProblem, RunListing, RunRecord, RunStore};
use shelfcast_core::{Error, Result};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

pub use schema::{blob_field, run_field, DB_VERSION, DETAILS, EXPERIMENTS, FILES, MODELS, REGISTRY, RUNS};

/// The app's database.
pub const DATABASE_NAME: &str = "shelfcast";

/// What every error says when the browser refused a write because this site's storage is
/// full ([`is_storage_full`] looks for it).
pub const STORAGE_FULL: &str = "the browser refused to store more for this site: its storage quota is full";

/// Whether `error` is the browser refusing a write for lack of quota (nothing was written).
pub fn is_storage_full(error: &Error) -> bool {
    error.to_string().contains(STORAGE_FULL)
}

/// An error of the storage `place` ("IndexedDB", "the Origin Private File System"); a refusal
/// for quota says so in the words [`is_storage_full`] recognises.
pub(crate) fn place_error(place: &str, message: impl Display) -> Error {
    let text = message.to_string();
    if text.contains("QuotaExceededError") || text.contains("quota") {
        return Error::artifact(place, format!("{STORAGE_FULL} ({text})"));
    }
    Error::artifact(place, text)
}

/// What `navigator.storage.estimate()` says: the bytes this site uses and the bytes the browser
/// grants it (`None` where the API is missing).
pub async fn storage_estimate() -> Option<(f64, f64)> {
    let storage = web_sys::window()?.navigator().storage();
    if storage.is_undefined() {
        return None;
    }
    let estimate: web_sys::StorageEstimate = wasm_bindgen_futures::JsFuture::from(storage.estimate().ok()?).await.ok()?.into();
    Some((estimate.get_usage()?, estimate.get_quota()?))
}

/// `error`, said as a full quota when `bytes` more would not fit in what the browser grants.
/// A write the quota stops does not always fail as a `QuotaExceededError`: Chromium can end an
/// OPFS stream that ran out of quota with a `NotReadableError` about its source, which would
/// send the person looking for a fault in their file.
pub(crate) async fn unless_full(place: &str, error: Error, bytes: f64) -> Error {
    if is_storage_full(&error) {
        return error;
    }
    match storage_estimate().await {
        Some((usage, quota)) if usage + bytes > quota => Error::artifact(place, format!("{STORAGE_FULL} ({error})")),
        _ => error,
    }
}

fn storage_error(message: impl Display) -> Error {
    place_error("IndexedDB", message)
}

/// The app's [`RunStore`] and [`ModelStore`] on one IndexedDB connection. Dropping it closes
/// the connection.
#[derive(Debug)]
pub struct IndexedDbStore {
    database: Database,
}

impl IndexedDbStore {
    /// Opens the database `db_name` ([`DATABASE_NAME`] in the app), creating it or migrating
    /// its schema to [`DB_VERSION`] first if needed.
    pub async fn open(db_name: &str) -> Result<Self> {
        Self::open_waiting(db_name, || {}).await
    }

    /// Opens the database as [`open`](Self::open) does; when an upgrade has to wait because
    /// another tab holds the database open at its older version (an older build that does not
    /// give way), `on_blocked` is called once and the open goes on waiting: it completes, with
    /// nothing lost, as soon as that tab closes its connection (it is closed, or reloaded into
    /// this build).
    pub async fn open_waiting(db_name: &str, on_blocked: impl FnOnce() + 'static) -> Result<Self> {
        let factory = Factory::new().map_err(storage_error)?;
        let mut request = factory.open(db_name, Some(DB_VERSION)).map_err(storage_error)?;
        request.on_blocked(move |_| on_blocked());
        let upgrade_failure = Rc::new(RefCell::new(None));
        request.on_upgrade_needed({
            let upgrade_failure = Rc::clone(&upgrade_failure);
            move |event| {
                if let Err(e) = upgrade(&event) {
                    *upgrade_failure.borrow_mut() = Some(e);
                }
            }
        });
        let mut database = match request.await {
            Ok(database) => database,
            Err(e) => {
                if let Some(failure) = upgrade_failure.take() {
                    return Err(failure);
                }
                return Err(match current_version(&factory, db_name).await.filter(|&v| v > DB_VERSION) {
                    Some(found) => storage_error(format!(
                        "database {db_name} was upgraded to schema version {found} by a newer version of Shelfcast; this build knows versions up to {DB_VERSION}. \
                         Open the newer version: the runs stored there are untouched"
                    )),
                    None => storage_error(format!("cannot open database {db_name}: {e}")),
                });
            }
        };
        // A newer build in another tab cannot upgrade the schema while this connection is
        // open: give way to it. This store's later calls then fail with an error, not a hang.
        database.on_version_change(|event| {
            if let Some(connection) = event.target().and_then(|t| t.dyn_into::<web_sys::IdbDatabase>().ok()) {
                connection.close();
            }
        });
        Ok(IndexedDbStore { database })
    }

    /// Closes the connection (once its pending transactions have finished).
    pub fn close(self) {
        drop(self);
    }

    /// The runs store in a new transaction, and the future of that transaction's end. The end
    /// is listened for before any request is made, so that it cannot be missed.
    fn runs(&self, mode: TransactionMode) -> Result<(ObjectStore, TransactionFuture)> {
        self.store(RUNS, mode)
    }

    fn store(&self, name: &str, mode: TransactionMode) -> Result<(ObjectStore, TransactionFuture)> {
        let transaction = self.database.transaction(&[name], mode).map_err(storage_error)?;
        let store = transaction.object_store(name).map_err(storage_error)?;
        Ok((store, transaction.into_future()))
    }

    /// Puts a `{key_field: key, json}` row into `name` in a transaction of its own.
    async fn put_blob(&self, name: &str, key_field: &str, key: &str, json: &str) -> Result<()> {
        let row = schema::blob_row(key_field, key, json)?;
        let (store, end) = self.store(name, TransactionMode::ReadWrite)?;
        store.put(&row, None).map_err(storage_error)?.await.map_err(storage_error)?;
        committed(end, &store).await
    }

    /// The `json` text stored under `key` in `name`, if any; `what` names it in errors.
    async fn get_blob(&self, name: &str, key: &str, what: &str) -> Result<Option<String>> {
        let (store, end) = self.store(name, TransactionMode::ReadOnly)?;
        let row = store.get(JsValue::from_str(key)).map_err(storage_error)?.await.map_err(storage_error)?;
        committed(end, &store).await?;
        row.map(|row| schema::blob_text(&row).map_err(|reason| storage_error(format!("{what} is stored but {reason}")))).transpose()
    }

    /// Every row's `json` text in `name`.
    async fn all_blobs(&self, name: &str, what: &str) -> Result<Vec<String>> {
        let (store, end) = self.store(name, TransactionMode::ReadOnly)?;
        let rows = store.get_all(None, None).map_err(storage_error)?.await.map_err(storage_error)?;
        committed(end, &store).await?;
        rows.iter().map(|row| schema::blob_text(row).map_err(|reason| storage_error(format!("{what} is stored but {reason}")))).collect()
    }

    /// Keeps a run's model as the JSON text the worker wrote (the page never decodes a
    /// whole model: scoring happens in the worker).
    pub async fn put_model_json(&mut self, run_id: &str, json: &str) -> Result<()> {
        self.put_blob(MODELS, blob_field::RUN_ID, run_id, json).await
    }

    /// Keeps a finished run whole in one transaction: its model (the JSON the worker wrote),
    /// its detail and its record. If the browser refuses any of it (a full quota), none of it
    /// is written and what was stored before is untouched.
    pub async fn put_run_whole(&mut self, run: &RunRecord, detail: Option<&RunDetail>, model_json: Option<&str>) -> Result<()> {
        let record = schema::run_row(run)?;
        let detail = detail.map(|d| schema::blob_row(blob_field::RUN_ID, &d.run_id, &d.to_json())).transpose()?;
        let model = model_json.map(|json| schema::blob_row(blob_field::RUN_ID, &run.run_id, json)).transpose()?;
        let transaction = self.database.transaction(&[MODELS, DETAILS, RUNS], TransactionMode::ReadWrite).map_err(storage_error)?;
        let store = |name| transaction.object_store(name).map_err(storage_error);
        let (models, details, runs) = (store(MODELS)?, store(DETAILS)?, store(RUNS)?);
        let end = transaction.into_future();
        let puts = async {
            for (store, row) in [(&models, model), (&details, detail), (&runs, Some(record))] {
                if let Some(row) = row {
                    store.put(&row, None).map_err(storage_error)?.await.map_err(storage_error)?;
                }
            }
            Ok(())
        };
        all_or_nothing(puts.await, end, &runs).await
    }

    /// What is kept in [`FILES`]: the manifest's JSON text (`None` when nothing was ever kept)
    /// and each stored blob by its `stored_as` key.
    pub async fn kept_files(&self) -> Result<(Option<String>, Vec<(String, web_sys::Blob)>)> {
        let (files, end) = self.store(FILES, TransactionMode::ReadOnly)?;
        let keys = files.get_all_keys(None, None).map_err(storage_error)?.await.map_err(storage_error)?;
        let rows = files.get_all(None, None).map_err(storage_error)?.await.map_err(storage_error)?;
        committed(end, &files).await?;
        let mut manifest = None;
        let mut blobs = Vec::new();
        for (key, row) in keys.iter().zip(&rows) {
            let key = schema::key_text(key);
            if key == kept_files::MANIFEST {
                manifest = Some(schema::blob_text(row).map_err(|reason| storage_error(format!("the list of kept files is stored but {reason}")))?);
            } else if let Some(blob) = schema::file_blob(row) {
                blobs.push((key, blob));
            }
        }
        Ok((manifest, blobs))
    }

    /// In one transaction: stores the `new` blobs, writes `manifest_json` and deletes every
    /// other blob not in `keep`. A refusal (a full quota) leaves the files as they were.
    pub async fn replace_kept_files(&mut self, new: &[(String, web_sys::Blob)], manifest_json: &str, keep: &[String]) -> Result<()> {
        let rows = new.iter().map(|(key, blob)| schema::file_row(key, blob)).collect::<Result<Vec<_>>>()?;
        let manifest = schema::blob_row(blob_field::STORED_AS, kept_files::MANIFEST, manifest_json)?;
        let (files, end) = self.store(FILES, TransactionMode::ReadWrite)?;
        let writes = async {
            let stored = files.get_all_keys(None, None).map_err(storage_error)?.await.map_err(storage_error)?;
            for key in stored {
                let text = schema::key_text(&key);
                if text != kept_files::MANIFEST && !keep.contains(&text) && !new.iter().any(|(k, _)| *k == text) {
                    files.delete(key).map_err(storage_error)?.await.map_err(storage_error)?;
                }
            }
            for row in rows.iter().chain([&manifest]) {
                files.put(row, None).map_err(storage_error)?.await.map_err(storage_error)?;
            }
            Ok(())
        };
        all_or_nothing(writes.await, end, &files).await
    }

    /// Deletes every kept file and the manifest.
    pub async fn forget_files(&mut self) -> Result<()> {
        let (files, end) = self.store(FILES, TransactionMode::ReadWrite)?;
        files.clear().map_err(storage_error)?.await.map_err(storage_error)?;
        committed(end, &files).await
    }

    /// A run's model as stored JSON text, if one is stored.
    pub async fn get_model_json(&self, run_id: &str) -> Result<Option<String>> {
        self.get_blob(MODELS, run_id, &format!("the model of run {run_id}")).await
    }
}

impl Drop for IndexedDbStore {
    fn drop(&mut self) {
        self.database.close();
    }
}

/// The schema version the database is at now (opened without asking for one, and closed).
async fn current_version(factory: &Factory, db_name: &str) -> Option<u32> {
    let database = factory.open(db_name, None).ok()?.await.ok()?;
    let version = database.version().ok();
    database.close();
    version
}

/// Runs the schema migration for an `upgradeneeded` event, aborting the upgrade if it fails.
fn upgrade(event: &VersionChangeEvent) -> Result<()> {
    let old_version = event.old_version().map_err(storage_error)?;
    let transaction = event
        .target()
        .map_err(storage_error)?
        .transaction()
        .ok_or_else(|| storage_error("the upgrade has no versionchange transaction"))?;
    let migrated = schema::upgrade(&transaction, old_version);
    if migrated.is_err() {
        // The error is the one worth reporting; the abort's own outcome adds nothing.
        let _ = transaction.abort();
    }
    migrated
}

/// Ends a transaction of several writes: commits it if they all succeeded (`writes`), else
/// aborts it, so that none of them is kept (a transaction left alone after a failed request
/// would commit the writes made before it).
async fn all_or_nothing(writes: Result<()>, end: TransactionFuture, store: &ObjectStore) -> Result<()> {
    match writes {
        Ok(()) => committed(end, store).await,
        Err(e) => {
            let _ = store.transaction().abort();
            let _ = end.await;
            Err(e)
        }
    }
}

/// How many stored records a listing decodes in one task.
const LISTING_CHUNK: usize = 100;

/// Returns at the next task of the event loop (`setTimeout(0)`), so a long piece of work is
/// split into short tasks; at once where there is no window.
async fn next_task() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let scheduled = web_sys::window().and_then(|w| w.set_timeout_with_callback(&resolve).ok());
        if scheduled.is_none() {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Waits for the transaction of `store` to end and says whether it committed, and if it was
/// aborted, why (the browser's reason: a full quota among them).
async fn committed(end: TransactionFuture, store: &ObjectStore) -> Result<()> {
    match end.await.map_err(storage_error)? {
        TransactionResult::Committed => Ok(()),
        TransactionResult::Aborted => Err(storage_error(match store.transaction().error() {
            Some(reason) => format!("the transaction was aborted: {}: {}", reason.name(), reason.message()),
            None => "the transaction was aborted".to_string(),
        })),
    }
}

impl RunStore for IndexedDbStore {
    async fn put_run(&mut self, run: &RunRecord) -> Result<()> {
        let row = schema::run_row(run)?;
        let (runs, end) = self.runs(TransactionMode::ReadWrite)?;
        runs.put(&row, None).map_err(storage_error)?.await.map_err(storage_error)?;
        committed(end, &runs).await
    }

    async fn get_run(&self, run_id: &str) -> Result<Option<RunRecord>> {
        let (runs, end) = self.runs(TransactionMode::ReadOnly)?;
        let row = runs.get(JsValue::from_str(run_id)).map_err(storage_error)?.await.map_err(storage_error)?;
        committed(end, &runs).await?;
        let Some(row) = row else { return Ok(None) };
        let unreadable = |problem: RecordProblem| storage_error(format!("run {run_id} is stored but {problem}"));
        let text = schema::stored_text(&row).map_err(|reason| unreadable(RecordProblem::Unreadable { reason }))?;
        read_stored_run(run_id, &text).map(Some).map_err(unreadable)
    }

    async fn list_runs(&self) -> Result<RunListing> {
        // The store itself, not the start-time index: a row without `start_time_ms` is not in
        // the index and would be missed. Both lists come in key order, so they pair up.
        let (runs, end) = self.runs(TransactionMode::ReadOnly)?;
        let keys = runs.get_all_keys(None, None).map_err(storage_error)?.await.map_err(storage_error)?;
        let rows = runs.get_all(None, None).map_err(storage_error)?.await.map_err(storage_error)?;
        committed(end, &runs).await?;
        let mut listing = RunListing::default();
        for (i, (key, row)) in keys.iter().zip(&rows).enumerate() {
            // Decoding a thousand records in one task would hold the page for a few hundred
            // milliseconds: the listing is read in short tasks instead.
            if i > 0 && i % LISTING_CHUNK == 0 {
                next_task().await;
            }
            let key = schema::key_text(key);
            match schema::stored_text(row) {
                Ok(text) => listing.add(key, text),
                Err(reason) => listing.add_damaged(DamagedRecord {
                    key,
                    stored: schema::row_as_json(row),
                    problem: RecordProblem::Unreadable { reason },
                }),
            }
        }
        Ok(listing.sorted())
    }

    async fn delete_run(&mut self, key: &str) -> Result<bool> {
        let (runs, end) = self.runs(TransactionMode::ReadWrite)?;
        let by_string = JsValue::from_str(key);
        let mut existed = runs.count(Some(by_string.clone().into())).map_err(storage_error)?.await.map_err(storage_error)? > 0;
        let target = if existed {
            Some(by_string)
        } else {
            // A key another writer stored as a number (or anything else) is found by its text.
            let keys = runs.get_all_keys(None, None).map_err(storage_error)?.await.map_err(storage_error)?;
            keys.into_iter().find(|k| schema::key_text(k) == key)
        };
        if let Some(target) = target {
            existed = true;
            runs.delete(target).map_err(storage_error)?.await.map_err(storage_error)?;
        }
        committed(end, &runs).await?;
        // The detail goes with its run (in a transaction of its own: a detail left behind by
        // a failure here is never shown without its run).
        let (details, end) = self.store(DETAILS, TransactionMode::ReadWrite)?;
        details.delete(JsValue::from_str(key)).map_err(storage_error)?.await.map_err(storage_error)?;
        committed(end, &details).await?;
        Ok(existed)
    }

    async fn list_experiments(&self) -> Result<Vec<Experiment>> {
        let texts = self.all_blobs(EXPERIMENTS, "an experiment").await?;
        texts.iter().map(|text| Experiment::from_json(text, "an experiment in IndexedDB")).collect()
    }

    async fn put_experiment(&mut self, experiment: &Experiment) -> Result<()> {
        self.put_blob(EXPERIMENTS, blob_field::EXPERIMENT_ID, &experiment.experiment_id, &experiment.to_json()).await
    }
}

impl ModelStore for IndexedDbStore {
    async fn put_model(&mut self, model: &StoredModel) -> Result<()> {
        self.put_model_json(&model.run_id, &model.to_json()).await
    }

    async fn get_model(&self, run_id: &str) -> Result<Option<StoredModel>> {
        let json = self.get_model_json(run_id).await?;
        json.map(|json| StoredModel::from_json(&json, &format!("the model of run {run_id}"))).transpose()
    }

    async fn registry(&self) -> Result<Registry> {
        let texts = self.all_blobs(REGISTRY, "a registered model").await?;
        let models = texts.iter().map(|text| RegisteredModel::from_json(text, "a registered model in IndexedDB")).collect::<Result<Vec<_>>>()?;
        Ok(Registry::from_models(models))
    }

    async fn put_registered(&mut self, model: &RegisteredModel) -> Result<()> {
        self.put_blob(REGISTRY, blob_field::NAME, &model.name, &model.to_json()).await
    }
}

impl RunDetailStore for IndexedDbStore {
    async fn put_detail(&mut self, detail: &RunDetail) -> Result<()> {
        self.put_blob(DETAILS, blob_field::RUN_ID, &detail.run_id, &detail.to_json()).await
    }

    async fn get_detail(&self, run_id: &str) -> Result<Option<RunDetail>> {
        let json = self.get_blob(DETAILS, run_id, &format!("the detail of run {run_id}")).await?;
        json.map(|json| RunDetail::from_json(&json, run_id)).transpose()
    }
}

/// Asks the browser to keep this origin's storage when space runs low
/// (`navigator.storage.persist()`) and returns whether it agreed. Never fails: where the API
/// is missing (an insecure context, a worker) or throws, the answer is simply `false`.
pub async fn request_persistence() -> bool {
    let Some(window) = web_sys::window() else { return false };
    let storage = window.navigator().storage();
    if storage.is_undefined() {
        return false;
    }
    let Ok(promise) = storage.persist() else { return false };
    JsFuture::from(promise).await.ok().and_then(|granted| granted.as_bool()).unwrap_or(false)
}
