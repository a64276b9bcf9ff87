//! `cargo xtask bench-accuracy`: every model's WMAE and fit time on the real data.
//!
//! It builds the release CLI and runs `shelfcast run --format json` once per model, feature
//! set and fold, reading the test WMAE and the train stage's time from the run record. The
//! folds:
//! - `tuning`: a validation tail inside the training part — the data before the default
//!   cutoff (2012-02-03), split at 2011-08-05 (26 validation weeks). The defaults were chosen
//!   on this fold alone; it never sees a week of the holdout.
//! - `holdout`: the default split (docs/definitions.md#split: cutoff 2012-02-03, 39 test weeks).
//! - `2011-11-04`, `2012-04-27`: other cutoffs (52 and 27 test weeks), to show that the
//!   same defaults hold elsewhere in the year, holidays included.
//!
//! Each model runs with its defaults on three feature sets: the base ones (docs/definitions.md#base-features), plus the series
//! statistics (the switch the models' docs recommend), and every extra feature.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::{data_dir, release_binary, sh, target_dir};

/// The feature sets compared: a column title and the CLI flags.
const FEATURE_SETS: [(&str, &str); 3] = [("base", "--no-series-stats"), ("+series", "--series-stats"), ("+all", "--all-features")];

const MODELS: [&str; 10] = [
    "seasonal-naive",
    "series-mean",
    "series-median",
    "linear",
    "ridge",
    "lasso",
    "elastic-net",
    "decision-tree",
    "random-forest",
    "gbdt",
];

/// The default cutoff on the full train.csv; the tuning fold only sees data before it.
const HOLDOUT_CUTOFF: &str = "2012-02-03";
const TUNING_CUTOFF: &str = "2011-08-05";

struct Fold {
    name: &'static str,
    data: PathBuf,
    cutoff: Option<&'static str>,
}

/// One run's figures, or why it failed.
struct Outcome {
    wmae: f64,
    fit_seconds: f64,
    error: Option<String>,
}

pub fn run(models: Option<Vec<String>>) -> Result<()> {
    let data = data_dir();
    if !data.join("train.csv").exists() && !data.join("train.csv.gz").exists() {
        bail!("the real data is absent: no train.csv[.gz] in {} (set SHELFCAST_DATA_DIR)", data.display());
    }
    sh("cargo", &["build", "--release", "--locked", "-p", "shelfcast-cli"])?;
    // A private copy: the benchmark takes minutes, and a rebuild meanwhile must not change
    // the binary half-way through the table.
    let binary = target_dir().join("bench-accuracy/shelfcast");
    fs::create_dir_all(target_dir().join("bench-accuracy"))?;
    fs::copy(release_binary("shelfcast"), &binary).context("cannot copy the release binary")?;
    let tuning_data = tuning_fold_data(&data)?;
    let folds = [
        Fold { name: "tuning", data: tuning_data, cutoff: Some(TUNING_CUTOFF) },
        Fold { name: "holdout", data: data.clone(), cutoff: None },
        Fold { name: "2011-11-04", data: data.clone(), cutoff: Some("2011-11-04") },
        Fold { name: "2012-04-27", data: data.clone(), cutoff: Some("2012-04-27") },
    ];
    let models: Vec<String> = models.unwrap_or_else(|| MODELS.iter().map(|m| m.to_string()).collect());
    println!("accuracy on the real data ({})", data.display());
    let sets: Vec<String> = FEATURE_SETS.iter().map(|(title, flags)| format!("{title} = the base features (docs/definitions.md#base-features) {flags}")).collect();
    println!("{}", sets.join("; "));
    println!("fit = the train stage of the run record, seconds (native, release build, one process per run)\n");
    for fold in &folds {
        let cutoff = fold.cutoff.map_or_else(|| format!("{HOLDOUT_CUTOFF} (default)"), str::to_string);
        println!("fold {} — cutoff {cutoff}", fold.name);
        let mut header = format!("{:<16}", "model");
        for (title, _) in FEATURE_SETS {
            header.push_str(&format!(" {:>12} {:>6}", format!("WMAE {title}"), "fit"));
        }
        println!("{header}");
        for model in &models {
            let mut line = format!("{model:<16}");
            let mut errors = Vec::new();
            for (title, flags) in FEATURE_SETS {
                let flags: Vec<&str> = flags.split_whitespace().collect();
                let outcome = run_once(&binary, fold, model, &flags)?;
                line.push_str(&format!(" {}", cells(&outcome)));
                errors.extend(outcome.error.map(|e| format!("  {model} ({title}): {e}")));
            }
            println!("{line}");
            errors.iter().for_each(|e| println!("{e}"));
        }
        println!();
    }
    Ok(())
}

fn cells(outcome: &Outcome) -> String {
    if outcome.error.is_some() {
        return format!("{:>12} {:>6}", "failed", "");
    }
    format!("{:>12.1} {:>6.2}", outcome.wmae, outcome.fit_seconds)
}

fn run_once(binary: &Path, fold: &Fold, model: &str, extra: &[&str]) -> Result<Outcome> {
    let mut command = Command::new(binary);
    command.args(["run", "--data"]).arg(&fold.data).args(["--model", model, "--format", "json"]).args(extra);
    if let Some(cutoff) = fold.cutoff {
        command.args(["--cutoff", cutoff]);
    }
    let out = command.output().context("cannot run the shelfcast binary")?;
    let record: serde_json::Value = serde_json::from_slice(&out.stdout).with_context(|| {
        format!("shelfcast run printed no run record: {}", String::from_utf8_lossy(&out.stderr))
    })?;
    let train_ms = record["stages"]
        .as_array()
        .and_then(|stages| stages.iter().find(|s| s["stage"] == "train"))
        .and_then(|s| s["duration_ms"].as_f64())
        .unwrap_or(f64::NAN);
    Ok(Outcome {
        wmae: record["metrics"]["test_wmae"].as_f64().unwrap_or(f64::NAN),
        fit_seconds: train_ms / 1000.0,
        error: record["error"].as_str().map(str::to_string),
    })
}

/// A directory with train.csv cut to the weeks before the holdout's cutoff, and the join
/// files beside it, under the target directory.
fn tuning_fold_data(data: &Path) -> Result<PathBuf> {
    let dir = target_dir().join("bench-accuracy/tuning-fold");
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let reader: Box<dyn BufRead> = match data.join("train.csv") {
        plain if plain.exists() => Box::new(BufReader::new(fs::File::open(plain)?)),
        _ => Box::new(BufReader::new(flate2::read::MultiGzDecoder::new(fs::File::open(data.join("train.csv.gz"))?))),
    };
    let mut out = std::io::BufWriter::new(fs::File::create(dir.join("train.csv"))?);
    for (i, line) in reader.lines().enumerate() {
        let line = line?;
        // ISO dates compare as text; the third field is Date.
        if i == 0 || line.split(',').nth(2).is_some_and(|date| date < HOLDOUT_CUTOFF) {
            writeln!(out, "{line}")?;
        }
    }
    out.flush()?;
    for name in ["features.csv", "features.csv.gz", "stores.csv", "stores.csv.gz"] {
        if data.join(name).exists() {
            fs::copy(data.join(name), dir.join(name)).with_context(|| format!("cannot copy {name}"))?;
        }
    }
    Ok(dir)
}
