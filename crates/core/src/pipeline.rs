//! The pipeline: one definition of the stages, their order and their gating, shared by the
//! CLI, the browser worker and the tests.
//!
//! ingest → raw contract → features → feature contract → split → train → evaluate.
//! A failed raw contract stops everything downstream (fail fast: bad data never trains a
//! model) unless the caller explicitly continues, which the run records. A failed feature
//! contract lets the run finish but marks it not registrable. Every stage reports its state,
//! duration and a summary line to an observer, which the CLI prints and the worker posts to
//! the page. Times come from the caller's [`Clock`]; the core reads none.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::calendar::{format_date, format_timestamp_ms};
use crate::contracts::{self, ResultFormat, Suite, ValidationOptions, ValidationResult};
use crate::error::{Error, Result};
use crate::features::{build_features_with, model_data_at, FeatureConfig, FeatureInputs, ModelData};
use crate::frame::Frame;
use crate::ingest::{is_join_file, read_table, schema_for_file, ReadProgress, TableSchema, FEATURES, STORES, TRAIN};
use crate::metrics::{score, Metrics};
use crate::models::{FitContext, FittedModel, ModelKind, ModelSpec, TrainingSet};
use crate::split::split_rows;
use crate::tracking::{
    derive_run_id, ContractRecord, DatasetFingerprint, RunRecord, RunStatus, StageRecord, StageState, RUN_RECORD_VERSION,
};

/// The stages, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Ingest,
    RawContract,
    Features,
    FeatureContract,
    Split,
    Train,
    Evaluate,
}

impl Stage {
    pub const ALL: [Stage; 7] =
        [Stage::Ingest, Stage::RawContract, Stage::Features, Stage::FeatureContract, Stage::Split, Stage::Train, Stage::Evaluate];

    pub fn name(self) -> &'static str {
        match self {
            Stage::Ingest => "ingest",
            Stage::RawContract => "raw_contract",
            Stage::Features => "features",
            Stage::FeatureContract => "feature_contract",
            Stage::Split => "split",
            Stage::Train => "train",
            Stage::Evaluate => "evaluate",
        }
    }
}

/// The caller's clock: milliseconds since the Unix epoch (fractions allowed).
pub trait Clock {
    fn now_ms(&self) -> f64;
}

/// What the pipeline tells its observer while it runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum PipelineEvent {
    /// A stage changed state; `duration_ms` is set once it has ended.
    Stage { stage: Stage, state: StageState, duration_ms: Option<f64>, message: String },
    /// Progress within a stage (`done` of `total` units) and what it means to a person,
    /// e.g. "52,000 rows read" or "20 of 70 trees built".
    Progress { stage: Stage, done: usize, total: usize, note: String },
}

/// An input file, by name: `train.csv` or `train.csv.gz`, and `features.csv[.gz]` and
/// `stores.csv[.gz]` when the feature joins use them (found by name; a lone input is the
/// sales file whatever its name).
#[derive(Debug, Clone)]
pub struct InputFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The suites a run validates with.
#[derive(Debug, Clone)]
pub struct Suites {
    pub raw: Suite,
    pub features: Option<Suite>,
}

pub const SALES_SUITE_JSON: &str = include_str!("../../../expectations/sales_expectation_suite.json");
pub const FEATURE_SUITE_JSON: &str = include_str!("../../../expectations/feature_expectation_suite.json");

impl Suites {
    /// The suites shipped in `expectations/`.
    pub fn shipped() -> Self {
        Suites {
            raw: Suite::from_json("sales_expectation_suite.json", SALES_SUITE_JSON).expect("the shipped sales suite loads"),
            features: Some(
                Suite::from_json("feature_expectation_suite.json", FEATURE_SUITE_JSON).expect("the shipped feature suite loads"),
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PipelineConfig {
    pub experiment: String,
    pub model: ModelSpec,
    pub features: FeatureConfig,
    /// Days since the epoch; `None` for the default (latest date − 38 weeks).
    pub cutoff: Option<i32>,
    pub seed: u64,
    /// Go on after a failed raw contract (recorded on the run).
    pub continue_on_contract_failure: bool,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        PipelineConfig {
            experiment: crate::tracking::DEFAULT_EXPERIMENT.to_string(),
            model: ModelSpec::new(ModelKind::Ridge, &[]).expect("default parameters are valid"),
            features: FeatureConfig::default(),
            cutoff: None,
            seed: 42,
            continue_on_contract_failure: false,
        }
    }
}

/// Scores of the fitted model and what the app plots from them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Evaluation {
    pub train: Metrics,
    pub test: Metrics,
    pub test_rows: TestRows,
}

/// The test part row by row: keys, actual and predicted sales.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TestRows {
    pub store: Vec<i64>,
    pub dept: Vec<i64>,
    pub date: Vec<i32>,
    pub holiday: Vec<bool>,
    pub actual: Vec<f64>,
    pub predicted: Vec<f64>,
}

/// One point of an actual-vs-predicted chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesPoint {
    pub date: String,
    pub actual: f64,
    pub predicted: f64,
}

impl TestRows {
    fn points(&self, keep: impl Fn(usize) -> bool) -> Vec<SeriesPoint> {
        let mut by_date: BTreeMap<i32, (f64, f64)> = BTreeMap::new();
        for i in (0..self.actual.len()).filter(|&i| keep(i)) {
            let entry = by_date.entry(self.date[i]).or_default();
            entry.0 += self.actual[i];
            entry.1 += self.predicted[i];
        }
        by_date
            .into_iter()
            .map(|(date, (actual, predicted))| SeriesPoint { date: format_date(date), actual, predicted })
            .collect()
    }

    /// Total sales per test week, actual and predicted.
    pub fn totals_by_date(&self) -> Vec<SeriesPoint> {
        self.points(|_| true)
    }

    /// One store/department's test weeks, actual and predicted.
    pub fn series(&self, store: i64, dept: i64) -> Vec<SeriesPoint> {
        self.points(|i| self.store[i] == store && self.dept[i] == dept)
    }

