//! The pipeline: one definition of the stages' order and gating, shared by the CLI, the
//! browser worker and the tests. The stages themselves are functions of [`crate::stages`];
//! this module only sequences them.
//!
//! ingest → raw contract → features → feature contract → split → train → evaluate, or for a
//! forecast run ingest → raw contract → backtest → forecast.
//! A failed raw contract stops everything downstream (fail fast: bad data never trains a
//! model) unless the caller explicitly continues, which the run records. A failed feature
//! contract lets the run finish but marks it not registrable. Every stage reports its state,
//! duration and a summary line to an observer, which the CLI prints and the worker posts to
//! the page. Times come from the caller's [`Clock`]; the core reads none.
//!
//! - [`runner`] runs the stages in order and gates them;
//! - [`outputs`] keeps what each stage produced: the checkpoint of "run from here";
//! - [`resume`] decides where a "run from here" really has to start;
//! - [`record`] assembles the run record (params, metrics, tags, stages);
//! - [`detail`] is what a run's pages drew, kept apart from its record;
//! - [`killed`] records a run stopped from outside, from the events it had sent.

pub mod detail;
mod killed;
mod outputs;
mod record;
mod resume;
mod runner;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

use crate::contracts::Suite;
use crate::features::FeatureConfig;
use crate::models::{ModelKind, ModelSpec};
use crate::tracking::StageState;

pub use crate::stage::Stage;
pub use crate::stages::contract::ContractOutcome;
pub use crate::stages::evaluate::{Evaluation, SeriesPoint, TestRows};
pub use crate::stages::ingest::{read as ingest, InputFile, InputRole, Ingested};
pub use crate::stages::design::SplitParts;
pub use crate::stages::forecast::{Backtest, Forecast, ForecastSettings};
pub use detail::{ForecastDetail, RunDetail, RunDetailStore, RunLog};
pub use killed::killed;
pub use outputs::{PipelineOutcome, StageOutputs};
use runner::Runner;

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

/// The suites a run validates with.
#[derive(Debug, Clone)]
pub struct Suites {
    pub raw: Suite,
    pub features: Option<Suite>,
}

pub const SALES_SUITE_JSON: &str = include_str!("../../../../expectations/sales_expectation_suite.json");
pub const FEATURE_SUITE_JSON: &str = include_str!("../../../../expectations/feature_expectation_suite.json");

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
    /// The experiment's id (`tracking::experiments`) and its name as the run records it.
    #[serde(default = "default_experiment_id")]
    pub experiment_id: String,
    pub experiment: String,
    pub model: ModelSpec,
    pub features: FeatureConfig,
    /// Days since the epoch; `None` for the default (latest date − 38 weeks).
    pub cutoff: Option<i32>,
    pub seed: u64,
    /// Go on after a failed raw contract (recorded on the run).
    pub continue_on_contract_failure: bool,
    /// A forecast run (ingest → raw contract → backtest → forecast) with these settings
    /// instead of a one-step run; `features`, `model`, `cutoff` and `seed` are then unused.
    #[serde(default)]
    pub forecast: Option<ForecastSettings>,
}

impl PipelineConfig {
    /// The stages a run with this configuration runs, in order.
    pub fn plan(&self) -> &'static [Stage] {
        if self.forecast.is_some() { &Stage::FORECAST } else { &Stage::ALL }
    }
}

fn default_experiment_id() -> String {
    crate::tracking::DEFAULT_EXPERIMENT_ID.to_string()
}

impl Default for PipelineConfig {
    fn default() -> Self {
        PipelineConfig {
            experiment_id: default_experiment_id(),
            experiment: crate::tracking::DEFAULT_EXPERIMENT.to_string(),
            model: ModelSpec::new(ModelKind::Ridge, &[]).expect("default parameters are valid"),
            features: FeatureConfig::default(),
            cutoff: None,
            seed: 42,
            continue_on_contract_failure: false,
            forecast: None,
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
    // A stage another kind of run has (the Train page's button after a forecast run): the
    // first stage of this run's own after the raw contract.
    let stage = if config.plan().contains(&stage) { stage } else { config.plan()[2] };
    let (start, reason) = previous.resume_stage(stage, config, suites);
    let mut run = Runner::new(config, suites, clock, observer);
    if start > Stage::Ingest {
        run.record.tags.insert("resumed_from_run".into(), previous.record.run_id.clone());
        run.record.tags.insert("resumed_at_stage".into(), start.name().into());
    }
    if let Some(reason) = reason {
        (run.observer)(PipelineEvent::Progress { stage: start, done: 0, total: 0, note: reason });
    }
    let result = run.stages_from(inputs, Some((start, previous)));
    run.finish(start, result)
}

