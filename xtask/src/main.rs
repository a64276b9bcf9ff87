//! `cargo xtask …`: every build chore of the project, so a fresh machine needs two commands.
//!
//! - `setup`  installs what is missing (wasm target, Trunk, wasm-bindgen-cli, Debian's
//!   binaryen/chromium/chromium-driver, npm packages) and skips what is present;
//! - `dist`   builds the static app into `dist/` (release, CSP, 404.html fallback);
//! - `serve`  builds and serves it on http://127.0.0.1:8080/;
//! - `test`   runs every test: native Rust tests, the app's wasm-bindgen browser tests, then the
//!   end-to-end browser tests;
//! - `bench`  runs the whole pipeline natively on the real train.csv and prints stage times;
//! - `bench-accuracy [--models a,b]` prints every model's WMAE and fit time on the real data,
//!   on the base features (docs/definitions.md#base-features) and with the extra ones, on the tuning fold, the holdout and two
//!   other cutoffs;
//! - `bench-browser` builds `dist/` (unless `--no-build`) and runs the same pipeline in the
//!   app in headless Chromium (tests/bench/browser.mjs): end to end, stages beside the release
//!   CLI's and their ratio, long tasks, first render, .wasm sizes;
//! - `bench-forecast [--runs N] [--no-browser]` times the default 39-week forecast (alone and
//!   with a 3-window backtest) natively and in headless Chromium, and prints every forecast
//!   method's WMAE on the reference window and the validation windows;
//! - `bench-registry [--runs N] [--no-browser]` scores the real test.csv with a registered
//!   forecast model: the CLI's `predict`, and in headless Chromium after a reload, from
//!   choosing the model to the submission's download;
//! - `bench-runs [--runs N] [--no-build]` stores N generated runs (default 1,000) in the app's
//!   IndexedDB and times the Runs page in headless Chromium (tests/bench/runs-browser.mjs):
//!   opening it, an OR filter, a sort, a scroll to the end, and the longest task of each.

mod bench;
mod bench_accuracy;
mod bench_forecast;
mod bench_registry;
mod dist;
mod serve;
mod setup;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, rest) = args.split_first().map(|(c, r)| (c.as_str(), r)).unwrap_or(("help", &[]));
    let option = |name: &str| rest.iter().position(|a| a == name).and_then(|i| rest.get(i + 1)).cloned();
    match command {
        "setup" => setup::run(),
        "dist" => {
            setup::run()?;
            dist::build(&option("--public-url").unwrap_or_else(|| "/".into()))
        }
        "serve" => {
            setup::run()?;
            let public_url = option("--public-url").unwrap_or_else(|| "/".into());
            dist::build(&public_url)?;
            let port = option("--port").map(|p| p.parse()).transpose().context("--port takes a number")?.unwrap_or(8080);
            serve::serve(&root().join("dist"), &public_url, port)
        }
        "test" => test(),
        "bench" => bench::run(option("--runs").map(|r| r.parse()).transpose()?.unwrap_or(5)),
        "bench-accuracy" => {
            let models = option("--models").map(|m| m.split(',').map(str::to_string).collect());
            bench_accuracy::run(models)
        }
        "bench-forecast" => {
            let runs = option("--runs").map(|r| r.parse()).transpose().context("--runs takes a number")?.unwrap_or(3);
            bench_forecast::run(runs, !rest.iter().any(|a| a == "--no-browser"))
        }
        "bench-registry" => {
            let runs = option("--runs").map(|r| r.parse()).transpose().context("--runs takes a number")?.unwrap_or(3);
            bench_registry::run(runs, !rest.iter().any(|a| a == "--no-browser"))
        }
        "bench-runs" => {
            setup::run()?;
            if !rest.iter().any(|a| a == "--no-build") {
                dist::build("/")?;
            }
            let runs: usize = option("--runs").map(|r| r.parse()).transpose().context("--runs takes a number")?.unwrap_or(1000);
            sh("node", &["tests/bench/runs-browser.mjs", "--runs", &runs.to_string()])
        }
        "bench-browser" => {
            setup::run()?;
            if !rest.iter().any(|a| a == "--no-build") {
                dist::build("/")?;
            }
            let runs: usize = option("--runs").map(|r| r.parse()).transpose().context("--runs takes a number")?.unwrap_or(3);
            let model = option("--model").unwrap_or_else(|| "ridge".into());
            let features = option("--features").unwrap_or_default();
            // The native CLI runs the same stages beside the browser's, for the ratios.
            sh("cargo", &["build", "--release", "--locked", "-p", "shelfcast-cli"])?;
            let cli = release_binary("shelfcast");
            let cli = cli.to_str().context("the target directory's path is not UTF-8")?;
            sh("node", &["tests/bench/browser.mjs", "--cli", cli, "--runs", &runs.to_string(), "--model", &model, "--features", &features])
        }
        _ => {
            eprintln!("usage: cargo xtask <setup | dist [--public-url /path/] | serve [--port N] [--public-url /path/] | test | bench [--runs N] | bench-accuracy [--models a,b] | bench-browser [--runs N] [--model NAME] [--features a,b] [--no-build] | bench-forecast [--runs N] [--no-browser] | bench-registry [--runs N] [--no-browser] | bench-runs [--runs N] [--no-build]>");
            Ok(())
        }
    }
}

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the repository").to_path_buf()
}