    /// The (Store, Dept) pairs of the test part, sorted.
    pub fn series_keys(&self) -> Vec<(i64, i64)> {
        let mut keys: Vec<(i64, i64)> = self.store.iter().copied().zip(self.dept.iter().copied()).collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }

    /// The distribution of residuals (actual − predicted) on the test part.
    pub fn residual_histogram(&self) -> Vec<crate::profile::HistogramBin> {
        let residuals: Vec<f64> = self.actual.iter().zip(&self.predicted).map(|(a, p)| a - p).collect();
        // Clip the display range to the 0.5–99.5 % quantiles so a few outliers do not flatten it.
        let mut sorted = residuals.clone();
        sorted.sort_unstable_by(f64::total_cmp);
        let at = |q: f64| sorted.get(((sorted.len() as f64 - 1.0) * q) as usize).copied().unwrap_or(0.0);
        let (lo, hi) = (at(0.005), at(0.995));
        let clipped: Vec<f64> = residuals.iter().map(|r| r.clamp(lo, hi)).collect();
        crate::profile::histogram(&clipped, lo, hi)
    }
}

/// What each stage produced, kept so that a later run can start from any stage with the
/// outputs upstream of it (Airflow's "clear downstream and run": upstream tasks are not run
/// again). Large outputs are shared, not copied, between runs.
#[derive(Debug, Clone, Default)]
pub struct StageOutputs {
    pub ingest: Option<Arc<Ingested>>,
    pub raw_contract: Option<Arc<ContractOutcome>>,
    pub features: Option<Frame>,
    /// `None` inside when the run had no feature suite.
    pub feature_contract: Option<Arc<Option<ContractOutcome>>>,
    pub split: Option<Arc<SplitParts>>,
    pub model: Option<Arc<FittedModel>>,
    pub evaluation: Option<Arc<Evaluation>>,
}

impl StageOutputs {
    /// Takes `stage`'s output from `other` (shared, not copied).
    fn share(&mut self, stage: Stage, other: &StageOutputs) {
        match stage {
            Stage::Ingest => self.ingest.clone_from(&other.ingest),
            Stage::RawContract => self.raw_contract.clone_from(&other.raw_contract),
            Stage::Features => self.features.clone_from(&other.features),
            Stage::FeatureContract => self.feature_contract.clone_from(&other.feature_contract),
            Stage::Split => self.split.clone_from(&other.split),
            Stage::Train => self.model.clone_from(&other.model),
            Stage::Evaluate => self.evaluation.clone_from(&other.evaluation),
        }
    }

    fn has(&self, stage: Stage) -> bool {
        match stage {
            Stage::Ingest => self.ingest.is_some(),
            Stage::RawContract => self.raw_contract.is_some(),
            Stage::Features => self.features.is_some(),
            Stage::FeatureContract => self.feature_contract.is_some(),
            Stage::Split => self.split.is_some(),
            Stage::Train => self.model.is_some(),
            Stage::Evaluate => self.evaluation.is_some(),
        }
    }
}

/// The ingested tables and the fingerprint of the files they came from.
#[derive(Debug)]
pub struct Ingested {
    pub sales: Frame,
    /// features.csv, when `join_features` is on.
    pub store_weeks: Option<Frame>,
    /// stores.csv, when `join_stores` is on.
    pub stores: Option<Frame>,
    pub dataset: DatasetFingerprint,
}

/// A suite's validation and its line in the run record.
#[derive(Debug)]
pub struct ContractOutcome {
    pub record: ContractRecord,
    pub validation: ValidationResult,
}

/// The two sides of the time-based split as model inputs.
#[derive(Debug)]
pub struct SplitParts {
    pub cutoff: i32,
    pub train: ModelData,
    pub test: ModelData,
    /// Each test row's index in the feature table.
    pub test_rows_at: Vec<u32>,
}

/// Everything a run produced. The pipeline never panics and never returns early without a
/// record: a failure is in `error` and in the record's status and stages. An outcome is also
/// the checkpoint a later [`run_from`] starts from.
#[derive(Debug)]
pub struct PipelineOutcome {
    pub record: RunRecord,
    pub config: PipelineConfig,
    /// The first stage that ran; the ones before it were kept from an earlier run.
    pub started_at: Stage,
    pub outputs: StageOutputs,
    pub error: Option<Error>,
}

impl PipelineOutcome {
    /// True when the run stopped because a data contract failed.
    pub fn contract_failed(&self) -> bool {
        matches!(self.error, Some(Error::ContractFailed { .. }))
    }

    /// The ingested sales table (for the app's profile and preview).
    pub fn sales(&self) -> Option<&Frame> {
        self.outputs.ingest.as_deref().map(|i| &i.sales)
    }

    pub fn raw_validation(&self) -> Option<&ValidationResult> {
        self.outputs.raw_contract.as_deref().map(|c| &c.validation)
    }

    pub fn feature_validation(&self) -> Option<&ValidationResult> {
        self.outputs.feature_contract.as_deref().and_then(Option::as_ref).map(|c| &c.validation)
    }

    pub fn model(&self) -> Option<&FittedModel> {
        self.outputs.model.as_deref()
    }

    pub fn evaluation(&self) -> Option<&Evaluation> {
        self.outputs.evaluation.as_deref()
    }

