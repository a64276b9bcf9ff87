//! The registry through the real binary: `forecast --store` keeps the run and its model,
//! `models register/alias/delete/list` manage versions and aliases, `predict` scores a
//! future-weeks file (Kaggle's submission, equal to the forecast run's own) and a labelled
//! file (metrics, recorded for monitoring); the refusals are exit 2 with what is wrong; a
//! write killed half-way leaves the store as it was; an old runs directory is a store.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use shelfcast_core::synthetic::{sample_train_csv, DEFAULT_SEED};

fn shelfcast_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_shelfcast"));
    command.args(args);
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("the shelfcast binary runs")
}

fn shelfcast(args: &[&str]) -> Output {
    shelfcast_env(args, &[])
}

fn ok(args: &[&str]) -> String {
    let output = shelfcast(args);
    assert!(output.status.success(), "shelfcast {}: {}", args.join(" "), String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// The exit code and stderr of a command that must fail.
fn fails(args: &[&str]) -> (Option<i32>, String) {
    let output = shelfcast(args);
    assert!(!output.status.success(), "shelfcast {} succeeded", args.join(" "));
    (output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned())
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("shelfcast-models-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The sample split at `from` (ISO dates compare as text): train.csv before, and the later
/// rows as a future-weeks file (no sales) and as a labelled file.
fn sample_files(dir: &Path, from: &str) -> (PathBuf, PathBuf, PathBuf) {
    let text = String::from_utf8(sample_train_csv(DEFAULT_SEED)).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let (mut train, mut future, mut labelled) = (format!("{header}\n"), String::from("Store,Dept,Date,IsHoliday\n"), format!("{header}\n"));
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        if f[2] < from {
            train.push_str(&format!("{line}\n"));
        } else {
            future.push_str(&format!("{},{},{},{}\n", f[0], f[1], f[2], f[4]));
            labelled.push_str(&format!("{line}\n"));
        }
    }
    let paths = (dir.join("train.csv"), dir.join("test.csv"), dir.join("later.csv"));
    std::fs::write(&paths.0, train).unwrap();
    std::fs::write(&paths.1, future).unwrap();
    std::fs::write(&paths.2, labelled).unwrap();
    paths
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn registry(store: &str) -> Value {
    json(&ok(&["models", "list", "--store", store, "--format", "json"]))
}

#[test]
fn register_alias_and_predict_a_submission_and_a_labelled_file() {
    let dir = scratch("flow");
    let store = dir.join("store").display().to_string();
    // The sample ends 2012-10-26; its last 13 weeks are the future.
    let (train, future, labelled) = sample_files(&dir, "2012-08-03");
    let (train, future, labelled) = (train.display().to_string(), future.display().to_string(), labelled.display().to_string());
    let own_submission = dir.join("own.csv").display().to_string();
    let run = json(&ok(&[
        "forecast", "--data", &train, "--future", &future, "--horizon", "13", "--backtest", "2", "--store", &store, "--submission", &own_submission, "--format", "json",
    ]));
    let run_id = run["run_id"].as_str().unwrap();
    assert!(ok(&["runs", "show", run_id, "--store", &store]).contains("model stored: svd-trend (forecast), 13 weeks ahead; registrable"));
    assert_eq!(json(&ok(&["runs", "show", run_id, "--store", &store, "--format", "json"]))["run_id"], run_id);

    assert_eq!(ok(&["models", "register", run_id, "--name", "walmart", "--store", &store]).trim(), format!("registered walmart version 1 (run {run_id})"));
    assert!(ok(&["models", "register", run_id, "--name", "walmart", "--store", &store]).contains("version 2"));
    ok(&["models", "alias", "walmart", "champion", "1", "--store", &store]);
    ok(&["models", "alias", "walmart", "champion", "2", "--store", &store]);
    let models = registry(&store);
    assert_eq!(models[0]["name"], "walmart");
    assert_eq!(models[0]["aliases"]["champion"], 2, "the alias moved");
    assert_eq!(models[0]["versions"].as_array().unwrap().len(), 2);
    assert_eq!(models[0]["versions"][0]["run_id"], run_id);

    // The submission from the registered champion is the forecast run's own, byte for byte.
    let submission = dir.join("submission.csv");
    let submission_arg = submission.display().to_string();
    let out = json(&ok(&["predict", "--model", "models:/walmart@champion", "--store", &store, "--score", &future, "--out", &submission_arg, "--format", "json"]));
    assert_eq!((out["kind"].as_str(), out["version"].as_u64()), (Some("future_weeks"), Some(2)));
    let written = std::fs::read_to_string(&submission).unwrap();
    assert_eq!(written, std::fs::read_to_string(&own_submission).unwrap());
    assert_eq!(written.lines().count(), std::fs::read_to_string(&future).unwrap().lines().count());
    assert!(registry(&store)[0]["versions"][1]["scorings"].as_array().unwrap().is_empty(), "future weeks are not a scoring");

    // A labelled file of the same weeks: metrics, and a scoring recorded on version 1.
    let predictions = dir.join("predictions.csv").display().to_string();
    let out = json(&ok(&["predict", "--model", "models:/walmart/1", "--store", &store, "--score", &labelled, "--out", &predictions, "--format", "json"]));
    assert_eq!(out["kind"], "labelled");
    let wmae = out["wmae"].as_f64().unwrap();
    assert!(wmae.is_finite() && wmae > 0.0);
    let scorings = &registry(&store)[0]["versions"][0]["scorings"];
    assert_eq!(scorings.as_array().unwrap().len(), 1);
    assert_eq!((scorings[0]["wmae"].as_f64(), scorings[0]["first_week"].as_str()), (Some(wmae), Some("2012-08-03")));
    assert!(std::fs::read_to_string(&predictions).unwrap().lines().next().unwrap().contains("Weekly_Sales"));
    let text = ok(&["models", "list", "--store", &store]);
    assert!(text.contains("@champion") && text.contains("scored "), "{text}");

    // Refusals: exit 2, each naming what is wrong.
    let predict = |model: &str, file: &str| fails(&["predict", "--model", model, "--store", &store, "--score", file, "--out", &predictions]);
    let (code, err) = predict("models:/nope@champion", &future);
    assert!(code == Some(2) && err.contains("no registered model \"nope\" (registered: walmart)"), "{err}");
    let (code, err) = predict("models:/walmart@prod", &future);
    assert!(code == Some(2) && err.contains("no alias \"prod\" (its aliases: champion)"), "{err}");
    let (code, err) = predict("walmart", &future);
    assert!(code == Some(2) && err.contains("models:/NAME@ALIAS"), "{err}");
    let far = dir.join("far.csv");
    std::fs::write(&far, "Store,Dept,Date,IsHoliday\n1,1,2012-08-03,FALSE\n1,1,2013-08-02,FALSE\n").unwrap();
    let (code, err) = predict("models:/walmart@champion", &far.display().to_string());
    assert!(code == Some(2) && err.contains("far.csv, line 3") && err.contains("2013-08-02"), "{err}");
    let (code, err) = fails(&["models", "alias", "walmart", "champion", "7", "--store", &store]);
    assert!(code == Some(2) && err.contains("no version 7"), "{err}");

    // Descriptions and tags, of the model and of a version.
    ok(&["models", "describe", "walmart", "weekly sales, 39 weeks ahead", "--store", &store]);
    ok(&["models", "tag", "walmart", "owner", "ana", "--store", &store]);
    ok(&["models", "tag", "walmart", "reviewed", "yes", "--version", "1", "--store", &store]);
    let models = registry(&store);
    assert_eq!((models[0]["description"].as_str(), models[0]["tags"]["owner"].as_str()), (Some("weekly sales, 39 weeks ahead"), Some("ana")));
    assert_eq!(models[0]["versions"][0]["tags"]["reviewed"], "yes");

    // Deleting a version takes its aliases; its number is not given again.
    ok(&["models", "delete", "walmart", "2", "--store", &store]);
    assert!(registry(&store)[0]["aliases"].as_object().unwrap().is_empty());
    assert!(ok(&["models", "register", run_id, "--name", "walmart", "--store", &store]).contains("version 3"));
}

#[test]
fn one_step_models_and_failed_contracts_are_refused_with_the_reason() {
    let dir = scratch("refusals");
    let store = dir.join("store").display().to_string();
    let one_step = json(&ok(&["run", "--store", &store, "--format", "json"]));
    let id = one_step["run_id"].as_str().unwrap();
    ok(&["models", "register", id, "--name", "ridge", "--store", &store]);
    let future = dir.join("test.csv");
    std::fs::write(&future, "Store,Dept,Date,IsHoliday\n1,1,2012-11-02,FALSE\n").unwrap();
    let out = dir.join("out.csv").display().to_string();
    let (code, err) = fails(&["predict", "--model", "models:/ridge/1", "--store", &store, "--score", &future.display().to_string(), "--out", &out]);
    assert!(code == Some(2) && err.contains("one-step model (ridge)"), "{err}");

    let suite = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/run_records/feature_suite_failing.json").display().to_string();
    let failed = shelfcast(&["run", "--store", &store, "--feature-suite", &suite, "--format", "json"]);
    let failed = json(&String::from_utf8(failed.stdout).unwrap());
    assert_eq!(failed["registrable"], false);
    let (code, err) = fails(&["models", "register", failed["run_id"].as_str().unwrap(), "--name", "ridge", "--store", &store]);
    assert!(code == Some(2) && err.contains("cannot be registered: a data contract failed on it"), "{err}");
    assert_eq!(registry(&store)[0]["versions"].as_array().unwrap().len(), 1, "the refusal changed nothing");
    let (code, err) = fails(&["models", "register", "no-such-run", "--name", "ridge", "--store", &store]);
    assert!(code == Some(2) && err.contains("no run no-such-run"), "{err}");
}

/// A one-step model scores the labelled weeks right after its data one week ahead; a file
/// after a gap needs the weeks between (`--data`), and a forecast model takes no `--data`.
#[test]
fn a_one_step_model_scores_later_weeks_and_data_fills_a_gap() {
    let dir = scratch("one-step");
    let store = dir.join("store").display().to_string();
    let (train, _, later) = sample_files(&dir, "2012-08-03");
    let run = json(&ok(&["run", "--data", &train.display().to_string(), "--model", "gbdt", "--param", "max_iter=20", "--series-stats", "--store", &store, "--format", "json"]));
    ok(&["models", "register", run["run_id"].as_str().unwrap(), "--name", "gbdt", "--store", &store]);
    let out = dir.join("p.csv").display().to_string();
    let predict = |file: &str, extra: &[&str]| {
        let mut args = vec!["predict", "--model", "models:/gbdt/1", "--store", &store, "--score", file, "--out", &out, "--format", "json"];
        args.extend_from_slice(extra);
        shelfcast(&args)
    };
    let whole = predict(&later.display().to_string(), &[]);
    assert!(whole.status.success(), "{}", String::from_utf8_lossy(&whole.stderr));
    let whole = json(&String::from_utf8(whole.stdout).unwrap());
    assert_eq!(whole["kind"], "labelled");
    let rows: Vec<String> = std::fs::read_to_string(&out).unwrap().lines().map(str::to_string).collect();
    assert_eq!(rows.len(), std::fs::read_to_string(&later).unwrap().lines().count());

    // The last weeks alone: refused without the weeks between, scored with them.
    let text = std::fs::read_to_string(&later).unwrap();
    let header = text.lines().next().unwrap();
    let (mut between, mut after) = (format!("{header}\n"), format!("{header}\n"));
    for line in text.lines().skip(1) {
        if line.split(',').nth(2).unwrap() < "2012-09-14" { &mut between } else { &mut after }.push_str(&format!("{line}\n"));
    }
    let (between_path, after_path) = (dir.join("between.csv"), dir.join("after.csv"));
    std::fs::write(&between_path, between).unwrap();
    std::fs::write(&after_path, after).unwrap();
    let refused = predict(&after_path.display().to_string(), &[]);
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("after.csv starts on 2012-09-14") && err.contains("--data"), "{err}");
    let filled = predict(&after_path.display().to_string(), &["--data", &between_path.display().to_string()]);
    assert!(filled.status.success(), "{}", String::from_utf8_lossy(&filled.stderr));
    let filled = json(&String::from_utf8(filled.stdout).unwrap());
    assert!(filled["wmae"].as_f64().unwrap() > 0.0);
    assert_eq!(registry(&store)[0]["versions"][0]["scorings"].as_array().unwrap().len(), 2, "both scorings recorded");
}

/// A write killed half-way (the process aborts after writing part of the registry file)
/// leaves the previous registry readable and whole; the next write succeeds.
#[test]
fn a_write_killed_half_way_leaves_the_previous_state() {
    let dir = scratch("crash");
    let store = dir.join("store").display().to_string();
    let run = json(&ok(&["forecast", "--horizon", "13", "--backtest", "1", "--store", &store, "--format", "json"]));
    let id = run["run_id"].as_str().unwrap();
    ok(&["models", "register", id, "--name", "walmart", "--store", &store]);
    ok(&["models", "register", id, "--name", "walmart", "--store", &store]);
    ok(&["models", "alias", "walmart", "champion", "1", "--store", &store]);
    let before = registry(&store);
    let killed = shelfcast_env(&["models", "alias", "walmart", "champion", "2", "--store", &store], &[("SHELFCAST_FAULT_ABORT_WRITE_AFTER", "40")]);
    assert!(!killed.status.success() && killed.status.code().is_none(), "the process was killed by the abort: {killed:?}");
    assert!(String::from_utf8_lossy(&killed.stderr).contains("aborting after 40 of"));
    let leftovers: Vec<_> = std::fs::read_dir(dir.join("store/registry")).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(leftovers.iter().any(|f| f.ends_with(".partial")), "the interrupted write left its temporary file: {leftovers:?}");
    assert_eq!(registry(&store), before, "the registry is as it was before the killed write");
    // The same for a run's model: killed mid-write, the earlier model is intact.
    let killed = shelfcast_env(&["forecast", "--horizon", "13", "--backtest", "1", "--store", &store], &[("SHELFCAST_FAULT_ABORT_WRITE_AFTER", "100")]);
    assert!(killed.status.code().is_none());
    ok(&["models", "alias", "walmart", "champion", "2", "--store", &store]);
    assert_eq!(registry(&store)[0]["aliases"]["champion"], 2);
    let future = dir.join("test.csv");
    std::fs::write(&future, "Store,Dept,Date,IsHoliday\n1,1,2012-02-03,FALSE\n").unwrap();
    let out = dir.join("out.csv");
    ok(&["predict", "--model", "models:/walmart@champion", "--store", &store, "--score", &future.display().to_string(), "--out", &out.display().to_string()]);
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 2);
}

/// A runs directory written before the store existed (records of every version, as earlier
/// builds wrote them) is a store: every run lists.
#[test]
fn an_old_runs_directory_is_a_store_with_every_run() {
    let dir = scratch("old");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/run_records");
    let mut ids = std::collections::BTreeSet::new();
    for version in ["v1", "v2", "v3"] {
        for entry in std::fs::read_dir(fixtures.join(version)).unwrap() {
            let path = entry.unwrap().path();
            let id = json(&std::fs::read_to_string(&path).unwrap())["run_id"].as_str().unwrap().to_string();
            std::fs::copy(&path, dir.join(format!("{id}.json"))).unwrap();
            ids.insert(id);
        }
    }
    let listed = json(&ok(&["runs", "list", "--store", &dir.display().to_string(), "--format", "json"]));
    let listed: std::collections::BTreeSet<String> = listed.as_array().unwrap().iter().map(|r| r["run_id"].as_str().unwrap().to_string()).collect();
    assert_eq!(listed, ids);
    assert!(ids.len() >= 10, "{ids:?}");
    assert!(registry(&dir.display().to_string()).as_array().unwrap().is_empty());
}
