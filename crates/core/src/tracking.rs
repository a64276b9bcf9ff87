//! Experiment tracking: the run record and the store trait it is kept behind.
//!
//! Entities follow MLflow (experiments, runs with immutable params, metrics, mutable tags,
//! status codes, start/end times, dataset inputs) so that a later exporter can write MLflow's
//! file store. A run record is a *versioned* serde type: every stored record carries
//! `schema_version`, and [`decode_run_record`] upgrades older versions, so an upgrade of the
//! app never loses a user's runs. Where runs live is the caller's business: the app keeps them
//! in IndexedDB, the CLI in files, tests in memory, all through [`RunStore`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::ingest::{hex, FileFingerprint};

/// The version of [`RunRecord`] this build writes.
///
/// - 1: the first record: one raw `suite` name, no contract outcomes, no `registrable`.
/// - 2: `contracts` (each suite's name, content digest and outcome) and `registrable`.
pub const RUN_RECORD_VERSION: u32 = 2;

/// The seed project's experiment name, the default.
pub const DEFAULT_EXPERIMENT: &str = "walmart_week3_baselines";

/// MLflow's run status codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RunStatus {
    Running = 1,
    Scheduled = 2,
    Finished = 3,
    Failed = 4,
    Killed = 5,
}

/// The state of one pipeline task, as Airflow's grid shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageState {
    Queued,
    Running,
    Success,
    Failed,
    Skipped,
    UpstreamFailed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageRecord {
    pub stage: String,
    pub state: StageState,
    pub duration_ms: f64,
    /// A one-line summary or the reason for failure.
    pub message: String,
}

/// The data a run used: each file's fingerprint and the digest over them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetFingerprint {
    pub files: Vec<FileFingerprint>,
    /// sha256 over the per-file sha256 digests in file-name order (DESIGN §4).
    pub digest: String,
}

impl DatasetFingerprint {
    pub fn new(mut files: Vec<FileFingerprint>) -> Self {
        files.sort_by(|a, b| a.name.cmp(&b.name));
        let mut hasher = Sha256::new();
        for file in &files {
            hasher.update(file.sha256.as_bytes());
        }
        DatasetFingerprint { digest: hex(&hasher.finalize()), files }
    }
}

/// The outcome of one expectation suite on a run's data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContractRecord {
    pub suite: String,
    /// sha256 of the suite's canonical JSON.
    pub suite_digest: String,
    pub success: bool,
    pub evaluated: usize,
    pub unsuccessful: usize,
}

/// One pipeline run, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub schema_version: u32,
    pub run_id: String,
    pub experiment: String,
    pub status: RunStatus,
    /// Milliseconds since the Unix epoch, as the caller's clock gave them.
    pub start_time_ms: i64,
    pub end_time_ms: Option<i64>,
    /// Immutable string parameters (model, hyperparameters, cutoff, horizon, seed, …).
    pub params: BTreeMap<String, String>,
    /// Final metric values, e.g. `test_wmae`.
    pub metrics: BTreeMap<String, f64>,
    pub tags: BTreeMap<String, String>,
    pub stages: Vec<StageRecord>,
    pub dataset: DatasetFingerprint,
    pub contracts: Vec<ContractRecord>,
    /// Whether the model may be registered (a failed feature contract says no).
    pub registrable: bool,
    /// Why the run failed, if it did.
    pub error: Option<String>,
}

impl RunRecord {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("run records serialize")
    }
}

/// A run id derived from what makes the run (no randomness in the core): 32 hex digits like
/// MLflow's.
pub fn derive_run_id(start_time_ms: i64, dataset_digest: &str, params: &BTreeMap<String, String>) -> String {
    let mut hasher = Sha256::new();
    hasher.update(start_time_ms.to_le_bytes());
    hasher.update(dataset_digest.as_bytes());
    for (k, v) in params {
        hasher.update(k.as_bytes());
        hasher.update([0]);
        hasher.update(v.as_bytes());
        hasher.update([0]);
    }
    hex(&hasher.finalize()[..16])
}

/// A record exactly as version 1 wrote it (before contract outcomes and registrability): the
/// fixture of every store's migration test, here so that each store tests the same bytes.
pub const VERSION_1_RECORD_EXAMPLE: &str = r#"{
    "schema_version": 1, "run_id": "0123456789abcdef0123456789abcdef", "experiment": "walmart_week3_baselines",
    "status": "FINISHED", "start_time_ms": 1700000000000, "end_time_ms": 1700000001000,
    "params": {"model": "ridge", "alpha": "1"}, "metrics": {"test_wmae": 2858.373}, "tags": {},
    "stages": [{"stage": "ingest", "state": "success", "duration_ms": 12.5, "message": "train.csv: 421570 rows"}],
    "dataset": {"files": [], "digest": "abc"}, "suite": "sales_expectation_suite", "error": null
}"#;

/// Reads a stored run record of this or any earlier version, upgrading it step by step.
pub fn decode_run_record(json: &str) -> Result<RunRecord> {
    let mut value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| Error::artifact("run record", format!("not JSON: {e}")))?;
    let mut version = value.get("schema_version").and_then(serde_json::Value::as_u64).unwrap_or(0);
    if version == 1 {
        value = migrate_v1_to_v2(value)?;
        version = 2;
    }
    if version != u64::from(RUN_RECORD_VERSION) {
        return Err(Error::artifact(
            "run record",
            format!("schema version {version} is not one this build reads (it reads 1..={RUN_RECORD_VERSION})"),
        ));
    }
    serde_json::from_value(value).map_err(|e| Error::artifact("run record", e))
}