    /// Where a run from `requested` on top of this outcome really has to start with `config`
    /// and `suites`: a stage whose settings changed, or that did not succeed here, has to run
    /// again and so has everything after it. Returns the stage and, when it is earlier than
    /// the requested one, why.
    pub fn resume_stage(&self, requested: Stage, config: &PipelineConfig, suites: &Suites) -> (Stage, Option<String>) {
        let previous = &self.config;
        let suite_changed = |index: usize, suite: Option<&Suite>| {
            self.record.contracts.get(index).map(|c| c.suite_digest.clone()) != suite.map(Suite::digest)
        };
        let mut reasons: Vec<(Stage, String)> = Vec::new();
        if let Some(stage) = Stage::ALL.into_iter().find(|&s| {
            let succeeded = self.record.stages.iter().any(|r| r.stage == s.name() && r.state == StageState::Success);
            !(succeeded && self.outputs.has(s))
        }) {
            reasons.push((stage, format!("{} did not complete in run {}", stage.name(), self.record.run_id)));
        }
        if previous.continue_on_contract_failure != config.continue_on_contract_failure || suite_changed(0, Some(&suites.raw)) {
            reasons.push((Stage::RawContract, "the raw contract's settings changed".into()));
        }
        let (was, now) = (&previous.features, &config.features);
        if (was.join_features, was.join_stores) != (now.join_features, now.join_stores) {
            // Ingest reads the joined files only when a join is on.
            reasons.push((Stage::Ingest, "the joins changed: the files they use are read at ingest".into()));
        }
        if was != now {
            reasons.push((Stage::Features, "the feature settings changed".into()));
        }
        if now.series_stats && previous.cutoff != config.cutoff {
            reasons.push((Stage::Features, "the series statistics depend on the cutoff, which changed".into()));
        }
        let feature_suite_ran = self.outputs.feature_contract.as_deref().is_some_and(Option::is_some);
        if feature_suite_ran != suites.features.is_some() || (feature_suite_ran && suite_changed(1, suites.features.as_ref())) {
            reasons.push((Stage::FeatureContract, "the feature suite changed".into()));
        }
        if previous.cutoff != config.cutoff {
            reasons.push((Stage::Split, "the cutoff changed".into()));
        }
        if previous.model != config.model || previous.seed != config.seed {
            reasons.push((Stage::Train, "the model settings changed".into()));
        }
        match reasons.into_iter().filter(|(stage, _)| *stage < requested).min_by_key(|(stage, _)| *stage) {
            Some((stage, reason)) => (stage, Some(format!("starting at {} instead of {}: {reason}", stage.name(), requested.name()))),
            None => (requested, None),
        }
    }
}

/// Runs the whole pipeline on `inputs`.
pub fn run(
    inputs: &[InputFile],
    config: &PipelineConfig,
    suites: &Suites,
    clock: &dyn Clock,
    observer: &mut dyn FnMut(PipelineEvent),
) -> PipelineOutcome {
    let mut run = Runner::new(config, suites, clock, observer);
    let result = run.stages_from(inputs, None);
    run.finish(Stage::Ingest, result)
}

/// Runs the pipeline from `stage` on, keeping the outputs of the stages before it from
/// `previous` (they are recorded as succeeded, with their original duration and a note of
/// the run they come from). If a stage before `stage` has other settings in `config` than
/// in `previous`, or did not succeed there, the run starts at that stage instead and its
/// first event says why; `inputs` are read again only when it has to start at ingest.
pub fn run_from(
    stage: Stage,
    previous: &PipelineOutcome,
    inputs: &[InputFile],
    config: &PipelineConfig,
    suites: &Suites,
    clock: &dyn Clock,
    observer: &mut dyn FnMut(PipelineEvent),
) -> PipelineOutcome {
    let (start, reason) = previous.resume_stage(stage, config, suites);
    let mut run = Runner::new(config, suites, clock, observer);
    if start > Stage::Ingest {
        run.tags.insert("resumed_from_run".into(), previous.record.run_id.clone());
        run.tags.insert("resumed_at_stage".into(), start.name().into());
    }
    if let Some(reason) = reason {
        (run.observer)(PipelineEvent::Progress { stage: start, done: 0, total: 0, note: reason });
    }
    let result = run.stages_from(inputs, Some((start, previous)));
    run.finish(start, result)
}

/// The ingest stage: reads the sales file among `inputs` and the files the feature joins
/// of `features` use, and fingerprints every file read. `progress` follows the sales file.
///
/// A single input is the sales file whatever its name (a user's `sales_2012.csv`, the CLI's
/// `--data file`); among several, train.csv is found by name, else it is the one input that
/// is neither features.csv nor stores.csv. The join files are read only when a switch uses
/// them; a switch without its file is an error that names the file.
pub fn ingest(inputs: &[InputFile], features: &FeatureConfig, progress: &mut dyn FnMut(ReadProgress)) -> Result<Ingested> {
    let by_name = |schema: &TableSchema| inputs.iter().find(|f| schema_for_file(&f.name) == Some(schema));
    let names = || inputs.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", ");
    let unnamed = || {
        let mut others = inputs.iter().filter(|f| !is_join_file(&f.name));
        others.next().filter(|_| others.next().is_none())
    };
    let train = match inputs {
        [only] => Some(only),
        _ => by_name(&TRAIN).or_else(unnamed),
    };
    let train = train.ok_or_else(|| Error::stage("ingest", format!("no train.csv or train.csv.gz among the inputs ({})", names())))?;
    let wanted = |on: bool, schema: &TableSchema, switch: &str| -> Result<Option<&InputFile>> {
        if !on {
            return Ok(None);
        }
        by_name(schema).map(Some).ok_or_else(|| {
            let file = schema.file_name;
            Error::stage("ingest", format!("{switch} is on but {file} (or {file}.gz) is not among the inputs ({})", names()))
        })
    };
    let store_weeks = wanted(features.join_features, &FEATURES, "join_features")?;
    let stores = wanted(features.join_stores, &STORES, "join_stores")?;
    let sales = read_table(&train.name, &train.bytes, &TRAIN, progress)?;
    let read_joined = |file: Option<&InputFile>, schema: &TableSchema| {
        file.map(|f| read_table(&f.name, &f.bytes, schema, &mut |_| {})).transpose()
    };
    let (store_weeks, stores) = (read_joined(store_weeks, &FEATURES)?, read_joined(stores, &STORES)?);
    let files = [Some(&sales), store_weeks.as_ref(), stores.as_ref()].into_iter().flatten().map(|t| t.fingerprint.clone());
    let dataset = DatasetFingerprint::new(files.collect());
    Ok(Ingested { sales: sales.frame, store_weeks: store_weeks.map(|t| t.frame), stores: stores.map(|t| t.frame), dataset })
}

/// Carries a run's state from stage to stage.
struct Runner<'a> {
    config: &'a PipelineConfig,
    suites: &'a Suites,
    clock: &'a dyn Clock,
    observer: &'a mut dyn FnMut(PipelineEvent),
    start_ms: f64,
    stages: Vec<StageRecord>,
    params: BTreeMap<String, String>,
    metrics: BTreeMap<String, f64>,
    tags: BTreeMap<String, String>,
    outputs: StageOutputs,
}

