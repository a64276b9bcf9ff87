//! The per-stage commands (`features`, `split`, `train`, `evaluate`, and `validate` on an
//! Arrow file) chained through files as a scheduler chains them, through the real binary:
//! the chain gives the metrics `run` gives, the figures of docs/definitions.md#reference-figures on the real data, and refuses
//! a chain whose cutoffs disagree (series statistics that would see the test weeks).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn shelfcast(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shelfcast")).args(args).output().expect("the shelfcast binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs a command that must succeed and returns its stdout as JSON (or `Null` when it prints
/// nothing).
fn succeed(args: &[&str]) -> Value {
    let output = shelfcast(args);
    assert!(output.status.success(), "shelfcast {}: {}", args.join(" "), stderr(&output));
    if output.stdout.is_empty() { Value::Null } else { serde_json::from_slice(&output.stdout).expect("JSON on stdout") }
}

/// A fresh, empty directory for one test's files.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("shelfcast-cli-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The built-in synthetic sample written as `train.csv` in `dir` by `shelfcast sample`.
fn sample_in(dir: &Path) -> PathBuf {
    succeed(&["sample", "--out", &path(dir, "train.csv")]);
    let written = std::fs::read(dir.join("train.csv")).unwrap();
    assert_eq!(written, shelfcast_core::synthetic::sample_train_csv(shelfcast_core::synthetic::DEFAULT_SEED));
    dir.to_path_buf()
}

#[path = "../../core/tests/common/mod.rs"]
mod common;

/// The real data directory, or `None` (said on stderr) when train.csv is absent; with
/// `SHELFCAST_REQUIRE_DATA=1` the absence fails the test.
fn real_data() -> Option<PathBuf> {
    common::real_file("train.csv").map(|_| common::data_dir())
}

fn path(dir: &Path, name: &str) -> String {
    dir.join(name).display().to_string()
}

/// features → split → train → evaluate; returns evaluate's metrics.
fn chain(data: &Path, dir: &Path, feature_args: &[&str], model_args: &[&str]) -> Value {
    let (features, train, test, model) = (path(dir, "features.arrow"), path(dir, "train.arrow"), path(dir, "test.arrow"), path(dir, "model.json"));
    let data = data.display().to_string();
    succeed(&[&["features", "--data", &data, "--out", &features][..], feature_args].concat());
    succeed(&[&["split", "--features", &features, "--train-out", &train, "--test-out", &test][..], feature_args].concat());
    succeed(&[&["train", "--train", &train, "--out", &model][..], feature_args, model_args].concat());
    succeed(&["evaluate", "--model", &model, "--test", &test, "--format", "json"])
}

/// The chain's test metrics equal the `run` record's, to the last bit.
fn assert_same_metrics(chained: &Value, record: &Value) {
    for name in ["mae", "rmse", "r2", "wmae"] {
        assert_eq!(chained[name].as_f64(), record["metrics"][format!("test_{name}")].as_f64(), "test {name}");
    }
    assert_eq!(chained["rows"].as_u64().map(|n| n.to_string()).as_deref(), record["params"]["test_rows"].as_str(), "test rows");
}

#[test]
fn the_chained_stages_give_the_metrics_of_run_on_the_sample() {
    let dir = scratch("chain-sample");
    let data = sample_in(&dir);
    let data_arg = data.display().to_string();
    for (features, model) in [
        (&[][..], &["--model", "ridge"][..]),
        (&["--series-stats", "--holiday-features"][..], &["--model", "gbdt", "--param", "max_iter=20"][..]),
    ] {
        let chained = chain(&data, &dir, features, model);
        let record = succeed(&[&["run", "--data", &data_arg, "--format", "json"][..], features, model].concat());
        assert_same_metrics(&chained, &record);
    }
}

