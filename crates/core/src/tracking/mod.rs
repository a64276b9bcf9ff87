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
use crate::metrics::MetricName;
use crate::stage::Stage;

pub mod compare;
pub mod experiments;

pub use experiments::{Experiment, Experiments, DEFAULT_EXPERIMENT_ID};

/// The version of [`RunRecord`] this build writes.
///
/// - 1: the first record (the CLI's), with the fields of version 2.
/// - 2: the same fields; a stage kept from an earlier run said so in its message
///   (`kept from run <id>: <summary>`).
/// - 3: a kept stage names its run in `kept_from`, and its message is the summary alone.
/// - 4: `experiment_id`, the experiment's id (`experiments`); `experiment` stays the name it
///   had when the run was recorded.
pub const RUN_RECORD_VERSION: u32 = 4;

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
    pub stage: Stage,
    pub state: StageState,
    pub duration_ms: f64,
    /// A one-line summary or the reason for failure.
    pub message: String,
    /// The run whose output this stage kept instead of running ("run from here"), or `None`
    /// when it ran in this run.
    #[serde(default)]
    pub kept_from: Option<String>,
}

impl StageRecord {
    /// The line a person reads: the summary, after the run it was kept from, if any.
    pub fn display_message(&self) -> String {
        match &self.kept_from {
            Some(run_id) => format!("{KEPT_FROM_PREFIX}{run_id}: {}", self.message),
            None => self.message.clone(),
        }
    }
}

/// How a kept stage's line starts (and how version 2 wrote it into the message).
pub const KEPT_FROM_PREFIX: &str = "kept from run ";

/// A stage's line as a person reads it ([`StageRecord::display_message`]) split back into the
/// run it was kept from, if any, and its summary.
pub fn split_kept_from(line: &str) -> (Option<&str>, &str) {
    match line.strip_prefix(KEPT_FROM_PREFIX).and_then(|rest| rest.split_once(": ")) {
        Some((run_id, summary)) => (Some(run_id), summary),
        None => (None, line),
    }
}

/// The data a run used: each file's fingerprint and the digest over them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetFingerprint {
    pub files: Vec<FileFingerprint>,
    /// sha256 over the per-file sha256 digests in file-name order (docs/definitions.md#dataset-fingerprint).
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
    /// The experiment's id ([`experiments::Experiment`]), which never changes.
    pub experiment_id: String,
    /// The experiment's name when the run was recorded (it may have been renamed since:
    /// [`experiments::Experiments::name_of`] says what it is called now).
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

    /// A recorded metric of one part of the split.
    pub fn metric(&self, part: Part, metric: MetricName) -> Option<f64> {
        self.metrics.get(&metric_key(part, metric)).copied()
    }

    /// Sets a user tag (MLflow's tags are the mutable part of a run); an empty value removes
    /// it. A key must be 1–250 characters and a value at most 5,000 (MLflow's limits).
    pub fn set_tag(&mut self, key: &str, value: &str) -> Result<()> {
        let key = key.trim();
        if key.is_empty() || key.chars().count() > MAX_TAG_KEY {
            return Err(Error::Params(format!("a tag's key must be 1–{MAX_TAG_KEY} characters, got {:?}", key)));
        }
        if value.chars().count() > MAX_TAG_VALUE {
            return Err(Error::Params(format!("the value of tag {key:?} is longer than {MAX_TAG_VALUE} characters")));
        }
        if value.is_empty() {
            self.tags.remove(key);
        } else {
            self.tags.insert(key.to_string(), value.to_string());
        }
        Ok(())
    }

    /// The run's note (MLflow keeps it in the tag [`NOTE_TAG`]).
    pub fn note(&self) -> &str {
        self.tags.get(NOTE_TAG).map_or("", String::as_str)
    }

    /// What kind of run this is (a record without `run_kind` is a one-step run).
    pub fn kind(&self) -> RunKind {
        match self.params.get(RUN_KIND_PARAM).map(String::as_str) {
            Some("forecast") => RunKind::Forecast,
            _ => RunKind::OneStep,
        }
    }

    /// The run's headline WMAE and what it measures: a one-step run's test WMAE, a forecast
    /// run's WMAE on the weeks after its origin, or its backtest's when those weeks are in the
    /// future. Runs are compared on this only within one [`Headline::basis`].
    pub fn headline(&self) -> Option<Headline> {
        let wmae = MetricName::Wmae.name();
        let (basis, key) = match self.kind() {
            RunKind::OneStep => ("one-step".to_string(), metric_key(Part::Test, MetricName::Wmae)),
            RunKind::Forecast => {
                let weeks = self.params.get("forecast_horizon").map_or("?", String::as_str);
                let forecast = format!("{FORECAST_PREFIX}_{wmae}");
                if self.metrics.contains_key(&forecast) {
                    (format!("{weeks}-week forecast"), forecast)
                } else {
                    (format!("{weeks}-week backtest"), format!("{BACKTEST_PREFIX}_{wmae}"))
                }
            }
        };
        self.metrics.get(&key).map(|&value| Headline { basis, value })
    }
}

