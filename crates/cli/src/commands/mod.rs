//! One module per subcommand, each a function of the typed arguments that calls the
//! core's stage functions (`shelfcast_core::stages`) and prints or writes what they return;
//! [`execute`] dispatches. No stage logic lives here: only choosing inputs and showing outputs.

mod evaluate;
mod features;
mod forecast;
mod models;
mod predict;
mod run;
mod runs;
mod sample;
mod split;
mod train;
mod validate;

use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};

use std::path::Path;

use shelfcast_core::pipeline::{self, Clock, InputFile, PipelineConfig, PipelineOutcome, RunDetail, RunDetailStore, RunLog, Suites};
use shelfcast_core::registry::{ModelStore, StoredModel};
use shelfcast_core::tracking::{experiments, experiments_of, RunStore};
use shelfcast_core::Error;

use crate::store::{block_on, FileStore};

use crate::args::{Cli, Command, Format, ModelsCommand, RunsCommand};
use crate::output;

pub fn execute(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Run { data, model, features, cutoff, suite, feature_suite, continue_on_contract_failure, experiment, store, format } => {
            run::run(run::RunArgs { data, model, features, cutoff, suite, feature_suite, continue_on_contract_failure, experiment, store, format })
        }
        Command::Forecast(args) => forecast::run(args),
        Command::Runs { command } => match command {
            RunsCommand::List { store, filter, format } => runs::list(&store, filter.as_deref(), format),
            RunsCommand::Show { run_id, store, format } => runs::show(&store, &run_id, format),
            RunsCommand::Tag { run_id, key, value, store } => runs::tag(&store, &run_id, &key, &value),
            RunsCommand::Note { run_id, text, store } => runs::tag(&store, &run_id, shelfcast_core::tracking::NOTE_TAG, &text),
        },
        Command::Models { command } => match command {
            ModelsCommand::Register { run_id, name, store } => models::register(&store, &run_id, &name),
            ModelsCommand::Alias { name, alias, version, store } => models::alias(&store, &name, &alias, version),
            ModelsCommand::Delete { name, version, store } => models::delete(&store, &name, version),
            ModelsCommand::Describe { name, text, version, store } => models::describe(&store, &name, version, &text),
            ModelsCommand::Tag { name, key, value, version, store } => models::tag(&store, &name, version, &key, &value),
            ModelsCommand::List { store, format } => models::list(&store, format),
        },
        Command::Predict { model, store, score, out, data, format } => predict::run(&store, &model, &score, &out, data.as_deref(), format),
        Command::Validate { suite, data, result_format, horizon, format } => validate::run(&suite, &data, result_format, horizon, format),
        Command::Features { data, out, features, cutoff } => features::run(&data, &out, &features, cutoff.as_deref()),
        Command::Split { features, cutoff, train_out, test_out, feature_args } => split::run(&features, cutoff.as_deref(), &train_out, &test_out, &feature_args),
        Command::Train { train, model, features, out } => train::run(&train, &model, &features, &out),
        Command::Sample { out } => sample::run(out.as_deref()),
        Command::Evaluate { model, test, format } => evaluate::run(&model, &test, format),
    }
}

/// Runs the pipeline (printing each stage as it ends, unless the output is JSON) and keeps
/// the run's record, its detail and its model in `store` when one is given: what `run` and
/// `forecast` share. In a store, the experiment is the store's experiment of that name
/// (created when it has none); without one, the id every store derives from the name.
pub fn run_pipeline(inputs: &[InputFile], config: &PipelineConfig, suites: &Suites, format: Format, store: Option<&Path>) -> Result<PipelineOutcome> {
    let verbose = format == Format::Text;
    let mut config = config.clone();
    config.experiment_id = experiments::id_for_name(&config.experiment);
    let mut store = match store {
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
            let mut store = FileStore::new(dir);
            let runs = block_on(store.list_runs())?.runs;
            let mut known = block_on(experiments_of(&mut store, &runs))?;
            let experiment = match known.by_name(&config.experiment) {
                Some(experiment) => experiment.clone(),
                None => {
                    let created = known.create(&config.experiment, SystemClock.now_ms() as i64)?;
                    block_on(store.put_experiment(&created))?;
                    created
                }
            };
            config.experiment_id = experiment.experiment_id;
            Some(store)
        }
        None => None,
    };
    let mut log = RunLog::default();
    let outcome = pipeline::run(inputs, &config, suites, &SystemClock, &mut |event| {
        log.observe(&event, SystemClock.now_ms());
        if verbose {
            output::print_event(&event);
        }
    });
    if let Some(store) = store.as_mut() {
        // The model and the detail first: a listed run whose model is missing would look
        // registrable, and one whose detail is missing would open empty.
        if let Some(model) = StoredModel::of_outcome(&outcome) {
            block_on(store.put_model(&model))?;
        }
        block_on(store.put_detail(&RunDetail::of_outcome(&outcome, log)))?;
        block_on(store.put_run(&outcome.record))?;
    }
    Ok(outcome)
}

/// Exit code 1 for a failed data contract, 2 for everything else.
pub fn exit_code_of(error: &anyhow::Error) -> u8 {
    match error.downcast_ref::<Error>() {
        Some(Error::ContractFailed { .. }) => 1,
        _ => 2,
    }
}

/// The wall clock, which the core never reads itself.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> f64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0)
    }
}
