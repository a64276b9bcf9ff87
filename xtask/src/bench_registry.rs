//! `cargo xtask bench-registry`: scoring the real test.csv with a registered forecast model,
//! natively and in headless Chromium.
//!
//! Natively (the release CLI): one forecast run on the real train.csv with test.csv as its
//! future weeks, kept in a scratch store, registered and aliased `champion`; then `shelfcast
//! predict --model models:/walmart@champion --score test.csv` timed as a whole process per
//! run. In the browser (`tests/bench/registry-browser.mjs`, unless `--no-browser`): the same
//! model registered through the page, the page reloaded before each run, and the time from
//! choosing the model and the file to the submission's download (target: under 3 s).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::bench::median_and_best;
use crate::{data_dir, dist, release_binary, setup, sh};

fn shelfcast(binary: &Path, args: &[&str]) -> Result<String> {
    let out = Command::new(binary).args(args).output().context("cannot run the shelfcast binary")?;
    if !out.status.success() {
        bail!("shelfcast {} failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn real_file(name: &str) -> Result<String> {
    let dir = data_dir();
    [name.to_string(), format!("{name}.gz")]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.exists())
        .map(|p| p.display().to_string())
        .with_context(|| format!("the real data is absent: no {name}[.gz] in {} (set SHELFCAST_DATA_DIR)", dir.display()))
}

pub fn run(runs: usize, browser: bool) -> Result<()> {
    let (train, test) = (real_file("train.csv")?, real_file("test.csv")?);
    sh("cargo", &["build", "--release", "--locked", "-p", "shelfcast-cli"])?;
    let binary = release_binary("shelfcast");
    let scratch = std::env::temp_dir().join(format!("shelfcast-bench-registry-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let store = scratch.join("store").display().to_string();
    let record: serde_json::Value = serde_json::from_str(&shelfcast(&binary, &["forecast", "--data", &train, "--future", &test, "--store", &store, "--format", "json"])?)?;
    let run_id = record["run_id"].as_str().context("the forecast's record has a run id")?;
    shelfcast(&binary, &["models", "register", run_id, "--name", "walmart", "--store", &store])?;
    shelfcast(&binary, &["models", "alias", "walmart", "champion", "1", "--store", &store])?;
    let model_bytes = std::fs::metadata(scratch.join("store/models").join(format!("{run_id}.json")))?.len();
    let record_bytes = std::fs::metadata(scratch.join("store").join(format!("{run_id}.json")))?.len();
    let out = scratch.join("submission.csv").display().to_string();
    let mut walls = Vec::new();
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        shelfcast(&binary, &["predict", "--model", "models:/walmart@champion", "--store", &store, "--score", &test, "--out", &out])?;
        walls.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let (median, best) = median_and_best(&walls);
    println!("\nnative predict: models:/walmart@champion (svd-trend, 39 weeks from 2012-11-02) on test.csv, {} runs", walls.len());
    println!("wall (whole process)   median {median:.1} ms   best {best:.1} ms");
    println!("stored model {:.1} KiB, its run record {:.1} KiB", model_bytes as f64 / 1024.0, record_bytes as f64 / 1024.0);
    let _ = std::fs::remove_dir_all(&scratch);
    if browser {
        setup::run()?;
        dist::build("/")?;
        sh("node", &["tests/bench/registry-browser.mjs", "--runs", &runs.to_string()])?;
    }
    Ok(())
}