/// The tag MLflow keeps a run's note in; searchable like any tag
/// (``tags.`mlflow.note.content` LIKE '%holiday%'``).
pub const NOTE_TAG: &str = "mlflow.note.content";
/// MLflow's limits on a tag's key and value, in characters.
pub const MAX_TAG_KEY: usize = 250;
pub const MAX_TAG_VALUE: usize = 5000;

/// The parameter that says a run's kind; absent on one-step runs (and every older record).
pub const RUN_KIND_PARAM: &str = "run_kind";
/// Metric keys of a forecast's scores start with this: `forecast_wmae`.
pub const FORECAST_PREFIX: &str = "forecast";
/// Metric keys of a backtest's scores start with this: `backtest_wmae`.
pub const BACKTEST_PREFIX: &str = "backtest";

/// One-step runs score each test week with last week's sales known; forecast runs score
/// every week from an origin over a horizon. Their figures are never compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    OneStep,
    Forecast,
}

impl RunKind {
    pub fn name(self) -> &'static str {
        match self {
            RunKind::OneStep => "one_step",
            RunKind::Forecast => "forecast",
        }
    }
}

/// A run's headline figure: WMAE, and what it was measured on (e.g. "one-step",
/// "39-week forecast", "39-week backtest").
#[derive(Debug, Clone, PartialEq)]
pub struct Headline {
    pub basis: String,
    pub value: f64,
}

/// The side of the split a metric is measured on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Train,
    Test,
}

impl Part {
    pub fn name(self) -> &'static str {
        match self {
            Part::Train => "train",
            Part::Test => "test",
        }
    }
}

/// A metric's key in the record: MLflow's flat names, `test_wmae`. Built here only; the
/// stored record keeps the strings, the code speaks of [`Part`] and [`MetricName`].
pub fn metric_key(part: Part, metric: MetricName) -> String {
    format!("{}_{}", part.name(), metric.name())
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

/// Reads a stored run record of this or any earlier version, upgrading it step by step.
pub fn decode_run_record(json: &str) -> Result<RunRecord> {
    decode_at_version(json, probe_version(json))
}

/// The `schema_version` of a stored record without building its JSON tree, or `None` when it
/// is not JSON or has none.
fn probe_version(json: &str) -> Option<u64> {
    #[derive(Deserialize)]
    struct Probe {
        schema_version: Option<serde_json::Value>,
    }
    serde_json::from_str::<Probe>(json).ok()?.schema_version?.as_u64()
}

/// Reads a record whose version was probed as `version`. A record of this build's version is
/// read straight into its type (listing a thousand runs reads a thousand records); anything
/// else, and a current one that does not read, goes through the JSON tree, which upgrades
/// older versions and words the errors.
fn decode_at_version(json: &str, version: Option<u64>) -> Result<RunRecord> {
    if version == Some(u64::from(RUN_RECORD_VERSION)) {
        if let Ok(run) = serde_json::from_str(json) {
            return Ok(run);
        }
    }
    let mut value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| Error::artifact("run record", format!("not JSON: {e}")))?;
    let mut version = stored_version(&value);
    if version == Some(1) {
        value = migrate_v1_to_v2(value)?;
        version = Some(2);
    }
    if version == Some(2) {
        value = migrate_v2_to_v3(value)?;
        version = Some(3);
    }
    if version == Some(3) {
        value = migrate_v3_to_v4(value)?;
        version = Some(4);
    }
    if version != Some(u64::from(RUN_RECORD_VERSION)) {
        let message = match version {
            Some(v) => format!("schema version {v} is not one this build reads (it reads 1..={RUN_RECORD_VERSION})"),
            None => format!("it has no schema_version, so it is no run record (this build reads versions 1..={RUN_RECORD_VERSION})"),
        };
        return Err(Error::artifact("run record", message));
    }
    serde_json::from_value(value).map_err(|e| Error::artifact("run record", e))
}

/// The `schema_version` of a stored record, if it has one that is a whole number.
fn stored_version(value: &serde_json::Value) -> Option<u64> {
    value.get("schema_version").and_then(serde_json::Value::as_u64)
}