/// A stage's output that a later stage needs; missing only through a bug in the ordering.
fn upstream<T: ?Sized>(output: Option<&T>, stage: Stage) -> Result<&T> {
    output.ok_or_else(|| Error::stage(stage.name(), "the output of an earlier stage is missing"))
}

impl<'a> Runner<'a> {
    fn new(config: &'a PipelineConfig, suites: &'a Suites, clock: &'a dyn Clock, observer: &'a mut dyn FnMut(PipelineEvent)) -> Self {
        let mut params = BTreeMap::new();
        params.insert("model".to_string(), config.model.kind().name().to_string());
        params.extend(config.model.params());
        params.insert("horizon".into(), config.features.horizon.to_string());
        for (switch, on) in config.features.switches() {
            params.insert(switch.into(), on.to_string());
        }
        params.insert("seed".into(), config.seed.to_string());
        params.insert("raw_suite".into(), suites.raw.name().to_string());
        if let Some(suite) = &suites.features {
            params.insert("feature_suite".into(), suite.name().to_string());
        }
        params.insert("continue_on_contract_failure".into(), config.continue_on_contract_failure.to_string());
        for stage in Stage::ALL {
            observer(PipelineEvent::Stage { stage, state: StageState::Queued, duration_ms: None, message: String::new() });
        }
        Runner {
            config,
            suites,
            clock,
            observer,
            start_ms: clock.now_ms(),
            stages: Vec::new(),
            params,
            metrics: BTreeMap::new(),
            tags: BTreeMap::new(),
            outputs: StageOutputs::default(),
        }
    }

    /// Runs one stage: announces it, times it, records its outcome.
    fn stage<T>(&mut self, stage: Stage, work: impl FnOnce(&mut Self) -> Result<(T, String)>) -> Result<T> {
        (self.observer)(PipelineEvent::Stage { stage, state: StageState::Running, duration_ms: None, message: String::new() });
        let started = self.clock.now_ms();
        let outcome = work(self);
        let duration_ms = self.clock.now_ms() - started;
        let (state, message, value) = match outcome {
            Ok((value, message)) => (StageState::Success, message, Ok(value)),
            Err(error) => (StageState::Failed, error.to_string(), Err(error)),
        };
        self.ended(stage, state, Some(duration_ms), message);
        value
    }

    /// A stage has ended (or will not run): tells the observer and records it.
    fn ended(&mut self, stage: Stage, state: StageState, duration_ms: Option<f64>, message: String) {
        (self.observer)(PipelineEvent::Stage { stage, state, duration_ms, message: message.clone() });
        self.stages.push(StageRecord { stage: stage.name().to_string(), state, duration_ms: duration_ms.unwrap_or(0.0), message });
    }

    /// Takes a stage's output from an earlier run instead of running it.
    fn keep(&mut self, stage: Stage, previous: &PipelineOutcome) {
        let earlier = previous.record.stages.iter().find(|r| r.stage == stage.name());
        let duration_ms = earlier.map_or(0.0, |r| r.duration_ms);
        let summary = earlier.map_or("", |r| r.message.as_str());
        let message = if summary.starts_with(KEPT_PREFIX) {
            summary.to_string()
        } else {
            format!("{KEPT_PREFIX}{}: {summary}", previous.record.run_id)
        };
        self.outputs.share(stage, &previous.outputs);
        self.after(stage);
        self.ended(stage, StageState::Success, Some(duration_ms), message);
    }

    /// What a stage's output adds to the run record, whether it ran now or was kept.
    fn after(&mut self, stage: Stage) {
        match stage {
            Stage::RawContract => {
                if let Some(raw) = self.outputs.raw_contract.as_deref() {
                    if !raw.record.success {
                        self.tags.insert("contract_failure_continued".into(), raw.record.suite.clone());
                    }
                }
            }
            Stage::Split => {
                if let Some(split) = self.outputs.split.as_deref() {
                    self.params.insert("cutoff".into(), format_date(split.cutoff));
                    self.params.insert("train_rows".into(), split.train.y.len().to_string());
                    self.params.insert("test_rows".into(), split.test.y.len().to_string());
                }
            }
            Stage::Evaluate => {
                if let Some(evaluation) = self.outputs.evaluation.as_deref() {
                    for (prefix, m) in [("train", &evaluation.train), ("test", &evaluation.test)] {
                        self.metrics.insert(format!("{prefix}_mae"), m.mae);
                        self.metrics.insert(format!("{prefix}_rmse"), m.rmse);
                        self.metrics.insert(format!("{prefix}_r2"), m.r2);
                        self.metrics.insert(format!("{prefix}_wmae"), m.wmae);
                    }
                }
            }
            Stage::Ingest | Stage::Features | Stage::FeatureContract | Stage::Train => {}
        }
    }

