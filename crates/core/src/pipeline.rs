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

use serde::{Deserialize, Serialize};

use crate::calendar::{format_date, format_timestamp_ms};
use crate::contracts::{self, ResultFormat, Suite, ValidationOptions, ValidationResult};
use crate::error::{Error, Result};
use crate::features::{build_features_with, model_data_at, FeatureConfig, FeatureInputs, ModelData};
use crate::frame::Frame;
use crate::ingest::{read_table, schema_for_file, ReadProgress, Table, TableSchema, FEATURES, STORES, TRAIN};
use crate::metrics::{score, Metrics};
use crate::models::{FitContext, FittedModel, ModelKind, ModelSpec, TrainingSet};
use crate::split::split_rows;
use crate::tracking::{
    derive_run_id, ContractRecord, DatasetFingerprint, RunRecord, RunStatus, StageRecord, StageState, RUN_RECORD_VERSION,
};

/// The stages, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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

/// Everything a run produced. The pipeline never panics and never returns early without a
/// record: a failure is in `error` and in the record's status and stages.
#[derive(Debug)]
pub struct PipelineOutcome {
    pub record: RunRecord,
    pub raw_validation: Option<ValidationResult>,
    pub feature_validation: Option<ValidationResult>,
    pub model: Option<FittedModel>,
    pub evaluation: Option<Evaluation>,
    /// The ingested sales table (for the app's profile and preview).
    pub sales: Option<Frame>,
    pub error: Option<Error>,
}

impl PipelineOutcome {
    /// True when the run stopped because a data contract failed.
    pub fn contract_failed(&self) -> bool {
        matches!(self.error, Some(Error::ContractFailed { .. }))
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
    let result = run.all(inputs);
    run.finish(result)
}

/// What ingest read: the sales table and the files the feature joins use.
struct IngestedTables {
    sales: Table,
    /// features.csv, when `join_features` is on.
    store_weeks: Option<Table>,
    /// stores.csv, when `join_stores` is on.
    stores: Option<Table>,
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
    contracts: Vec<ContractRecord>,
    registrable: bool,
    dataset: DatasetFingerprint,
    raw_validation: Option<ValidationResult>,
    feature_validation: Option<ValidationResult>,
    model: Option<FittedModel>,
    evaluation: Option<Evaluation>,
    sales: Option<Frame>,
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
            contracts: Vec::new(),
            registrable: true,
            dataset: DatasetFingerprint::new(Vec::new()),
            raw_validation: None,
            feature_validation: None,
            model: None,
            evaluation: None,
            sales: None,
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
        (self.observer)(PipelineEvent::Stage { stage, state, duration_ms: Some(duration_ms), message: message.clone() });
        self.stages.push(StageRecord { stage: stage.name().to_string(), state, duration_ms, message });
        value
    }

    fn all(&mut self, inputs: &[InputFile]) -> Result<()> {
        let tables = self.stage(Stage::Ingest, |run| run.ingest(inputs))?;
        let sales = tables.sales.frame;
        let joined = [&tables.store_weeks, &tables.stores];
        let fingerprints = std::iter::once(tables.sales.fingerprint).chain(joined.iter().filter_map(|t| t.as_ref().map(|t| t.fingerprint.clone())));
        self.dataset = DatasetFingerprint::new(fingerprints.collect());
        self.stage(Stage::RawContract, |run| run.raw_contract(&sales))?;
        let features = self.stage(Stage::Features, |run| {
            let extra = FeatureInputs {
                store_weeks: tables.store_weeks.as_ref().map(|t| &t.frame),
                stores: tables.stores.as_ref().map(|t| &t.frame),
                cutoff: run.config.cutoff,
            };
            let features = build_features_with(&sales, &run.config.features, &extra)?;
            let message = format!("{} rows × {} columns", features.num_rows(), features.num_columns());
            Ok((features, message))
        })?;
        self.sales = Some(sales);
        self.stage(Stage::FeatureContract, |run| run.feature_contract(&features))?;
        let (train, test, test_at) = self.stage(Stage::Split, |run| {
            let split = split_rows(&features, run.config.cutoff, &run.config.features.required_lag_column())?;
            let train = model_data_at(&features, &run.config.features, &split.train)?;
            let test = model_data_at(&features, &run.config.features, &split.test)?;
            run.params.insert("cutoff".into(), format_date(split.cutoff));
            run.params.insert("train_rows".into(), train.y.len().to_string());
            run.params.insert("test_rows".into(), test.y.len().to_string());
            let message = format!("cutoff {}: {} training rows, {} test rows", format_date(split.cutoff), train.y.len(), test.y.len());
            Ok(((train, test, split.test), message))
        })?;
        let model = self.stage(Stage::Train, |run| run.train(&train))?;
        let evaluation = self.stage(Stage::Evaluate, |run| run.evaluate(&model, &train, &test, &features, &test_at))?;
        self.model = Some(model);
        self.evaluation = Some(evaluation);
        Ok(())
    }