/// Version 1 was written by the first builds (the CLI's `run --format json` and
/// `--runs-dir`), with exactly the fields of version 2: `contracts` and `registrable` were
/// already there. The version was raised for a change of shape that never happened, so the
/// upgrade keeps every field as it is and only renumbers the record. The fixtures in
/// `tests/fixtures/run_records/v1/` are records that such a build wrote.
fn migrate_v1_to_v2(mut value: serde_json::Value) -> Result<serde_json::Value> {
    let object = value.as_object_mut().ok_or_else(|| Error::artifact("run record", "version 1 record is not an object"))?;
    object.insert("schema_version".into(), 2.into());
    Ok(value)
}

/// Version 2 wrote a kept stage's origin into its message (`kept from run <id>: <summary>`):
/// the id moves to `kept_from` and the message keeps the summary; other stages get no
/// `kept_from`. The fixtures of real version-2 records (`tests/fixtures/run_records/v2/`)
/// include runs resumed once and twice.
fn migrate_v2_to_v3(mut value: serde_json::Value) -> Result<serde_json::Value> {
    let object = value.as_object_mut().ok_or_else(|| Error::artifact("run record", "version 2 record is not an object"))?;
    if let Some(serde_json::Value::Array(stages)) = object.get_mut("stages") {
        for stage in stages.iter_mut().filter_map(serde_json::Value::as_object_mut) {
            let message = stage.get("message").and_then(serde_json::Value::as_str).unwrap_or_default();
            let (kept_from, summary) = split_kept_from(message);
            let (kept_from, message) = (kept_from.map_or(serde_json::Value::Null, serde_json::Value::from), summary.to_string());
            stage.insert("kept_from".into(), kept_from);
            if stage.contains_key("message") {
                stage.insert("message".into(), message.into());
            }
        }
    }
    object.insert("schema_version".into(), 3.into());
    Ok(value)
}

/// Version 3 knew an experiment only by name: the record gets the id every store derives
/// from that name ([`experiments::id_for_name`]; `"0"` for the default), and keeps the name.
fn migrate_v3_to_v4(mut value: serde_json::Value) -> Result<serde_json::Value> {
    let object = value.as_object_mut().ok_or_else(|| Error::artifact("run record", "version 3 record is not an object"))?;
    let name = object.get("experiment").and_then(serde_json::Value::as_str).unwrap_or(DEFAULT_EXPERIMENT);
    object.insert("experiment_id".into(), experiments::id_for_name(name).into());
    object.insert("schema_version".into(), 4.into());
    Ok(value)
}

/// Why a stored record is not shown as a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordProblem {
    /// Written by a newer build (a record version above [`RUN_RECORD_VERSION`]): kept as it is
    /// for that build to read.
    Newer { version: u64 },
    /// It cannot be read: not JSON, a field missing or of the wrong type, stored under a key
    /// that is not its run id, …
    Unreadable { reason: String },
}

impl std::fmt::Display for RecordProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecordProblem::Newer { version } => write!(
                f,
                "written by a newer version of Shelfcast (record version {version}; this build reads 1 to {RUN_RECORD_VERSION}); kept untouched"
            ),
            RecordProblem::Unreadable { reason } => write!(f, "cannot be read: {reason}"),
        }
    }
}

/// A stored record this build cannot show as a run, with what was stored, byte for byte, so
/// it can be exported before it is deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DamagedRecord {
    /// The key the store keeps it under (as text), by which it is deleted.
    pub key: String,
    /// The stored text exactly as read.
    pub stored: String,
    pub problem: RecordProblem,
}

/// Everything a store holds: the runs it can read, newest first, and the records it cannot.
/// One bad record never hides the others.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunListing {
    pub runs: Vec<RunRecord>,
    pub damaged: Vec<DamagedRecord>,
}

impl RunListing {
    /// Reads the record stored under `key` on its own: a run, or a damaged record.
    pub fn add(&mut self, key: String, stored: String) {
        match read_stored_run(&key, &stored) {
            Ok(run) => self.runs.push(run),
            Err(problem) => self.damaged.push(DamagedRecord { key, stored, problem }),
        }
    }

    /// A record the store could not even hand over as text.
    pub fn add_damaged(&mut self, record: DamagedRecord) {
        self.damaged.push(record);
    }

    /// The runs newest first (ties by run id) and the damaged records by key, so the order
    /// never depends on the store's.
    pub fn sorted(mut self) -> Self {
        self.runs.sort_by(|a, b| b.start_time_ms.cmp(&a.start_time_ms).then_with(|| a.run_id.cmp(&b.run_id)));
        self.damaged.sort_by(|a, b| a.key.cmp(&b.key));
        self
    }
}