    /// Runs every stage in order; with `resume = Some((start, previous))` the stages before
    /// `start` are kept from `previous`.
    fn stages_from(&mut self, inputs: &[InputFile], resume: Option<(Stage, &PipelineOutcome)>) -> Result<()> {
        for stage in Stage::ALL {
            if let Some((start, previous)) = resume {
                if stage < start {
                    self.keep(stage, previous);
                    continue;
                }
            }
            match stage {
                Stage::Ingest => {
                    let ingested = self.stage(stage, |run| run.ingest(inputs))?;
                    self.outputs.ingest = Some(Arc::new(ingested));
                }
                Stage::RawContract => {
                    let ingested = Arc::clone(upstream(self.outputs.ingest.as_ref(), stage)?);
                    let outcome = self.stage(stage, |run| run.raw_contract(&ingested.sales))?;
                    self.outputs.raw_contract = Some(Arc::new(outcome));
                }
                Stage::Features => {
                    let ingested = Arc::clone(upstream(self.outputs.ingest.as_ref(), stage)?);
                    let features = self.stage(stage, |run| {
                        let extra = FeatureInputs {
                            store_weeks: ingested.store_weeks.as_ref(),
                            stores: ingested.stores.as_ref(),
                            cutoff: run.config.cutoff,
                        };
                        let features = build_features_with(&ingested.sales, &run.config.features, &extra)?;
                        let message = format!("{} rows × {} columns", features.num_rows(), features.num_columns());
                        Ok((features, message))
                    })?;
                    self.outputs.features = Some(features);
                }
                Stage::FeatureContract => {
                    let features = upstream(self.outputs.features.as_ref(), stage)?.clone();
                    let outcome = self.stage(stage, |run| run.feature_contract(&features))?;
                    self.outputs.feature_contract = Some(Arc::new(outcome));
                }
                Stage::Split => {
                    let features = upstream(self.outputs.features.as_ref(), stage)?.clone();
                    let parts = self.stage(stage, |run| run.split(&features))?;
                    self.outputs.split = Some(Arc::new(parts));
                }
                Stage::Train => {
                    let split = Arc::clone(upstream(self.outputs.split.as_ref(), stage)?);
                    let model = self.stage(stage, |run| run.train(&split.train))?;
                    self.outputs.model = Some(Arc::new(model));
                }
                Stage::Evaluate => {
                    let split = Arc::clone(upstream(self.outputs.split.as_ref(), stage)?);
                    let model = Arc::clone(upstream(self.outputs.model.as_ref(), stage)?);
                    let features = upstream(self.outputs.features.as_ref(), stage)?.clone();
                    let evaluation = self.stage(stage, |run| run.evaluate(&model, &split, &features))?;
                    self.outputs.evaluation = Some(Arc::new(evaluation));
                }
            }
            self.after(stage);
        }
        Ok(())
    }

    fn ingest(&mut self, inputs: &[InputFile]) -> Result<(Ingested, String)> {
        let mut report = |p: ReadProgress| {
            let note = format!("{} rows read", p.rows);
            (self.observer)(PipelineEvent::Progress { stage: Stage::Ingest, done: p.bytes_read, total: p.bytes_total, note })
        };
        let ingested = ingest(inputs, &self.config.features, &mut report)?;
        // The sales file first, then the join files (the fingerprint lists them by name).
        let mut files: Vec<_> = ingested.dataset.files.iter().collect();
        files.sort_by_key(|f| is_join_file(&f.name));
        let rows: Vec<String> = files.iter().map(|f| format!("{}: {} rows", f.name, f.rows)).collect();
        Ok((ingested, rows.join("; ")))
    }

    fn validation_options(&self) -> ValidationOptions {
        let digest = self.outputs.ingest.as_deref().map(|i| i.dataset.digest.clone());
        ValidationOptions {
            result_format: ResultFormat::Summary,
            run_time: Some(format_timestamp_ms(self.start_ms as i64)),
            data_fingerprint: digest,
            parameters: BTreeMap::from([("horizon".to_string(), serde_json::json!(self.config.features.horizon))]),
        }
    }

    fn validate(&self, suite: &Suite, frame: &Frame) -> ContractOutcome {
        let validation = contracts::validate(suite, frame, &self.validation_options());
        let record = ContractRecord {
            suite: suite.name().to_string(),
            suite_digest: suite.digest(),
            success: validation.success,
            evaluated: validation.statistics.evaluated_expectations,
            unsuccessful: validation.statistics.unsuccessful_expectations,
        };
        ContractOutcome { record, validation }
    }

    fn raw_contract(&mut self, sales: &Frame) -> Result<(ContractOutcome, String)> {
        let suite = &self.suites.raw;
        let outcome = self.validate(suite, sales);
        let summary = contract_summary(suite, &outcome.validation);
        if outcome.validation.success {
            return Ok((outcome, summary));
        }
        if self.config.continue_on_contract_failure {
            return Ok((outcome, format!("{summary}; continuing as asked (run not registrable)")));
        }
        let stats = &outcome.validation.statistics;
        let error = Error::ContractFailed {
            suite: suite.name().to_string(),
            failed: stats.unsuccessful_expectations,
            evaluated: stats.evaluated_expectations,
        };
        // The failed validation stays in the outputs: the page shows which expectations failed.
        self.outputs.raw_contract = Some(Arc::new(outcome));
        Err(error)
    }

    fn feature_contract(&mut self, features: &Frame) -> Result<(Option<ContractOutcome>, String)> {
        let Some(suite) = &self.suites.features else {
            return Ok((None, "no feature suite".into()));
        };
        let outcome = self.validate(suite, features);
        let mut summary = contract_summary(suite, &outcome.validation);
        if !outcome.validation.success {
            summary.push_str("; the run is not registrable");
        }
        Ok((Some(outcome), summary))
    }

    fn split(&mut self, features: &Frame) -> Result<(SplitParts, String)> {
        let features_config = &self.config.features;
        let split = split_rows(features, self.config.cutoff, &features_config.required_lag_column())?;
        let train = model_data_at(features, features_config, &split.train)?;
        let test = model_data_at(features, features_config, &split.test)?;
        let message = format!("cutoff {}: {} training rows, {} test rows", format_date(split.cutoff), train.y.len(), test.y.len());
        Ok((SplitParts { cutoff: split.cutoff, train, test, test_rows_at: split.test }, message))
    }

    fn train(&mut self, train: &ModelData) -> Result<(FittedModel, String)> {
        let config = self.config;
        let observer = &mut *self.observer;
        // Progress goes out while the model fits (the worker posts it to the page at once).
        let mut report = |p: crate::models::FitProgress| {
            let note = format!("{} of {} fitting steps", p.done, p.total);
            observer(PipelineEvent::Progress { stage: Stage::Train, done: p.done, total: p.total, note });
        };
        let mut ctx = FitContext { seed: config.seed, progress: &mut report };
        let model = config
            .model
            .fit(TrainingSet { x: &train.x, y: &train.y, weights: &train.weights, time: Some(&train.dates) }, &mut ctx)?;
        let message = format!("{} fitted on {} rows", model.kind().name(), train.y.len());
        Ok((model, message))
    }