/// Where the real Kaggle data is: `SHELFCAST_DATA_DIR`, else `../shared/data/walmart`.
pub fn data_dir() -> PathBuf {
    std::env::var_os("SHELFCAST_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/data/walmart"))
}

/// Cargo's target directory: `CARGO_TARGET_DIR`, else `target/` in the repository.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root().join("target"))
}

/// A binary of the release build.
pub fn release_binary(name: &str) -> PathBuf {
    target_dir().join("release").join(name)
}

/// Runs a command in the repository root, failing with its name when it fails.
pub fn sh(program: &str, args: &[&str]) -> Result<()> {
    sh_with_env(program, args, &[])
}

/// [`sh`] with extra environment variables.
pub fn sh_with_env(program: &str, args: &[&str], env: &[(&str, &str)]) -> Result<()> {
    let assignments: String = env.iter().map(|(name, value)| format!("{name}={value} ")).collect();
    eprintln!("$ {assignments}{program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(root())
        .status()
        .with_context(|| format!("cannot start {program}"))?;
    if !status.success() {
        bail!("{program} {} failed ({status})", args.join(" "));
    }
    Ok(())
}

/// Where the end-to-end tests find the sub-path build, and its public URL.
const SUBPATH_DIST: &str = "target/dist-subpath";
const SUBPATH_URL: &str = "/tools/shelfcast/";

fn test() -> Result<()> {
    setup::run()?;
    let data = data_dir();
    if !data.join("train.csv.gz").exists() && !data.join("train.csv").exists() {
        eprintln!("NOTE: the real Walmart data is absent from {}; tests that need it will say SKIPPED.", data.display());
    }
    sh("cargo", &["test", "--workspace", "--locked"])?;
    browser_tests()?;
    dist::build("/")?;
    // A second build for a host that serves the app below the domain's root.
    dist::build_into(SUBPATH_DIST, SUBPATH_URL)?;
    sh_with_env("npm", &["test"], &[("SHELFCAST_SUBPATH_DIST", SUBPATH_DIST), ("SHELFCAST_SUBPATH_URL", SUBPATH_URL)])
}

/// The app's browser tests (tests/web.rs: IndexedDB storage, views) in headless Chromium.
/// Cargo hands the test's .wasm to wasm-bindgen-test-runner, which drives Chromium through
/// chromedriver (Debian's, unless `CHROMEDRIVER` names another) with the flags in
/// webdriver.json.
fn browser_tests() -> Result<()> {
    let chromedriver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    sh_with_env(
        "cargo",
        &["test", "--locked", "--target", "wasm32-unknown-unknown", "-p", "shelfcast-app", "--test", "web"],
        &[
            ("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", "wasm-bindgen-test-runner"),
            ("CHROMEDRIVER", &chromedriver),
            // The runner's default (20 s) is tight for a cold Chromium on a busy 2-core machine.
            ("WASM_BINDGEN_TEST_TIMEOUT", "120"),
            // No DWARF in the test's .wasm: nothing reads it (a panic's trace names functions
            // from the name section, which stays), and generating and rewriting it for the
            // whole optimised dependency tree was the slowest step of the test run.
            ("CARGO_PROFILE_DEV_DEBUG", "false"),
        ],
    )
}