/// Version 1 named its raw suite in `suite` and knew nothing of digests or registrability:
/// the suite becomes a contract record with an unknown digest, whose outcome follows from
/// the run's status (a failed raw contract failed the run), and a finished run is registrable.
fn migrate_v1_to_v2(mut value: serde_json::Value) -> Result<serde_json::Value> {
    let object = value.as_object_mut().ok_or_else(|| Error::artifact("run record", "version 1 record is not an object"))?;
    let finished = object.get("status").and_then(|s| s.as_str()) == Some("FINISHED");
    let contracts: Vec<serde_json::Value> = match object.remove("suite") {
        Some(serde_json::Value::String(name)) => {
            let failed = object.get("error").and_then(|e| e.as_str()).is_some_and(|e| e.contains("data contract"));
            vec![serde_json::json!({
                "suite": name, "suite_digest": "", "success": !failed, "evaluated": 0, "unsuccessful": usize::from(failed)
            })]
        }
        _ => Vec::new(),
    };
    object.insert("contracts".into(), contracts.into());
    object.insert("registrable".into(), finished.into());
    object.insert("schema_version".into(), 2.into());
    Ok(value)
}

/// Where runs are kept. Implemented on IndexedDB by the app, in memory for tests. The methods
/// are async because browser storage is; an in-memory store simply never waits.
#[allow(async_fn_in_trait)] // implementations live in single-threaded contexts (wasm, tests)
pub trait RunStore {
    async fn put_run(&mut self, run: &RunRecord) -> Result<()>;
    async fn get_run(&self, run_id: &str) -> Result<Option<RunRecord>>;
    /// Every run, newest first.
    async fn list_runs(&self) -> Result<Vec<RunRecord>>;
    async fn delete_run(&mut self, run_id: &str) -> Result<bool>;
}

/// A [`RunStore`] in memory, holding records as stored JSON so decoding is exercised too.
#[derive(Debug, Default, Clone)]
pub struct MemoryRunStore {
    runs: BTreeMap<String, String>,
}

impl MemoryRunStore {
    /// Stores raw JSON as an older build would have written it.
    pub fn put_raw(&mut self, run_id: &str, json: String) {
        self.runs.insert(run_id.to_string(), json);
    }
}

impl RunStore for MemoryRunStore {
    async fn put_run(&mut self, run: &RunRecord) -> Result<()> {
        self.runs.insert(run.run_id.clone(), run.to_json());
        Ok(())
    }

    async fn get_run(&self, run_id: &str) -> Result<Option<RunRecord>> {
        self.runs.get(run_id).map(|json| decode_run_record(json)).transpose()
    }

    async fn list_runs(&self) -> Result<Vec<RunRecord>> {
        let mut runs = self.runs.values().map(|json| decode_run_record(json)).collect::<Result<Vec<_>>>()?;
        runs.sort_by_key(|r| std::cmp::Reverse(r.start_time_ms));
        Ok(runs)
    }

    async fn delete_run(&mut self, run_id: &str) -> Result<bool> {
        Ok(self.runs.remove(run_id).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Drives a future that never waits (the in-memory store's) to completion.
    fn ready<F: std::future::Future>(future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match future.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(value) => value,
            std::task::Poll::Pending => panic!("the in-memory store never waits"),
        }
    }

    #[test]
    fn a_version_1_record_is_upgraded_and_kept() {
        let mut store = MemoryRunStore::default();
        store.put_raw("0123456789abcdef0123456789abcdef", VERSION_1_RECORD_EXAMPLE.to_string());
        let runs = ready(store.list_runs()).unwrap();
        assert_eq!(runs.len(), 1);
        let run = &runs[0];
        assert_eq!(run.schema_version, RUN_RECORD_VERSION);
        assert_eq!(run.contracts[0].suite, "sales_expectation_suite");
        assert!(run.contracts[0].success);
        assert!(run.registrable);
        assert_eq!(run.metrics["test_wmae"], 2858.373);
        // Saved again, it is written in the current version and reads back equal.
        ready(store.put_run(run)).unwrap();
        assert_eq!(ready(store.get_run(&run.run_id)).unwrap().as_ref(), Some(run));
        assert!(ready(store.delete_run(&run.run_id)).unwrap());
        assert!(ready(store.list_runs()).unwrap().is_empty());
    }

    #[test]
    fn unknown_versions_are_refused_not_misread() {
        let err = decode_run_record(r#"{"schema_version": 99}"#).unwrap_err();
        assert!(err.to_string().contains("schema version 99"), "{err}");
    }

    #[test]
    fn dataset_digest_is_order_independent_and_over_file_digests() {
        let file = |name: &str, sha: &str| FileFingerprint { name: name.into(), sha256: sha.into(), bytes: 1, rows: 1 };
        let a = DatasetFingerprint::new(vec![file("train.csv", "aa"), file("stores.csv", "bb")]);
        let b = DatasetFingerprint::new(vec![file("stores.csv", "bb"), file("train.csv", "aa")]);
        assert_eq!(a, b);
        assert_eq!(a.digest, crate::ingest::sha256_hex(b"bbaa"));
    }
}
