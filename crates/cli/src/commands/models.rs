//! `shelfcast models …`: the model registry of a store (`shelfcast_core::registry`, kept by
//! `crate::store`). Every change loads the registry, applies one operation and writes the
//! one registered model it changed, atomically.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{anyhow, Result};

use shelfcast_core::calendar::format_timestamp_ms;
use shelfcast_core::registry::{update, ModelStore, Registry};
use shelfcast_core::tracking::RunStore;

use super::SystemClock;
use crate::args::Format;
use crate::store::{block_on, FileStore};
use shelfcast_core::pipeline::Clock;

fn now() -> i64 {
    SystemClock.now_ms() as i64
}

pub fn register(dir: &Path, run_id: &str, name: &str) -> Result<ExitCode> {
    let mut store = FileStore::new(dir);
    let run = block_on(store.get_run(run_id))?.ok_or_else(|| anyhow!("no run {run_id} in the store {}", dir.display()))?;
    let model = block_on(store.get_model(run_id))?;
    let version = block_on(update(&mut store, name, |r: &mut Registry| r.register(name, &run, model.map(|m| m.head()).as_ref(), now())))?;
    println!("registered {name} version {version} (run {run_id})");
    Ok(ExitCode::SUCCESS)
}

pub fn alias(dir: &Path, name: &str, alias: &str, version: u32) -> Result<ExitCode> {
    let mut store = FileStore::new(dir);
    block_on(update(&mut store, name, |r| r.set_alias(name, alias, version, now())))?;
    println!("{name}@{alias} → version {version}");
    Ok(ExitCode::SUCCESS)
}

pub fn delete(dir: &Path, name: &str, version: u32) -> Result<ExitCode> {
    let mut store = FileStore::new(dir);
    block_on(update(&mut store, name, |r| r.delete_version(name, version, now())))?;
    println!("deleted {name} version {version}");
    Ok(ExitCode::SUCCESS)
}

fn what(name: &str, version: Option<u32>) -> String {
    version.map_or(name.to_string(), |v| format!("{name} version {v}"))
}

pub fn describe(dir: &Path, name: &str, version: Option<u32>, text: &str) -> Result<ExitCode> {
    let mut store = FileStore::new(dir);
    block_on(update(&mut store, name, |r| r.set_description(name, version, text, now())))?;
    println!("{}: description set", what(name, version));
    Ok(ExitCode::SUCCESS)
}

pub fn tag(dir: &Path, name: &str, version: Option<u32>, key: &str, value: &str) -> Result<ExitCode> {
    let mut store = FileStore::new(dir);
    block_on(update(&mut store, name, |r| r.set_tag(name, version, key, value, now())))?;
    println!("{}: tag {key:?} {}", what(name, version), if value.is_empty() { "removed" } else { "set" });
    Ok(ExitCode::SUCCESS)
}

pub fn list(dir: &Path, format: Format) -> Result<ExitCode> {
    let registry = block_on(FileStore::new(dir).registry())?;
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&registry.models.values().collect::<Vec<_>>())?),
        Format::Text => {
            for model in registry.models.values() {
                println!("{}{}", model.name, if model.description.is_empty() { String::new() } else { format!(" — {}", model.description) });
                for (k, v) in &model.tags {
                    println!("  tag {k} = {v}");
                }
                for v in &model.versions {
                    let aliases = model.aliases_of(v.version);
                    let alert = v.alert(model.alert_ratio).map(|a| format!("  ALERT: scored WMAE {:.2} is {:.2}× training", a.scored_wmae, a.ratio));
                    println!(
                        "  version {:<3} run {}  {} ({}), {} weeks from {}  WMAE {} {}{}{}",
                        v.version,
                        v.run_id,
                        v.family,
                        v.kind.name(),
                        v.horizon,
                        v.data_end,
                        v.training_wmae.map_or("-".into(), |w| format!("{w:.3}")),
                        v.training_basis,
                        if aliases.is_empty() { String::new() } else { format!("  @{}", aliases.join(" @")) },
                        alert.unwrap_or_default(),
                    );
                    for s in &v.scorings {
                        println!("      scored {} ({} rows, {} to {}) at {}: WMAE {:.3}", s.file, s.rows, s.first_week, s.last_week, format_timestamp_ms(s.time_ms), s.wmae);
                    }
                }
            }
            if registry.models.is_empty() {
                println!("no registered models in {}", dir.display());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
