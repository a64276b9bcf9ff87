//! `shelfcast predict`: scores a file with a registered version (`models:/NAME@ALIAS`,
//! `models:/NAME/VERSION`) through the core's `registry::score`, as the app's Models page
//! does, and writes the predictions — Kaggle's submission for a future-weeks file. A labelled
//! file's scoring is recorded on the version (monitoring). `--data` extends a one-step
//! model's stored history with later weeks.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{anyhow, Result};

use shelfcast_core::features::FeatureConfig;
use shelfcast_core::pipeline::{Clock, Suites};
use shelfcast_core::stages::ingest;
use shelfcast_core::registry::score::future_weeks_suite;
use shelfcast_core::registry::{score, update, ModelStore, ModelUri, ScoreInput, ScoredKind};

use super::SystemClock;
use crate::args::Format;
use crate::files::{read_bytes, read_inputs, write_file};
use crate::store::{block_on, FileStore};

pub fn run(dir: &Path, uri: &str, file: &Path, out: &Path, data: Option<&Path>, format: Format) -> Result<ExitCode> {
    let uri = ModelUri::parse(uri)?;
    let mut store = FileStore::new(dir);
    let registry = block_on(store.registry())?;
    let version = registry.resolve(&uri)?.clone();
    let model = block_on(store.get_model(&version.run_id))?
        .ok_or_else(|| anyhow!("{uri} is version {} (run {}), whose model is not in the store {}", version.version, version.run_id, dir.display()))?;
    let bytes = read_bytes(file)?;
    let name = file.display().to_string();
    let history = match data {
        Some(path) => Some(ingest::read(&read_inputs(path, &FeatureConfig::default())?, &FeatureConfig::default(), &mut |_| {})?.sales),
        None => None,
    };
    let (sales, future) = (Suites::shipped().raw, future_weeks_suite());
    let input = ScoreInput { name: &name, bytes: &bytes, sales_suite: &sales, future_suite: &future, history: history.as_ref() };
    let scored = score(&model, &input, &mut |_| {})?;
    let csv = match scored.kind {
        ScoredKind::FutureWeeks => scored.submission_csv(),
        ScoredKind::Labelled => scored.predictions_csv(),
    };
    write_file(out, csv.as_bytes())?;
    if let Some(scoring) = scored.scoring(SystemClock.now_ms() as i64) {
        block_on(update(&mut store, &uri.name, |r| r.record_scoring(&uri.name, version.version, scoring)))?;
    }
    let summary = serde_json::json!({
        "model": uri.to_string(),
        "version": version.version,
        "run_id": version.run_id,
        "file": name,
        "kind": scored.kind,
        "rows": scored.rows.len(),
        "unknown_series": scored.unknown_series,
        "wmae": scored.scores.as_ref().map(|s| s.overall.wmae),
        "mae": scored.scores.as_ref().map(|s| s.overall.mae),
        "out": out.display().to_string(),
    });
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&summary)?),
        Format::Text => {
            println!("{uri}: version {} (run {}), {} {}", version.version, version.run_id, version.family, version.kind.name());
            let unknown = match version.kind {
                shelfcast_core::tracking::RunKind::Forecast => "series the model has no forecast of",
                shelfcast_core::tracking::RunKind::OneStep => "rows without last week's sales",
            };
            println!("scored {} rows of {} ({} {unknown})", scored.rows.len(), name, scored.unknown_series);
            if let Some(s) = &scored.scores {
                println!("WMAE {:.3}  MAE {:.3}  RMSE {:.3} (training-time WMAE {})", s.overall.wmae, s.overall.mae, s.overall.rmse, version.training_wmae.map_or("-".into(), |w| format!("{w:.3}")));
            }
            println!("wrote {}", out.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