/// Reads the record stored under `key`: the run, or why it cannot be shown as one.
pub fn read_stored_run(key: &str, stored: &str) -> std::result::Result<RunRecord, RecordProblem> {
    let version = probe_version(stored);
    if let Some(version) = version.filter(|&v| v > u64::from(RUN_RECORD_VERSION)) {
        return Err(RecordProblem::Newer { version });
    }
    let run = decode_at_version(stored, version).map_err(|e| RecordProblem::Unreadable { reason: e.to_string() })?;
    if run.run_id != key {
        return Err(RecordProblem::Unreadable {
            reason: format!("it is stored under the key {key:?} but its run_id is {:?}", run.run_id),
        });
    }
    Ok(run)
}

/// Where runs are kept. Implemented on IndexedDB by the app, in memory for tests. The methods
/// are async because browser storage is; an in-memory store simply never waits.
#[allow(async_fn_in_trait)] // implementations live in single-threaded contexts (wasm, tests)
pub trait RunStore {
    async fn put_run(&mut self, run: &RunRecord) -> Result<()>;
    async fn get_run(&self, run_id: &str) -> Result<Option<RunRecord>>;
    /// Every stored record: the runs newest first, and those that cannot be read (each
    /// record is read on its own). An error here means the store itself could not be read.
    async fn list_runs(&self) -> Result<RunListing>;
    /// Deletes what is stored under `key` (a run id, or a damaged record's key); says
    /// whether anything was there.
    async fn delete_run(&mut self, key: &str) -> Result<bool>;
    /// The stored experiments (without the ones only runs name: see [`experiments_of`]).
    async fn list_experiments(&self) -> Result<Vec<Experiment>>;
    /// Keeps an experiment (a new one, or a new name for one), by its id.
    async fn put_experiment(&mut self, experiment: &Experiment) -> Result<()>;
}

/// Every experiment of `store` for `runs` (its listed runs): the stored ones, and an entity
/// kept now for each experiment only a run names (records from before experiments were stored)
/// and for the default.
pub async fn experiments_of(store: &mut impl RunStore, runs: &[RunRecord]) -> Result<Experiments> {
    let (experiments, added) = Experiments::of(store.list_experiments().await?, runs);
    for experiment in &added {
        store.put_experiment(experiment).await?;
    }
    Ok(experiments)
}

/// Drives a store's future that never waits (the memory store's, the CLI's file store's) to
/// its end. The stores' traits are async for IndexedDB; elsewhere nothing is awaited.
///
/// # Panics
/// If the future is not ready at once: such a store would be misused here.
pub fn ready<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(value) => value,
        std::task::Poll::Pending => panic!("a store that waits was driven without an executor"),
    }
}

/// A [`RunStore`] in memory, holding records as stored JSON so decoding is exercised too.
#[derive(Debug, Default, Clone)]
pub struct MemoryRunStore {
    runs: BTreeMap<String, String>,
    experiments: BTreeMap<String, Experiment>,
    /// Each run's detail as stored JSON (`pipeline::detail` reads and writes it).
    pub(crate) details: BTreeMap<String, String>,
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
        self.runs
            .get(run_id)
            .map(|json| read_stored_run(run_id, json).map_err(|problem| Error::artifact("run record", format!("run {run_id} {problem}"))))
            .transpose()
    }

    async fn list_runs(&self) -> Result<RunListing> {
        let mut listing = RunListing::default();
        for (key, json) in &self.runs {
            listing.add(key.clone(), json.clone());
        }
        Ok(listing.sorted())
    }

    async fn delete_run(&mut self, key: &str) -> Result<bool> {
        self.details.remove(key);
        Ok(self.runs.remove(key).is_some())
    }

    async fn list_experiments(&self) -> Result<Vec<Experiment>> {
        Ok(self.experiments.values().cloned().collect())
    }

    async fn put_experiment(&mut self, experiment: &Experiment) -> Result<()> {
        self.experiments.insert(experiment.experiment_id.clone(), experiment.clone());
        Ok(())
    }
}