    fn evaluate(&mut self, model: &FittedModel, split: &SplitParts, features: &Frame) -> Result<(Evaluation, String)> {
        let (train, test) = (&split.train, &split.test);
        let train_metrics = score(&train.y, &model.predict(&train.x)?, &train.weights)?;
        let predicted = model.predict(&test.x)?;
        let test_metrics = score(&test.y, &predicted, &test.weights)?;
        let test_rows = test_rows(features, &split.test_rows_at, test, predicted)?;
        let message = format!("test WMAE {:.3}, MAE {:.3}, RMSE {:.3}", test_metrics.wmae, test_metrics.mae, test_metrics.rmse);
        Ok((Evaluation { train: train_metrics, test: test_metrics, test_rows }, message))
    }

    fn finish(mut self, started_at: Stage, result: Result<()>) -> PipelineOutcome {
        let end_ms = self.clock.now_ms();
        let state = if result.is_err() { StageState::UpstreamFailed } else { StageState::Skipped };
        for stage in Stage::ALL.into_iter().skip(self.stages.len()) {
            self.ended(stage, state, None, String::new());
        }
        let stages = self.stages;
        let start_time_ms = self.start_ms as i64;
        let error = result.err();
        let outputs = self.outputs;
        let dataset = outputs.ingest.as_deref().map_or_else(|| DatasetFingerprint::new(Vec::new()), |i| i.dataset.clone());
        let mut contracts: Vec<ContractRecord> = outputs.raw_contract.iter().map(|c| c.record.clone()).collect();
        contracts.extend(outputs.feature_contract.as_deref().and_then(Option::as_ref).map(|c| c.record.clone()));
        // Registrable: finished, and every suite passed (a raw contract that failed but was
        // continued past, or a failed feature contract, makes a run that cannot be registered).
        let registrable = error.is_none() && contracts.iter().all(|c| c.success);
        let record = RunRecord {
            schema_version: RUN_RECORD_VERSION,
            run_id: derive_run_id(start_time_ms, &dataset.digest, &self.params),
            experiment: self.config.experiment.clone(),
            status: if error.is_some() { RunStatus::Failed } else { RunStatus::Finished },
            start_time_ms,
            end_time_ms: Some(end_ms as i64),
            params: self.params,
            metrics: self.metrics,
            tags: self.tags,
            stages,
            dataset,
            contracts,
            registrable,
            error: error.as_ref().map(ToString::to_string),
        };
        PipelineOutcome { record, config: self.config.clone(), started_at, outputs, error }
    }
}

/// How a kept stage's message starts: the run that computed the output is named once.
const KEPT_PREFIX: &str = "kept from run ";

fn contract_summary(suite: &Suite, result: &ValidationResult) -> String {
    let s = &result.statistics;
    format!(
        "{}: {} of {} expectations met{}",
        suite.name(),
        s.successful_expectations,
        s.evaluated_expectations,
        if result.success { String::new() } else {
            let failed: Vec<String> = result.failures().take(3).map(|r| r.expectation_config.expectation_type.clone()).collect();
            format!(" (failed: {})", failed.join(", "))
        }
    )
}

