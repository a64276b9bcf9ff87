//! `cargo xtask bench-forecast`: true 39-week forecasts on the real train.csv, natively and
//! in headless Chromium.
//!
//! Natively (the release CLI, a fresh process per run): the default method's forecast alone
//! and with a 3-window backtest, per-stage times from the run record (median and best); then
//! every method's WMAE on the reference window (origin 2012-02-03) next to its backtest WMAE on
//! the validation windows inside the training part (docs/definitions.md#true-forecasts). In the
//! browser (`tests/bench/forecast-browser.mjs`, unless `--no-browser`): the same two runs timed
//! in the page.

use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::bench::{add_stage_times, median_and_best};
use crate::{data_dir, dist, release_binary, setup, sh};

fn forecast(binary: &std::path::Path, args: &[&str]) -> Result<(serde_json::Value, f64)> {
    let started = Instant::now();
    let out = Command::new(binary)
        .arg("forecast")
        .arg("--data")
        .arg(data_dir())
        .args(args)
        .args(["--format", "json"])
        .output()
        .context("cannot run the shelfcast binary")?;
    let wall = started.elapsed().as_secs_f64() * 1000.0;
    if !out.status.success() {
        bail!("shelfcast forecast {} failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
    }
    Ok((serde_json::from_slice(&out.stdout)?, wall))
}

pub fn run(runs: usize, browser: bool) -> Result<()> {
    let data = data_dir();
    if !data.join("train.csv").exists() && !data.join("train.csv.gz").exists() {
        bail!("the real data is absent: no train.csv[.gz] in {} (set SHELFCAST_DATA_DIR)", data.display());
    }
    sh("cargo", &["build", "--release", "--locked", "-p", "shelfcast-cli"])?;
    let binary = release_binary("shelfcast");
    for (label, args, target_ms) in [("forecast alone", &["--backtest", "0"][..], 3000.0), ("with a 3-window backtest", &["--backtest", "3"][..], f64::NAN)] {
        let mut stages: Vec<(String, Vec<f64>)> = Vec::new();
        let mut walls = Vec::new();
        for _ in 0..runs.max(1) {
            let (record, wall) = forecast(&binary, args)?;
            walls.push(wall);
            add_stage_times(&record, &mut stages)?;
        }
        println!("\nnative 39-week forecast, default method, {label}, {} runs", walls.len());
        println!("{:<18} {:>10} {:>10}", "stage", "median ms", "best ms");
        for (name, times) in &stages {
            let (median, best) = median_and_best(times);
            println!("{name:<18} {median:>10.1} {best:>10.1}");
        }
        let (median, best) = median_and_best(&walls);
        let goal = if target_ms.is_nan() { String::new() } else { format!("   target < {target_ms} ms: {}", if median < target_ms { "met" } else { "MISSED" }) };
        println!("{:<18} {median:>10.1} {best:>10.1}   (whole process){goal}", "wall");
    }
    println!("\nmethods: WMAE on the reference window (origin 2012-02-03) and on the validation windows");
    println!("{:<34} {:>10} {:>12} {:>8} {:>8}", "method", "reference", "validation", "cov 80", "cov 95");
    let methods: [(&str, &[&str]); 6] = [
        ("yearly-naive", &[]),
        ("yearly-mean", &[]),
        ("svd-yearly-naive", &[]),
        ("svd-yearly-naive", &["--param", "rank=10"]),
        ("svd-yearly-naive", &["--param", "rank=8", "--param", "christmas_shift=true"]),
        ("svd-trend", &[]),
    ];
    for (method, params) in methods {
        let (record, _) = forecast(&binary, &[&["--model", method][..], params].concat())?;
        let metric = |key: &str| record["metrics"][key].as_f64().map_or("-".to_string(), |v| format!("{v:.2}"));
        let percent = |key: &str| record["metrics"][key].as_f64().map_or("-".to_string(), |v| format!("{:.1}", 100.0 * v));
        let name = format!("{method} {}", params.iter().filter(|p| **p != "--param").copied().collect::<Vec<_>>().join(" "));
        println!("{name:<34} {:>10} {:>12} {:>8} {:>8}", metric("forecast_wmae"), metric("backtest_wmae"), percent("forecast_coverage_80"), percent("forecast_coverage_95"));
    }
    if browser {
        setup::run()?;
        dist::build("/")?;
        sh("node", &["tests/bench/forecast-browser.mjs", "--runs", &runs.to_string()])?;
    }
    Ok(())
}
