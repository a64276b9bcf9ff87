//! `shelfcast runs …`: the runs kept in a store (`crate::store`, as `run --store` and
//! `forecast --store` write them). `list` filters them with the run-search syntax
//! (`--filter`, [`shelfcast_core::run_search`]), newest first; a file that cannot be read as a
//! run is listed apart with the reason and never hides the others. `show` prints one run.
//! `tag` and `note` change a run's tags (MLflow's mutable part of a run), which the search
//! reads.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{anyhow, Result};

use shelfcast_core::calendar::format_timestamp_ms;
use shelfcast_core::registry::ModelStore;
use shelfcast_core::run_search::{search, Filter};
use shelfcast_core::tracking::{Experiments, RunRecord, RunStore};

use crate::args::Format;
use crate::store::{block_on, FileStore};

pub fn list(dir: &Path, filter: Option<&str>, format: Format) -> Result<ExitCode> {
    let filter = Filter::parse(filter.unwrap_or_default())?;
    let store = FileStore::new(dir);
    let listing = block_on(store.list_runs())?;
    // Read-only: experiments only runs name are shown, not stored.
    let (experiments, _) = Experiments::of(block_on(store.list_experiments())?, &listing.runs);
    let found: Vec<&RunRecord> = search(&listing.runs, filter.as_ref());
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&found)?),
        Format::Text => {
            println!("{:<34} {:<24} {:<24} {:<18} {:<9} {:>10}  measured on", "run", "started", "experiment", "model", "status", "WMAE");
            for run in &found {
                let headline = run.headline();
                println!(
                    "{:<34} {:<24} {:<24} {:<18} {:<9} {:>10}  {}",
                    run.run_id,
                    format_timestamp_ms(run.start_time_ms),
                    experiments.name_of(run),
                    run.params.get("model").map_or("", String::as_str),
                    format!("{:?}", run.status).to_uppercase(),
                    headline.as_ref().map_or(String::new(), |h| format!("{:.3}", h.value)),
                    headline.map_or(String::new(), |h| h.basis),
                );
            }
            println!("{} of {} runs", found.len(), listing.runs.len());
            for damaged in &listing.damaged {
                println!("not a readable run: {}.json: {}", damaged.key, damaged.problem);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn stored_run(store: &FileStore, run_id: &str) -> Result<RunRecord> {
    block_on(store.get_run(run_id))?.ok_or_else(|| anyhow!("no run {run_id} in the store {}", store.dir().display()))
}

pub fn show(dir: &Path, run_id: &str, format: Format) -> Result<ExitCode> {
    let store = FileStore::new(dir);
    let run = stored_run(&store, run_id)?;
    let model = block_on(store.get_model(run_id))?;
    match format {
        Format::Json => println!("{}", run.to_json()),
        Format::Text => {
            println!("run {} ({:?}) in experiment {}, started {}", run.run_id, run.status, run.experiment, format_timestamp_ms(run.start_time_ms));
            if let Some(h) = run.headline() {
                println!("WMAE {:.3} ({})", h.value, h.basis);
            }
            for (key, value) in &run.params {
                println!("  param  {key} = {value}");
            }
            for (key, value) in &run.metrics {
                println!("  metric {key} = {value}");
            }
            for (key, value) in &run.tags {
                println!("  tag    {key} = {value}");
            }
            for c in &run.contracts {
                println!("  contract {} {} ({} of {} expectations failed)", c.suite, if c.success { "passed" } else { "FAILED" }, c.unsuccessful, c.evaluated);
            }
            match (model, run.registrable) {
                (Some(m), true) => println!("model stored: {} ({}), {} weeks ahead; registrable", m.signature.family, m.signature.kind.name(), m.signature.horizon),
                (Some(_), false) => println!("model stored, but not registrable (a data contract failed)"),
                (None, _) => println!("no model stored"),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Sets tag `key` of run `run_id` to `value` (an empty value removes it) and keeps the record.
pub fn tag(dir: &Path, run_id: &str, key: &str, value: &str) -> Result<ExitCode> {
    let mut store = FileStore::new(dir);
    let mut run = stored_run(&store, run_id)?;
    run.set_tag(key, value)?;
    block_on(store.put_run(&run))?;
    match value {
        "" => eprintln!("run {run_id}: tag {key:?} removed"),
        _ => eprintln!("run {run_id}: tag {key:?} set"),
    }
    Ok(ExitCode::SUCCESS)
}
