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

/// A join file with a value its column cannot hold is an ingest error naming that file, its
/// line and column and the value (exit 2), whichever line ending it uses; the sales file
/// beside it is fine.
#[test]
fn a_join_file_with_bad_contents_is_exit_2_and_names_file_line_and_column() {
    let dir = std::env::temp_dir().join(format!("shelfcast-bad-joins-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let sample = shelfcast_core::synthetic::sample_train_csv(shelfcast_core::synthetic::DEFAULT_SEED);
    std::fs::write(dir.join("train.csv"), sample).unwrap();
    let features_header = "Store,Date,Temperature,Fuel_Price,MarkDown1,MarkDown2,MarkDown3,MarkDown4,MarkDown5,CPI,Unemployment,IsHoliday";
    std::fs::write(
        dir.join("features.csv"),
        format!("{features_header}\n1,2010-02-05,42.31,2.572,NA,NA,NA,NA,NA,211.09,8.106,FALSE\n1,2010-02-12,hot,2.548,NA,NA,NA,NA,NA,211.24,8.106,TRUE\n"),
    )
    .unwrap();
    // stores.csv ends its lines with a bare CR, as Kaggle's does.
    std::fs::write(dir.join("stores.csv"), "Store,Type,Size\r1,A,151315\r2,A,big\r").unwrap();
    let data = dir.display().to_string();

    let output = shelfcast(&["run", "--data", &data, "--join", "features"]);
    assert_eq!(output.status.code(), Some(2));
    let expected = format!("{}, line 3, column \"Temperature\": not a number (value: \"hot\")", dir.join("features.csv").display());
    assert!(stderr(&output).contains(&expected), "expected {expected:?} in {}", stderr(&output));

    let output = shelfcast(&["run", "--data", &data, "--join", "stores"]);
    assert_eq!(output.status.code(), Some(2));
    let expected = format!("{}, line 3, column \"Size\": not an integer (value: \"big\")", dir.join("stores.csv").display());
    assert!(stderr(&output).contains(&expected), "expected {expected:?} in {}", stderr(&output));
}
