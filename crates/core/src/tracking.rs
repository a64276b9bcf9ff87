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
pub const RUN_RECORD_VERSION: u32 = 1;

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

/// Reads a stored run record of this or any earlier version.
pub fn decode_run_record(json: &str) -> Result<RunRecord> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| Error::artifact("run record", format!("not JSON: {e}")))?;
    let version = value.get("schema_version").and_then(serde_json::Value::as_u64).unwrap_or(0);
    match version {
        v if v == u64::from(RUN_RECORD_VERSION) => {
            serde_json::from_value(value).map_err(|e| Error::artifact("run record", e))
        }
        v => Err(Error::artifact(
            "run record",
            format!("schema version {v} is not one this build reads (it reads 1..={RUN_RECORD_VERSION})"),
        )),
    }
}

/// Where runs are kept. Implemented on IndexedDB by the app, on files by the CLI, in memory
/// for tests.
pub trait RunStore {
    fn put_run(&mut self, run: &RunRecord) -> Result<()>;
    fn get_run(&self, run_id: &str) -> Result<Option<RunRecord>>;
    fn list_runs(&self) -> Result<Vec<RunRecord>>;
    fn delete_run(&mut self, run_id: &str) -> Result<bool>;
}

/// A [`RunStore`] in memory.
#[derive(Debug, Default, Clone)]
pub struct MemoryRunStore {
    runs: BTreeMap<String, String>,
}

impl RunStore for MemoryRunStore {
    fn put_run(&mut self, run: &RunRecord) -> Result<()> {
        self.runs.insert(run.run_id.clone(), run.to_json());
        Ok(())
    }

    fn get_run(&self, run_id: &str) -> Result<Option<RunRecord>> {
        self.runs.get(run_id).map(|json| decode_run_record(json)).transpose()
    }

    fn list_runs(&self) -> Result<Vec<RunRecord>> {
        let mut runs = self.runs.values().map(|json| decode_run_record(json)).collect::<Result<Vec<_>>>()?;
        runs.sort_by_key(|r| std::cmp::Reverse(r.start_time_ms));
        Ok(runs)
    }

    fn delete_run(&mut self, run_id: &str) -> Result<bool> {
        Ok(self.runs.remove(run_id).is_some())
    }
}