    fn ingest(&mut self, inputs: &[InputFile]) -> Result<(IngestedTables, String)> {
        // A single input is the sales file whatever its name (a user's `sales_2012.csv`, the
        // CLI's `--data file`); among several, train.csv is found by name, else it is the one
        // input that is neither features.csv nor stores.csv.
        let by_name = |schema: &TableSchema| inputs.iter().find(|f| schema_for_file(&f.name) == Some(schema));
        let names = || inputs.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", ");
        let unnamed = || {
            let mut others = inputs.iter().filter(|f| !matches!(schema_for_file(&f.name), Some(s) if *s == FEATURES || *s == STORES));
            others.next().filter(|_| others.next().is_none())
        };
        let train = match inputs {
            [only] => Some(only),
            _ => by_name(&TRAIN).or_else(unnamed),
        };
        let train = train.ok_or_else(|| Error::stage("ingest", format!("no train.csv or train.csv.gz among the inputs ({})", names())))?;
        // The joined files are read only when a switch uses them; a switch without its file
        // is an error that names the file.
        let wanted = |on: bool, schema: &TableSchema, switch: &str| -> Result<Option<&InputFile>> {
            if !on {
                return Ok(None);
            }
            by_name(schema).map(Some).ok_or_else(|| {
                let file = schema.file_name;
                Error::stage("ingest", format!("{switch} is on but {file} (or {file}.gz) is not among the inputs ({})", names()))
            })
        };
        let features = &self.config.features;
        let store_weeks = wanted(features.join_features, &FEATURES, "join_features")?;
        let stores = wanted(features.join_stores, &STORES, "join_stores")?;
        let mut report = |p: ReadProgress| {
            let note = format!("{} rows read", p.rows);
            (self.observer)(PipelineEvent::Progress { stage: Stage::Ingest, done: p.bytes_read, total: p.bytes_total, note })
        };
        let sales = read_table(&train.name, &train.bytes, &TRAIN, &mut report)?;
        let read_joined = |file: Option<&InputFile>, schema: &TableSchema| {
            file.map(|f| read_table(&f.name, &f.bytes, schema, &mut |_| {})).transpose()
        };
        let tables = IngestedTables { store_weeks: read_joined(store_weeks, &FEATURES)?, stores: read_joined(stores, &STORES)?, sales };
        let mut message = format!("{}: {} rows", tables.sales.fingerprint.name, tables.sales.fingerprint.rows);
        for table in [&tables.store_weeks, &tables.stores].into_iter().flatten() {
            message.push_str(&format!("; {}: {} rows", table.fingerprint.name, table.fingerprint.rows));
        }
        Ok((tables, message))
    }

    fn validation_options(&self) -> ValidationOptions {
        ValidationOptions {
            result_format: ResultFormat::Summary,
            run_time: Some(format_timestamp_ms(self.start_ms as i64)),
            data_fingerprint: Some(self.dataset.digest.clone()),
            parameters: BTreeMap::from([("horizon".to_string(), serde_json::json!(self.config.features.horizon))]),
        }
    }

    fn record_contract(&mut self, suite: &Suite, result: &ValidationResult) {
        self.contracts.push(ContractRecord {
            suite: suite.name().to_string(),
            suite_digest: suite.digest(),
            success: result.success,
            evaluated: result.statistics.evaluated_expectations,
            unsuccessful: result.statistics.unsuccessful_expectations,
        });
    }

    fn raw_contract(&mut self, sales: &Frame) -> Result<((), String)> {
        let suite = self.suites.raw.clone();
        let result = contracts::validate(&suite, sales, &self.validation_options());
        self.record_contract(&suite, &result);
        let stats = result.statistics.clone();
        let summary = contract_summary(&suite, &result);
        self.raw_validation = Some(result);
        if stats.unsuccessful_expectations == 0 {
            return Ok(((), summary));
        }
        if self.config.continue_on_contract_failure {
            self.tags.insert("contract_failure_continued".into(), suite.name().to_string());
            self.registrable = false;
            return Ok(((), format!("{summary}; continuing as asked (run not registrable)")));
        }
        Err(Error::ContractFailed {
            suite: suite.name().to_string(),
            failed: stats.unsuccessful_expectations,
            evaluated: stats.evaluated_expectations,
        })
    }

    fn feature_contract(&mut self, features: &Frame) -> Result<((), String)> {
        let Some(suite) = self.suites.features.clone() else {
            return Ok(((), "no feature suite".into()));
        };
        let result = contracts::validate(&suite, features, &self.validation_options());
        self.record_contract(&suite, &result);
        let mut summary = contract_summary(&suite, &result);
        if !result.success {
            self.registrable = false;
            summary.push_str("; the run is not registrable");
        }
        self.feature_validation = Some(result);
        Ok(((), summary))
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

    fn evaluate(
        &mut self,
        model: &FittedModel,
        train: &ModelData,
        test: &ModelData,
        features: &Frame,
        test_rows_at: &[u32],
    ) -> Result<(Evaluation, String)> {
        let train_metrics = score(&train.y, &model.predict(&train.x)?, &train.weights)?;
        let predicted = model.predict(&test.x)?;
        let test_metrics = score(&test.y, &predicted, &test.weights)?;
        for (prefix, m) in [("train", &train_metrics), ("test", &test_metrics)] {
            self.metrics.insert(format!("{prefix}_mae"), m.mae);
            self.metrics.insert(format!("{prefix}_rmse"), m.rmse);
            self.metrics.insert(format!("{prefix}_r2"), m.r2);
            self.metrics.insert(format!("{prefix}_wmae"), m.wmae);
        }
        let test_rows = test_rows(features, test_rows_at, test, predicted)?;
        let message = format!("test WMAE {:.3}, MAE {:.3}, RMSE {:.3}", test_metrics.wmae, test_metrics.mae, test_metrics.rmse);
        Ok((Evaluation { train: train_metrics, test: test_metrics, test_rows }, message))
    }

    fn finish(self, result: Result<()>) -> PipelineOutcome {
        let end_ms = self.clock.now_ms();
        let mut stages = self.stages;
        let failed = result.is_err();
        for stage in Stage::ALL.iter().skip(stages.len()) {
            let state = if failed { StageState::UpstreamFailed } else { StageState::Skipped };
            (self.observer)(PipelineEvent::Stage { stage: *stage, state, duration_ms: None, message: String::new() });
            stages.push(StageRecord { stage: stage.name().to_string(), state, duration_ms: 0.0, message: String::new() });
        }
        let start_time_ms = self.start_ms as i64;
        let error = result.err();
        let record = RunRecord {
            schema_version: RUN_RECORD_VERSION,
            run_id: derive_run_id(start_time_ms, &self.dataset.digest, &self.params),
            experiment: self.config.experiment.clone(),
            status: if error.is_some() { RunStatus::Failed } else { RunStatus::Finished },
            start_time_ms,
            end_time_ms: Some(end_ms as i64),
            params: self.params,
            metrics: self.metrics,
            tags: self.tags,
            stages,
            dataset: self.dataset,
            contracts: self.contracts,
            registrable: self.registrable && error.is_none(),
            error: error.as_ref().map(ToString::to_string),
        };
        PipelineOutcome {
            record,
            raw_validation: self.raw_validation,
            feature_validation: self.feature_validation,
            model: self.model,
            evaluation: self.evaluation,
            sales: self.sales,
            error,
        }
    }
}

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
        assert!(outcome.model.is_none() && !outcome.record.registrable);
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
        assert!(outcome.evaluation.is_some());
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
