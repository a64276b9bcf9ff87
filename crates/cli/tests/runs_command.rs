//! `shelfcast runs list` through the real binary: the records `run` and `forecast` keep in a
//! runs directory, filtered with the run-search syntax (OR and parentheses included); a bad
//! filter is exit 2 with its column; an unreadable file is listed apart.

use std::process::{Command, Output};

use serde_json::Value;

fn shelfcast(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shelfcast")).args(args).output().expect("the shelfcast binary runs")
}

fn ok(args: &[&str]) -> String {
    let output = shelfcast(args);
    assert!(output.status.success(), "shelfcast {}: {}", args.join(" "), String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn runs_are_listed_and_filtered_with_or_and_parentheses() {
    let dir = std::env::temp_dir().join(format!("shelfcast-runs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let runs_dir = dir.display().to_string();
    let id_of = |json: &str| serde_json::from_str::<Value>(json).unwrap()["run_id"].as_str().unwrap().to_string();
    let ridge = id_of(&ok(&["run", "--runs-dir", &runs_dir, "--format", "json"]));
    let gbdt = id_of(&ok(&["run", "--model", "gbdt", "--param", "max_iter=5", "--runs-dir", &runs_dir, "--format", "json"]));
    let forecast = id_of(&ok(&["forecast", "--horizon", "13", "--backtest", "1", "--runs-dir", &runs_dir, "--format", "json"]));
    std::fs::write(dir.join("broken.json"), "{ not json").unwrap();
    let listed = |filter: &str| -> Vec<String> {
        let json: Value = serde_json::from_str(&ok(&["runs", "list", "--runs-dir", &runs_dir, "--filter", filter, "--format", "json"])).unwrap();
        let mut ids: Vec<String> = json.as_array().unwrap().iter().map(|r| r["run_id"].as_str().unwrap().to_string()).collect();
        ids.sort();
        ids
    };
    let sorted = |mut ids: Vec<String>| {
        ids.sort();
        ids
    };
    assert_eq!(listed(""), sorted(vec![ridge.clone(), gbdt.clone(), forecast.clone()]));
    assert_eq!(listed("params.model = 'gbdt'"), vec![gbdt.clone()]);
    assert_eq!(listed("params.model = 'ridge' OR params.run_kind = 'forecast'"), sorted(vec![ridge.clone(), forecast.clone()]));
    assert_eq!(listed("(params.model = 'ridge' OR params.model = 'gbdt') AND metrics.test_wmae > 0"), sorted(vec![ridge.clone(), gbdt.clone()]));
    assert_eq!(listed("metrics.forecast_wmae > 0"), vec![forecast.clone()], "a forecast's figure has its own key");
    let text = ok(&["runs", "list", "--runs-dir", &runs_dir]);
    assert!(text.contains("3 of 3 runs"), "{text}");
    assert!(text.contains("not a readable run: broken.json"), "{text}");
    assert!(text.contains("13-week forecast") && text.contains("one-step"), "{text}");
    // Tags and the note are the mutable part of a run, and searchable.
    ok(&["runs", "tag", &gbdt, "best", "yes", "--runs-dir", &runs_dir]);
    ok(&["runs", "note", &ridge, "the holiday weeks look off", "--runs-dir", &runs_dir]);
    assert_eq!(listed("tags.best = 'yes' OR tags.`mlflow.note.content` LIKE '%holiday%'"), sorted(vec![ridge.clone(), gbdt.clone()]));
    ok(&["runs", "tag", &gbdt, "best", "", "--runs-dir", &runs_dir]);
    assert_eq!(listed("tags.best = 'yes'"), Vec::<String>::new(), "an empty value removes the tag");
    assert!(!dir.read_dir().unwrap().any(|e| e.unwrap().file_name().to_string_lossy().ends_with(".partial")), "no partial file is left");
    let missing = shelfcast(&["runs", "tag", "nope", "k", "v", "--runs-dir", &runs_dir]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no run nope in"), "{}", String::from_utf8_lossy(&missing.stderr));
    let bad = shelfcast(&["runs", "list", "--runs-dir", &runs_dir, "--filter", "metrics.test_wmae < 'low'"]);
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("filter, column 21: the key at column 1 holds numbers"), "{stderr}");
}
