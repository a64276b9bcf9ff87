//! `shelfcast forecast` through the real binary: the run record with forecast metrics (never
//! `test_` ones), the submission and forecast files for a future-weeks file, and clear errors
//! for a bad horizon, method or future file.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn shelfcast(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shelfcast")).args(args).output().expect("the shelfcast binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn record(args: &[&str]) -> Value {
    let output = shelfcast(&[&["forecast", "--format", "json"][..], args].concat());
    assert!(output.status.success(), "shelfcast forecast {}: {}", args.join(" "), stderr(&output));
    serde_json::from_slice(&output.stdout).expect("the run record as JSON")
}

fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("shelfcast-forecast-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_forecast_of_the_sample_records_forecast_and_backtest_metrics() {
    let run = record(&["--horizon", "26", "--backtest", "2"]);
    assert_eq!(run["params"]["run_kind"], "forecast");
    assert_eq!(run["params"]["forecast_horizon"], "26");
    assert_eq!(run["params"]["model"], "svd-trend");
    let metrics = run["metrics"].as_object().unwrap();
    for key in ["forecast_wmae", "forecast_mae", "forecast_rmse", "forecast_wmae_h01_13", "forecast_wmae_h14_26", "forecast_coverage_80", "backtest_wmae", "backtest_w1_wmae", "backtest_w2_wmae"] {
        assert!(metrics.contains_key(key), "{key} missing: {:?}", metrics.keys().collect::<Vec<_>>());
    }
    assert!(!metrics.keys().any(|k| k.starts_with("test_")), "forecast figures are never test_ metrics");
    let stages: Vec<&str> = run["stages"].as_array().unwrap().iter().map(|s| s["stage"].as_str().unwrap()).collect();
    assert_eq!(stages, ["ingest", "raw_contract", "backtest", "forecast"]);
}

#[test]
fn future_weeks_get_a_submission_and_a_forecast_file() {
    let dir = scratch("future");
    // The sample ends on 2012-10-26: two series, three weeks after it, one store new.
    let future = dir.join("test.csv");
    std::fs::write(&future, "Store,Dept,Date,IsHoliday\n1,1,2012-11-02,FALSE\n1,1,2012-11-09,FALSE\n99,1,2012-11-02,FALSE\n").unwrap();
    let (submission, out) = (dir.join("submission.csv"), dir.join("forecast.csv"));
    let run = record(&[
        "--horizon", "3", "--future", &future.display().to_string(),
        "--submission", &submission.display().to_string(), "--out", &out.display().to_string(),
    ]);
    assert_eq!(run["params"]["origin"], "2012-11-02", "the week after the data ends");
    assert!(run["metrics"].get("forecast_wmae").is_none(), "future weeks have no sales to score");
    assert!(run["metrics"]["backtest_wmae"].as_f64().unwrap() > 0.0);
    let text = std::fs::read_to_string(&submission).unwrap();
    let ids: Vec<&str> = text.lines().map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(ids, ["Id", "1_1_2012-11-02", "1_1_2012-11-09", "99_1_2012-11-02"]);
    assert!(text.lines().skip(1).all(|l| l.split(',').nth(1).unwrap().parse::<f64>().unwrap().is_finite()));
    let forecast = std::fs::read_to_string(&out).unwrap();
    let header = forecast.lines().next().unwrap();
    assert_eq!(header, "Store,Dept,Date,IsHoliday,Forecast,Lower_80,Upper_80,Lower_95,Upper_95");
    for line in forecast.lines().skip(1) {
        let v: Vec<f64> = line.split(',').skip(4).map(|x| x.parse().unwrap()).collect();
        assert!(v[3] <= v[1] && v[1] <= v[0] && v[0] <= v[2] && v[2] <= v[4], "95 % ⊇ 80 % ∋ forecast: {line}");
    }
}

#[test]
fn bad_settings_and_files_are_clear_errors() {
    let fails = |args: &[&str], expected: &str| {
        let output = shelfcast(&[&["forecast"][..], args].concat());
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        assert!(stderr(&output).contains(expected), "expected “{expected}” in: {}", stderr(&output));
    };
    fails(&["--horizon", "60"], "the forecast horizon must be 1–52 weeks, got 60");
    fails(&["--model", "prophet"], "unknown forecast method \"prophet\"; valid methods: yearly-naive, yearly-mean, svd-yearly-naive, svd-trend");
    fails(&["--cutoff", "2012-02-04"], "the origin 2012-02-04 is not one of train.csv's weeks");
    let dir = scratch("bad-future");
    let future = dir.join("test.csv");
    std::fs::write(&future, "Store,Dept,Date,IsHoliday\n1,1,2012-11-02,FALSE\n1,1,2013-12-27,FALSE\n").unwrap();
    fails(&["--future", &future.display().to_string()], &format!("{}, line 3: 2013-12-27 is not one of the forecast's weeks (2012-11-02 to 2013-07-26, every 7 days)", future.display()));
    std::fs::write(&future, "Store,Dept,Date,IsHoliday\n1,1,2012-11-02,MAYBE\n").unwrap();
    fails(&["--future", &future.display().to_string()], "line 2, column \"IsHoliday\"");
}
