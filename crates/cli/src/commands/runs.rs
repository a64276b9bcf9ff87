//! `shelfcast runs …`: the run records kept in a `--runs-dir` (one JSON file per run, as
//! `run` and `forecast` write them). `list` filters them with the run-search syntax
//! (`--filter`, [`shelfcast_core::run_search`]), newest first; a file that cannot be read as a
//! run is listed apart with the reason and never hides the others. `tag` and `note` change a
//! run's tags (MLflow's mutable part of a run), which the search reads.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};

use shelfcast_core::calendar::format_timestamp_ms;
use shelfcast_core::run_search::{search, Filter};
use shelfcast_core::tracking::{read_stored_run, RunListing, RunRecord};

use crate::args::Format;
use crate::output;

/// Every `*.json` file of `dir`, each read on its own as a run (its key is the file's stem).
fn listing(dir: &Path) -> Result<RunListing> {
    let mut listing = RunListing::default();
    let entries = std::fs::read_dir(dir).with_context(|| format!("cannot read the runs directory {}", dir.display()))?;
    for entry in entries {
        let path = entry.with_context(|| format!("cannot read the runs directory {}", dir.display()))?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let key = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        listing.add(key, text);
    }
    Ok(listing.sorted())
}

pub fn list(dir: &Path, filter: Option<&str>, format: Format) -> Result<ExitCode> {
    let filter = Filter::parse(filter.unwrap_or_default())?;
    let listing = listing(dir)?;
    let found: Vec<&RunRecord> = search(&listing.runs, filter.as_ref());
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&found)?),
        Format::Text => {
            println!("{:<34} {:<24} {:<18} {:<9} {:>10}  measured on", "run", "started", "model", "status", "WMAE");
            for run in &found {
                let headline = run.headline();
                println!(
                    "{:<34} {:<24} {:<18} {:<9} {:>10}  {}",
                    run.run_id,
                    format_timestamp_ms(run.start_time_ms),
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

/// Sets tag `key` of run `run_id` to `value` (an empty value removes it) and keeps the record.
pub fn tag(dir: &Path, run_id: &str, key: &str, value: &str) -> Result<ExitCode> {
    let path = dir.join(format!("{run_id}.json"));
    let text = std::fs::read_to_string(&path).with_context(|| format!("no run {run_id} in {} ({} cannot be read)", dir.display(), path.display()))?;
    let mut run = read_stored_run(run_id, &text).map_err(|problem| anyhow::anyhow!("{}: {problem}", path.display()))?;
    run.set_tag(key, value)?;
    output::keep_record(dir, &run)?;
    match value {
        "" => eprintln!("run {run_id}: tag {key:?} removed"),
        _ => eprintln!("run {run_id}: tag {key:?} set"),
    }
    Ok(ExitCode::SUCCESS)
}
