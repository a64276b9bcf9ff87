//! `cargo xtask bench`: the whole pipeline, natively, on the real train.csv.
//!
//! It builds the release CLI and runs `shelfcast run --format json` several times; each run
//! is a fresh process (read, decompress, parse, contracts, features, split, fit, score), and
//! the per-stage times are the ones the run record holds. Figures: median and best.

use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::{data_dir, release_binary, sh};

pub fn run(runs: usize) -> Result<()> {
    let data = data_dir();
    if !data.join("train.csv").exists() && !data.join("train.csv.gz").exists() {
        bail!("the real data is absent: no train.csv[.gz] in {} (set SHELFCAST_DATA_DIR)", data.display());
    }
    sh("cargo", &["build", "--release", "--locked", "-p", "shelfcast-cli"])?;
    let binary = release_binary("shelfcast");
    let mut stage_times: Vec<(String, Vec<f64>)> = Vec::new();
    let mut wall = Vec::new();
    for model in ["ridge", "seasonal-naive"] {
        stage_times.clear();
        wall.clear();
        for _ in 0..runs.max(1) {
            let started = Instant::now();
            let out = Command::new(&binary)
                .args(["run", "--data"])
                .arg(&data)
                .args(["--model", model, "--format", "json"])
                .output()
                .context("cannot run the shelfcast binary")?;
            wall.push(started.elapsed().as_secs_f64() * 1000.0);
            if !out.status.success() {
                bail!("shelfcast run failed: {}", String::from_utf8_lossy(&out.stderr));
            }
            let record: serde_json::Value = serde_json::from_slice(&out.stdout)?;
            add_stage_times(&record, &mut stage_times)?;
        }
        println!("\npipeline on the real train.csv ({}), model {model}, {} runs", data.display(), wall.len());
        println!("{:<18} {:>10} {:>10}", "stage", "median ms", "best ms");
        let mut total_median = 0.0;
        for (name, times) in &stage_times {
            let (median, best) = median_and_best(times);
            total_median += median;
            println!("{name:<18} {median:>10.1} {best:>10.1}");
        }
        println!("{:<18} {:>10.1}", "sum of stages", total_median);
        let (median, best) = median_and_best(&wall);
        println!("{:<18} {median:>10.1} {best:>10.1}   (whole process: start, read file, run, print)", "wall");
    }
    Ok(())
}

/// Adds each stage's duration in a run record to its list in `times` (stages in record order).
pub fn add_stage_times(record: &serde_json::Value, times: &mut Vec<(String, Vec<f64>)>) -> Result<()> {
    for stage in record["stages"].as_array().context("a run record has stages")? {
        let name = stage["stage"].as_str().unwrap_or("?").to_string();
        let ms = stage["duration_ms"].as_f64().unwrap_or(f64::NAN);
        match times.iter_mut().find(|(n, _)| *n == name) {
            Some((_, list)) => list.push(ms),
            None => times.push((name, vec![ms])),
        }
    }
    Ok(())
}

pub fn median_and_best(values: &[f64]) -> (f64, f64) {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    (sorted[sorted.len() / 2], sorted[0])
}
