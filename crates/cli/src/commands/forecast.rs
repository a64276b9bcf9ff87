//! `shelfcast forecast`: a forecast run (ingest → raw contract → backtest → forecast), as the
//! browser's worker runs it, and the files it writes: the submission and the forecast CSV.

use std::process::ExitCode;

use anyhow::{anyhow, Result};

use shelfcast_core::forecast::submission::{forecast_csv, submission_csv};
use shelfcast_core::forecast::ForecastMethod;
use shelfcast_core::pipeline::{ForecastSettings, InputFile, InputRole, PipelineConfig, Suites};

use super::run_pipeline;
use crate::args::{cutoff, key_values, ForecastArgs, Format};
use crate::files::{read_bytes, read_inputs, read_suite, write_file};
use crate::output;

pub fn run(args: ForecastArgs) -> Result<ExitCode> {
    let settings = ForecastSettings {
        method: ForecastMethod::parse(&args.model, &key_values(&args.params)?)?,
        horizon: args.horizon,
        origin: cutoff(args.cutoff.as_deref())?,
        backtest_windows: args.backtest,
        step: args.step,
        seed: args.seed,
    };
    settings.check()?;
    let mut inputs = match &args.data {
        Some(path) => read_inputs(path, &Default::default())?,
        None => vec![InputFile::sample()],
    };
    if let Some(path) = &args.future {
        inputs.push(InputFile { name: path.display().to_string(), role: InputRole::FutureWeeks, bytes: read_bytes(path)? });
    }
    // The feature suite checks a direct model's features (the panel methods build none).
    let mut suites = Suites::shipped();
    if let Some(path) = &args.suite {
        suites.raw = read_suite(path)?;
    }
    let config = PipelineConfig {
        experiment: args.experiment,
        continue_on_contract_failure: args.continue_on_contract_failure,
        forecast: Some(settings),
        ..PipelineConfig::default()
    };
    let outcome = run_pipeline(&inputs, &config, &suites, args.format, args.store.as_deref())?;
    if let Some(forecast) = outcome.forecast() {
        if let Some(path) = &args.submission {
            write_file(path, submission_csv(&forecast.rows, &forecast.predicted).as_bytes())?;
        }
        if let Some(path) = &args.out {
            write_file(path, forecast_csv(&forecast.rows, &forecast.predicted, forecast.intervals.as_deref()).as_bytes())?;
        }
    }
    match args.format {
        Format::Json => println!("{}", outcome.record.to_json()),
        Format::Text => output::print_forecast(&outcome),
    }
    match outcome.error {
        Some(error) => Err(error.into()),
        None if outcome.forecast().is_none() => Err(anyhow!("the forecast did not run")),
        None => Ok(ExitCode::SUCCESS),
    }
}