#[test]
fn the_chained_stages_reproduce_the_reference_figures_on_the_real_data() {
    let Some(data) = real_data() else { return };
    let dir = scratch("chain-real");
    let chained = chain(&data, &dir, &[], &["--model", "ridge", "--param", "alpha=1.0"]);
    let close = |name: &str, expected: f64| {
        let actual = chained[name].as_f64().unwrap();
        assert!(((actual - expected) / expected).abs() <= 1e-6, "{name} {actual}, docs/definitions.md#reference-figures says {expected}");
    };
    close("mae", 2705.669);
    close("rmse", 4045.412);
    close("wmae", 2858.373);
    assert_eq!(chained["rows"], 113_908);
    let record = succeed(&["run", "--data", &data.display().to_string(), "--model", "ridge", "--param", "alpha=1.0", "--format", "json"]);
    assert_same_metrics(&chained, &record);
}

/// Series statistics built for a later cutoff than the split's would summarise test weeks:
/// `split` refuses them with exit 2 and says how to mend the chain.
#[test]
fn a_chain_whose_cutoffs_disagree_is_refused() {
    let dir = scratch("chain-cutoffs");
    let data = sample_in(&dir).display().to_string();
    let (features, train, test) = (path(&dir, "features.arrow"), path(&dir, "train.arrow"), path(&dir, "test.arrow"));
    succeed(&["features", "--data", &data, "--out", &features, "--series-stats", "--cutoff", "2012-10-26"]);
    let output = shelfcast(&["split", "--features", &features, "--train-out", &train, "--test-out", &test, "--series-stats"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert_eq!(
        stderr(&output),
        "error: split: the feature table's series statistics summarise the sales before 2012-10-26, but the split's cutoff is 2012-02-03: \
         they include sales from the test weeks, a leak. Build the features with the same cutoff (shelfcast features --cutoff 2012-02-03) or split at 2012-10-26\n"
    );
    assert!(!Path::new(&train).exists() && !Path::new(&test).exists(), "nothing is written");
    // Split at the cutoff the statistics used, the chain goes on.
    succeed(&["split", "--features", &features, "--train-out", &train, "--test-out", &test, "--series-stats", "--cutoff", "2012-10-26"]);
}

/// `validate` reads an Arrow file as it is (no type inference): the shipped feature suite
/// passes on the table `features` wrote, and its leakage checks fail (exit 1) when the table
/// was built for a closer horizon than the one asked for: the lag that looks one week back,
/// and every rolling window that ends on it.
#[test]
fn validate_checks_an_arrow_feature_table() {
    let dir = scratch("validate-arrow");
    let data = sample_in(&dir).display().to_string();
    let features = path(&dir, "features.arrow");
    succeed(&["features", "--data", &data, "--out", &features]);
    let suite = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../expectations/feature_expectation_suite.json").display().to_string();
    let result = succeed(&["validate", "--suite", &suite, "--data", &features, "--format", "json"]);
    assert_eq!(result["success"], true);
    let evaluated = result["statistics"]["evaluated_expectations"].as_u64().unwrap();
    assert_eq!(result["statistics"]["successful_expectations"].as_u64(), Some(evaluated));

    let output = shelfcast(&["validate", "--suite", &suite, "--data", &features, "--horizon", "2", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let result: Value = serde_json::from_slice(&output.stdout).unwrap();
    let failed: Vec<String> = result["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["success"] == false)
        .map(|r| {
            let config = &r["expectation_config"];
            let kind = config["type"].as_str().or(config["expectation_type"].as_str()).unwrap();
            format!("{kind} {}", config["kwargs"]["column"].as_str().unwrap_or("-"))
        })
        .collect();
    let mut expected = vec!["expect_lag_features_to_respect_horizon -".to_string()];
    for window in [4, 8, 13] {
        for statistic in ["mean", "std"] {
            expected.push(format!("expect_column_values_to_equal_rolling_statistic roll_{statistic}_{window}"));
        }
    }
    assert_eq!(failed, expected);
    assert_eq!(result["results"].as_array().unwrap().iter().find(|r| r["success"] == false).unwrap()["result"]["details"]["offending_features"], serde_json::json!(["lag_1"]));
}

/// `run --store DIR` keeps each run as `DIR/<run id>.json`, the record `--format json`
/// prints, readable by the engine's decoder, its model in `DIR/models/`, its detail in
/// `DIR/details/` and its experiment in `DIR/experiments/`; a second run adds a file beside
/// the first. (`--runs-dir` is the same option under its old name.)
#[test]
fn the_store_keeps_one_record_file_per_run() {
    let dir = scratch("runs-dir");
    let runs = dir.join("runs");
    let runs_arg = runs.display().to_string();
    let first = succeed(&["run", "--store", &runs_arg, "--format", "json"]);
    let second = succeed(&["run", "--runs-dir", &runs_arg, "--model", "seasonal-naive", "--format", "json"]);
    let names = |dir: &std::path::Path| {
        let mut files: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        files.sort();
        files
    };
    let mut expected = vec![format!("{}.json", first["run_id"].as_str().unwrap()), format!("{}.json", second["run_id"].as_str().unwrap())];
    expected.sort();
    assert_eq!(names(&runs.join("models")), expected, "each run's model");
    assert_eq!(names(&runs.join("details")), expected, "each run's detail");
    assert_eq!(names(&runs.join("experiments")), ["0.json"], "the default experiment, id 0");
    for record in [&first, &second] {
        let id = record["run_id"].as_str().unwrap();
        let detail = shelfcast_core::pipeline::RunDetail::from_json(&std::fs::read_to_string(runs.join("details").join(format!("{id}.json"))).unwrap(), id).unwrap();
        assert_eq!(detail.raw_validation.map(|v| v.success), Some(true), "the detail holds the contract results");
        assert_eq!(record["experiment_id"], "0");
    }
    expected.extend(["details".into(), "experiments".into(), "models".into()]);
    expected.sort();
    assert_eq!(names(&runs), expected);
    for record in [&first, &second] {
        let text = std::fs::read_to_string(runs.join(format!("{}.json", record["run_id"].as_str().unwrap()))).unwrap();
        assert_eq!(&serde_json::from_str::<Value>(&text).unwrap(), record, "the file holds the printed record");
        let decoded = shelfcast_core::tracking::decode_run_record(&text).unwrap();
        assert_eq!(decoded.params["model"], record["params"]["model"].as_str().unwrap());
    }
    // A directory that cannot be made is exit 2 and named.
    let blocked = dir.join("a-file");
    std::fs::write(&blocked, "").unwrap();
    let output = shelfcast(&["run", "--store", &blocked.join("runs").display().to_string()]);
    assert_eq!(output.status.code(), Some(2));
    let expected = format!("error: cannot create {}: Not a directory (os error 20)\n", blocked.join("runs").display());
    assert!(stderr(&output).ends_with(&expected), "{}", stderr(&output));
}

/// `SHELFCAST_REQUIRE_DATA=1` turns absent real data into a failure: this test binary runs its
/// own real-data test again against a directory without the data, once with the variable (it
/// must fail and say why) and once without (it must pass and say SKIPPED).
#[test]
fn absent_real_data_fails_when_required_and_skips_otherwise() {
    let empty = scratch("no-data");
    let rerun = |required: bool| {
        let mut command = Command::new(std::env::current_exe().unwrap());
        command.args(["--exact", "the_chained_stages_reproduce_the_reference_figures_on_the_real_data", "--nocapture"]);
        command.env("SHELFCAST_DATA_DIR", &empty).env_remove(common::REQUIRE_DATA);
        if required {
            command.env(common::REQUIRE_DATA, "1");
        }
        command.output().unwrap()
    };
    let required = rerun(true);
    assert!(!required.status.success(), "absent data with {} set must fail", common::REQUIRE_DATA);
    let text = String::from_utf8_lossy(&required.stderr).into_owned() + &String::from_utf8_lossy(&required.stdout);
    assert!(text.contains("SHELFCAST_REQUIRE_DATA is set and the real Walmart data is absent"), "{text}");
    let skipped = rerun(false);
    assert!(skipped.status.success());
    assert!(String::from_utf8_lossy(&skipped.stderr).contains("SKIPPED: the real Walmart data is absent"));
}
