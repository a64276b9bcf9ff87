//! `shelfcast run`'s model and feature options, through the real binary: every model runs
//! with its defaults, bad hyperparameters and missing join files are exit code 2 with a
//! message that says what is valid or missing, and the JSON record carries the metrics and
//! every switch.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn shelfcast(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shelfcast")).args(args).output().expect("the shelfcast binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn corpus(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/malformed").join(file)
}

#[test]
fn every_model_runs_on_the_sample_and_json_has_the_metrics() {
    for model in ["seasonal-naive", "series-mean", "series-median", "linear", "ridge", "lasso", "elastic-net", "decision-tree", "random-forest", "gbdt"] {
        let output = shelfcast(&["run", "--model", model, "--seed", "3", "--format", "json", "--holiday-features", "--series-stats"]);
        assert!(output.status.success(), "{model}: {}", stderr(&output));
        let record: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert!(record["metrics"]["test_wmae"].as_f64().is_some_and(f64::is_finite), "{model}");
        assert_eq!(record["params"]["model"], model);
        assert_eq!(record["params"]["seed"], "3");
        assert_eq!(record["params"]["holiday_features"], "true");
        assert_eq!(record["params"]["join_features"], "false");
    }
}

#[test]
fn a_bad_hyperparameter_is_exit_2_and_lists_the_valid_ones() {
    let output = shelfcast(&["run", "--model", "gbdt", "--param", "learning_rat=0.1"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("valid parameters: "), "{}", stderr(&output));
    assert!(stderr(&output).contains("feature_fraction"), "{}", stderr(&output));
    let output = shelfcast(&["run", "--model", "gbdt", "--param", "subsample=2"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("parameter \"subsample\" must be a number in (0, 1]"), "{}", stderr(&output));
    let output = shelfcast(&["run", "--model", "boosted"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("valid models: seasonal-naive"), "{}", stderr(&output));
}

#[test]
fn a_join_whose_file_is_missing_is_exit_2_and_names_the_file() {
    let data = corpus("negative_sales_beyond_mostly.csv");
    let output = shelfcast(&["run", "--data", data.to_str().unwrap(), "--join", "features"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("join_features is on but features.csv (or features.csv.gz) is not among the inputs"), "{}", stderr(&output));
    let output = shelfcast(&["run", "--join", "weather"]);
    assert_eq!(output.status.code(), Some(2), "clap rejects an unknown join");
}
