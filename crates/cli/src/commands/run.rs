//! `shelfcast run`: the whole pipeline, as the browser's worker runs it.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use shelfcast_core::pipeline::{InputFile, PipelineConfig, Suites};

use super::run_pipeline;
use crate::args::{cutoff, FeatureArgs, Format, ModelArgs};
use crate::files::{read_inputs, read_suite};
use crate::output;

pub struct RunArgs {
    pub data: Option<PathBuf>,
    pub model: ModelArgs,
    pub features: FeatureArgs,
    pub cutoff: Option<String>,
    pub suite: Option<PathBuf>,
    pub feature_suite: Option<PathBuf>,
    pub continue_on_contract_failure: bool,
    pub experiment: String,
    pub store: Option<PathBuf>,
    pub format: Format,
}

pub fn run(args: RunArgs) -> Result<ExitCode> {
    let spec = args.model.spec()?;
    let feature_config = args.features.config_for(Some(spec.kind()))?;
    let inputs = match &args.data {
        Some(path) => read_inputs(path, &feature_config)?,
        None => vec![InputFile::sample()],
    };
    let mut suites = Suites::shipped();
    if let Some(path) = &args.suite {
        suites.raw = read_suite(path)?;
    }
    if let Some(path) = &args.feature_suite {
        suites.features = Some(read_suite(path)?);
    }
    let config = PipelineConfig {
        experiment_id: shelfcast_core::tracking::experiments::id_for_name(&args.experiment),
        experiment: args.experiment,
        model: spec,
        features: feature_config,
        cutoff: cutoff(args.cutoff.as_deref())?,
        seed: args.model.seed,
        continue_on_contract_failure: args.continue_on_contract_failure,
        forecast: None,
    };
    let outcome = run_pipeline(&inputs, &config, &suites, args.format, args.store.as_deref())?;
    match args.format {
        Format::Json => println!("{}", outcome.record.to_json()),
        Format::Text => output::print_run(&outcome),
    }
    match outcome.error {
        Some(error) => Err(error.into()),
        None => Ok(ExitCode::SUCCESS),
    }
}