/// The test part's rows: `rows` are its indices in `features`.
fn test_rows(features: &Frame, rows: &[u32], test: &ModelData, predicted: Vec<f64>) -> Result<TestRows> {
    // `model_data_at` keeps the rows with lag_h and the target present; the split kept only
    // those, so each test row has its matrix row.
    let store = features.ints("Store")?;
    let dept = features.ints("Dept")?;
    let holiday = features.bools("IsHoliday")?;
    if rows.len() != test.y.len() {
        return Err(Error::stage("evaluate", "test rows and predictions are misaligned"));
    }
    let at = |i: &u32| *i as usize;
    Ok(TestRows {
        store: rows.iter().map(|i| store.value(at(i))).collect(),
        dept: rows.iter().map(|i| dept.value(at(i))).collect(),
        date: test.dates.clone(),
        holiday: rows.iter().map(|i| holiday.value(at(i))).collect(),
        actual: test.y.clone(),
        predicted,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct FixedClock;

    impl Clock for FixedClock {
        fn now_ms(&self) -> f64 {
            0.0
        }
    }

    /// Regression: `shelfcast run --data my_sales.csv` and an uploaded file with any name
    /// failed with "no train.csv among the inputs" before a byte was parsed.
    #[test]
    fn single_input_with_any_name_is_read_as_train() {
        let input = InputFile {
            name: "my_sales.csv (as train.csv)".into(),
            bytes: b"Store,Dept,Date,Weekly_Sales,IsHoliday\n1,1,2010-02-05,lots,FALSE\n".to_vec(),
        };
        let config = PipelineConfig::default();
        let outcome = run(&[input], &config, &Suites::shipped(), &FixedClock, &mut |_| {});
        let error = outcome.error.expect("the bad value fails ingest");
        assert_eq!(
            error.to_string(),
            "my_sales.csv (as train.csv), line 2, column \"Weekly_Sales\": not a number (value: \"lots\")"
        );
    }

    /// A weekly sales file of 60 weeks × 3 series, with `bad` negative sales in the last week.
    fn small_sales(negative_rows: usize) -> InputFile {
        let first = crate::calendar::days_from_civil(2010, 2, 5);
        let mut csv = String::from("Store,Dept,Date,Weekly_Sales,IsHoliday\n");
        let mut negatives = negative_rows;
        for dept in 1..=3 {
            for week in 0..60 {
                let sales = if negatives > 0 && week >= 50 {
                    negatives -= 1;
                    -5.0
                } else {
                    1000.0 + f64::from(dept * 10 + week % 7)
                };
                csv.push_str(&format!("1,{dept},{},{sales},FALSE\n", format_date(first + 7 * week)));
            }
        }
        InputFile { name: "train.csv".into(), bytes: csv.into_bytes() }
    }

    fn states(outcome: &PipelineOutcome) -> Vec<(String, StageState)> {
        outcome.record.stages.iter().map(|s| (s.stage.clone(), s.state)).collect()
    }

    #[test]
    fn a_failed_raw_contract_stops_everything_downstream() {
        // 30 of 180 rows negative: far beyond the suite's `mostly`.
        let outcome = run(&[small_sales(30)], &PipelineConfig::default(), &Suites::shipped(), &FixedClock, &mut |_| {});
        assert!(outcome.contract_failed(), "{:?}", outcome.error);
        assert_eq!(outcome.record.status, RunStatus::Failed);
        let states = states(&outcome);
        assert_eq!(states[1], ("raw_contract".into(), StageState::Failed));
        assert!(states[2..].iter().all(|(_, s)| *s == StageState::UpstreamFailed));
        assert!(outcome.model().is_none() && !outcome.record.registrable);
        assert!(outcome.record.error.as_deref().unwrap().contains("sales_expectation_suite"));
    }

    #[test]
    fn continuing_after_a_failed_contract_is_recorded_and_not_registrable() {
        let config = PipelineConfig { continue_on_contract_failure: true, ..PipelineConfig::default() };
        let outcome = run(&[small_sales(30)], &config, &Suites::shipped(), &FixedClock, &mut |_| {});
        assert!(outcome.error.is_none(), "{:?}", outcome.error);
        assert_eq!(outcome.record.status, RunStatus::Finished);
        assert_eq!(outcome.record.params["continue_on_contract_failure"], "true");
        assert_eq!(outcome.record.tags["contract_failure_continued"], "sales_expectation_suite");
        assert!(!outcome.record.registrable);
        assert!(!outcome.record.contracts[0].success);
    }

    #[test]
    fn a_failed_feature_contract_finishes_the_run_but_not_registrable() {
        let mut suites = Suites::shipped();
        // A feature suite that cannot pass: a column the feature table never has.
        suites.features = Some(
            Suite::from_json(
                "strict.json",
                r#"{"expectation_suite_name": "strict", "expectations": [{"expectation_type": "expect_column_to_exist", "kwargs": {"column": "lag_99"}}]}"#,
            )
            .unwrap(),
        );
        let outcome = run(&[small_sales(0)], &PipelineConfig::default(), &suites, &FixedClock, &mut |_| {});
        assert!(outcome.error.is_none(), "{:?}", outcome.error);
        assert!(outcome.evaluation().is_some());
        assert!(!outcome.record.registrable);
        let feature_contract = &outcome.record.contracts[1];
        assert_eq!((feature_contract.suite.as_str(), feature_contract.success), ("strict", false));
        assert_eq!(feature_contract.suite_digest, suites.features.as_ref().unwrap().digest());
    }

    #[test]
    fn a_clean_run_records_suites_digests_and_is_registrable() {
        let outcome = run(&[small_sales(0)], &PipelineConfig::default(), &Suites::shipped(), &FixedClock, &mut |_| {});
        assert!(outcome.error.is_none(), "{:?}", outcome.error);
        assert!(outcome.record.registrable);
        let names: Vec<_> = outcome.record.contracts.iter().map(|c| (c.suite.as_str(), c.success)).collect();
        assert_eq!(names, [("sales_expectation_suite", true), ("feature_expectation_suite", true)]);
        assert!(outcome.record.contracts.iter().all(|c| c.suite_digest.len() == 64));
        assert!(states(&outcome).iter().all(|(_, s)| *s == StageState::Success));
    }

    fn stage_messages(outcome: &PipelineOutcome) -> Vec<(String, StageState, String)> {
        outcome.record.stages.iter().map(|s| (s.stage.clone(), s.state, s.message.clone())).collect()
    }

    #[test]
    fn running_from_train_keeps_the_upstream_outputs_and_refits() {
        let inputs = [small_sales(0)];
        let first = run(&inputs, &PipelineConfig::default(), &Suites::shipped(), &FixedClock, &mut |_| {});
        assert!(first.error.is_none(), "{:?}", first.error);
        let config = PipelineConfig {
            model: ModelSpec::new(ModelKind::Ridge, &[("alpha".into(), "1000".into())]).unwrap(),
            ..PipelineConfig::default()
        };
        let mut ran = Vec::new();
        // No inputs: a run from train must not need to read them again.
        let second = run_from(Stage::Train, &first, &[], &config, &Suites::shipped(), &FixedClock, &mut |event| {
            if let PipelineEvent::Stage { stage, state: StageState::Running, .. } = event {
                ran.push(stage);
            }
        });
        assert!(second.error.is_none(), "{:?}", second.error);
        assert_eq!(ran, [Stage::Train, Stage::Evaluate]);
        assert_eq!(second.started_at, Stage::Train);
        let messages = stage_messages(&second);
        for (name, state, message) in &messages[..5] {
            assert_eq!(*state, StageState::Success, "{name}");
            assert!(message.starts_with(&format!("kept from run {}: ", first.record.run_id)), "{name}: {message}");
        }
        // The same split, shared rather than copied; a different model and different scores.
        assert!(Arc::ptr_eq(first.outputs.split.as_ref().unwrap(), second.outputs.split.as_ref().unwrap()));
        assert_eq!(second.record.params["cutoff"], first.record.params["cutoff"]);
        assert_eq!(second.record.params["alpha"], "1000");
        assert_ne!(second.record.metrics["test_mae"], first.record.metrics["test_mae"]);
        assert_eq!(second.record.dataset, first.record.dataset);
        assert_eq!(second.record.contracts, first.record.contracts);
        assert_eq!(second.record.tags["resumed_from_run"], first.record.run_id);
        assert_eq!(second.record.tags["resumed_at_stage"], "train");
        assert!(second.record.registrable);

        // Kept twice: the message still names the run that computed the output.
        let third = run_from(Stage::Evaluate, &second, &[], &config, &Suites::shipped(), &FixedClock, &mut |_| {});
        assert_eq!(stage_messages(&third)[0].2, messages[0].2);
        assert!(stage_messages(&third)[5].2.starts_with(&format!("kept from run {}: ", second.record.run_id)));
        assert_eq!(third.record.metrics, second.record.metrics);
    }

    #[test]
    fn a_run_from_here_starts_earlier_when_upstream_settings_changed() {
        let inputs = [small_sales(0)];
        let first = run(&inputs, &PipelineConfig::default(), &Suites::shipped(), &FixedClock, &mut |_| {});
        let cutoff = crate::calendar::days_from_civil(2010, 11, 5);
        let config = PipelineConfig { cutoff: Some(cutoff), ..PipelineConfig::default() };
        let (start, reason) = first.resume_stage(Stage::Evaluate, &config, &Suites::shipped());
        assert_eq!(start, Stage::Split);
        assert_eq!(reason.as_deref(), Some("starting at split instead of evaluate: the cutoff changed"));
        let mut notes = Vec::new();
        let second = run_from(Stage::Evaluate, &first, &[], &config, &Suites::shipped(), &FixedClock, &mut |event| {
            if let PipelineEvent::Progress { note, .. } = event {
                notes.push(note);
            }
        });
        assert!(second.error.is_none(), "{:?}", second.error);
        assert_eq!(second.record.params["cutoff"], "2010-11-05");
        assert_eq!(notes, [reason.unwrap()]);

        let horizon = PipelineConfig { features: FeatureConfig::with_horizon(2), ..PipelineConfig::default() };
        assert_eq!(first.resume_stage(Stage::Train, &horizon, &Suites::shipped()).0, Stage::Features);
        let no_feature_suite = Suites { features: None, ..Suites::shipped() };
        assert_eq!(first.resume_stage(Stage::Split, &PipelineConfig::default(), &no_feature_suite).0, Stage::FeatureContract);
        let joins = PipelineConfig { features: FeatureConfig { join_stores: true, ..FeatureConfig::default() }, ..PipelineConfig::default() };
        assert_eq!(first.resume_stage(Stage::Train, &joins, &Suites::shipped()).0, Stage::Ingest);
        let stats = PipelineConfig { features: FeatureConfig { series_stats: true, ..FeatureConfig::default() }, ..PipelineConfig::default() };
        let with_stats = run(&inputs, &stats, &Suites::shipped(), &FixedClock, &mut |_| {});
        let (start, reason) = with_stats.resume_stage(Stage::Train, &PipelineConfig { cutoff: Some(cutoff), ..stats }, &Suites::shipped());
        assert_eq!((start, reason.unwrap().contains("series statistics")), (Stage::Features, true));
        // Earlier than the first changed stage is simply honoured.
        assert_eq!(first.resume_stage(Stage::Ingest, &config, &Suites::shipped()), (Stage::Ingest, None));
    }

    #[test]
    fn a_run_from_here_after_a_failed_contract_starts_at_the_failed_stage() {
        let inputs = [small_sales(30)];
        let failed = run(&inputs, &PipelineConfig::default(), &Suites::shipped(), &FixedClock, &mut |_| {});
        assert!(failed.contract_failed());
        let (start, reason) = failed.resume_stage(Stage::Train, &PipelineConfig::default(), &Suites::shipped());
        assert_eq!(start, Stage::RawContract);
        assert!(reason.unwrap().contains("raw_contract did not complete"));
        // Continuing past the contract is a changed setting of that stage: it runs again.
        let config = PipelineConfig { continue_on_contract_failure: true, ..PipelineConfig::default() };
        let continued = run_from(Stage::Train, &failed, &inputs, &config, &Suites::shipped(), &FixedClock, &mut |_| {});
        assert!(continued.error.is_none(), "{:?}", continued.error);
        assert_eq!(continued.record.tags["contract_failure_continued"], "sales_expectation_suite");
        assert!(!continued.record.registrable);
        // Kept from that run, the continued contract still marks the next run.
        let again = run_from(Stage::Train, &continued, &[], &config, &Suites::shipped(), &FixedClock, &mut |_| {});
        assert_eq!(again.record.tags["contract_failure_continued"], "sales_expectation_suite");
        assert!(!again.record.registrable);
    }

    /// features.csv and stores.csv for store 1 of [`small_sales`]: every other week, with `NA`s.
    fn join_files() -> Vec<InputFile> {
        let first = crate::calendar::days_from_civil(2010, 2, 5);
        let mut features = String::from("Store,Date,Temperature,Fuel_Price,MarkDown1,MarkDown2,MarkDown3,MarkDown4,MarkDown5,CPI,Unemployment,IsHoliday\n");
        for week in (0..60).step_by(2) {
            features.push_str(&format!("1,{},{}.5,2.5,NA,NA,NA,NA,NA,211.1,8.1,FALSE\n", format_date(first + 7 * week), 30 + week % 20));
        }
        vec![
            InputFile { name: "features.csv".into(), bytes: features.into_bytes() },
            InputFile { name: "stores.csv".into(), bytes: b"Store,Type,Size\r1,A,151315\r".to_vec() },
        ]
    }

    #[test]
    fn joins_read_their_files_record_the_switches_and_fingerprint_every_file_used() {
        let config = PipelineConfig { features: FeatureConfig::everything(1), ..PipelineConfig::default() };
        let mut inputs = vec![small_sales(0)];
        inputs.extend(join_files());
        let outcome = run(&inputs, &config, &Suites::shipped(), &FixedClock, &mut |_| {});
        assert!(outcome.error.is_none(), "{:?}", outcome.error);
        assert!(outcome.record.registrable, "the base feature contract still passes with extra columns");
        let files: Vec<_> = outcome.record.dataset.files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(files, ["features.csv", "stores.csv", "train.csv"]);
        for (switch, _) in config.features.switches() {
            assert_eq!(outcome.record.params[switch], "true", "{switch}");
        }
        // Without the switches the extra files are not read, and the digest is train.csv's alone.
        let plain = run(&inputs, &PipelineConfig::default(), &Suites::shipped(), &FixedClock, &mut |_| {});
        assert_eq!(plain.record.dataset.files.len(), 1);
        assert_eq!(plain.record.params["join_features"], "false");
    }

    #[test]
    fn a_join_without_its_file_fails_ingest_naming_the_file() {
        let config = PipelineConfig {
            features: FeatureConfig { join_stores: true, ..FeatureConfig::default() },
            ..PipelineConfig::default()
        };
        let outcome = run(&[small_sales(0)], &config, &Suites::shipped(), &FixedClock, &mut |_| {});
        let error = outcome.error.expect("stores.csv is missing").to_string();
        assert!(error.contains("join_stores is on but stores.csv (or stores.csv.gz) is not among the inputs (train.csv)"), "{error}");
        assert_eq!(outcome.record.stages[0].state, StageState::Failed);
    }
}