/// A finished run in the default experiment with nothing recorded, for tests.
#[cfg(test)]
pub(crate) fn test_record(run_id: &str, start_time_ms: i64) -> RunRecord {
    RunRecord {
        schema_version: RUN_RECORD_VERSION,
        run_id: run_id.into(),
        experiment_id: experiments::DEFAULT_EXPERIMENT_ID.into(),
        experiment: DEFAULT_EXPERIMENT.into(),
        status: RunStatus::Finished,
        start_time_ms,
        end_time_ms: None,
        params: BTreeMap::new(),
        metrics: BTreeMap::new(),
        tags: BTreeMap::new(),
        stages: Vec::new(),
        dataset: DatasetFingerprint::new(Vec::new()),
        contracts: Vec::new(),
        registrable: true,
        error: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::test_record as record;

    #[test]
    fn tags_and_the_note_are_set_removed_and_checked() {
        let mut run = record("a", 1);
        run.set_tag(" best ", "yes").unwrap();
        run.set_tag(NOTE_TAG, "holiday weeks look off").unwrap();
        assert_eq!(run.tags["best"], "yes", "the key is trimmed");
        assert_eq!(run.note(), "holiday weeks look off");
        run.set_tag("best", "").unwrap();
        assert!(!run.tags.contains_key("best"), "an empty value removes the tag");
        assert_eq!(run.set_tag("  ", "x").unwrap_err().to_string(), "a tag's key must be 1–250 characters, got \"\"");
        assert!(run.set_tag("k", &"v".repeat(5001)).unwrap_err().to_string().contains("longer than 5000"));
        assert_eq!(run.run_id, "a", "tags never change the run's id");
    }

    /// Each stored record is read on its own: the damaged ones are listed with their reason and
    /// exactly what was stored, the good ones newest first (ties by id), and none hides another.
    #[test]
    fn a_listing_reads_every_record_on_its_own() {
        let mut store = MemoryRunStore::default();
        for (id, start) in [("b", 2), ("a", 2), ("c", 3)] {
            ready(store.put_run(&record(id, start))).unwrap();
        }
        let mut no_start: serde_json::Value = serde_json::from_str(&record("no-start", 1).to_json()).unwrap();
        no_start.as_object_mut().unwrap().remove("start_time_ms");
        let stored = [
            ("garbage", "{not json".to_string()),
            ("future", r#"{"schema_version": 5, "run_id": "future", "whatever": [1]}"#.to_string()),
            ("no-start", no_start.to_string()),
            ("elsewhere", record("other", 4).to_json()),
            ("nameless", "[]".to_string()),
        ];
        for (key, json) in &stored {
            store.put_raw(key, json.clone());
        }
        let listing = ready(store.list_runs()).unwrap();
        let ids: Vec<&str> = listing.runs.iter().map(|r| r.run_id.as_str()).collect();
        assert_eq!(ids, ["c", "a", "b"]);
        let damaged: Vec<(&str, String)> = listing.damaged.iter().map(|d| (d.key.as_str(), d.problem.to_string())).collect();
        assert_eq!(
            damaged,
            [
                ("elsewhere", r#"cannot be read: it is stored under the key "elsewhere" but its run_id is "other""#.to_string()),
                ("future", "written by a newer version of Shelfcast (record version 5; this build reads 1 to 4); kept untouched".to_string()),
                ("garbage", "cannot be read: run record: not JSON: key must be a string at line 1 column 2".to_string()),
                ("nameless", "cannot be read: run record: it has no schema_version, so it is no run record (this build reads versions 1..=4)".to_string()),
                ("no-start", "cannot be read: run record: missing field `start_time_ms`".to_string()),
            ]
        );
        for record in &listing.damaged {
            let (_, json) = stored.iter().find(|(key, _)| *key == record.key).unwrap();
            assert_eq!(&record.stored, json, "the stored text is kept byte for byte");
        }
        assert_eq!(listing.damaged[1].problem, RecordProblem::Newer { version: 5 });
        // Asked for by id, a damaged record is an error that says why; deleting it works.
        let error = ready(store.get_run("future")).unwrap_err().to_string();
        assert_eq!(error, "run record: run future written by a newer version of Shelfcast (record version 5; this build reads 1 to 4); kept untouched");
        assert!(ready(store.delete_run("garbage")).unwrap());
        assert!(!ready(store.delete_run("garbage")).unwrap());
        assert_eq!(ready(store.list_runs()).unwrap().damaged.len(), 4);
    }

    /// Version 1 records are renumbered with every field kept (the fixtures of real version-1
    /// records are checked in `tests/stored_records.rs`).
    #[test]
    fn a_version_1_record_keeps_every_field() {
        let mut run = record("v1", 5);
        run.registrable = false;
        run.contracts.push(ContractRecord { suite: "s".into(), suite_digest: "d".into(), success: false, evaluated: 3, unsuccessful: 1 });
        let stored = run.to_json().replace("\"schema_version\": 4", "\"schema_version\": 1").replace("  \"experiment_id\": \"0\",\n", "");
        assert!(stored.contains("\"schema_version\": 1"));
        assert_eq!(decode_run_record(&stored).unwrap(), run);
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
