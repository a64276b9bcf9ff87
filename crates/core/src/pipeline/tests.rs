//! The pipeline's gating, resume policy and joins on small tables.

use std::sync::Arc;

use super::*;
use crate::calendar::format_date;
use crate::tracking::RunStatus;

struct FixedClock;

impl Clock for FixedClock {
    fn now_ms(&self) -> f64 {
        0.0
    }
}

/// Regression: `shelfcast run --data my_sales.csv` and an uploaded file with any name
/// failed with "no train.csv among the inputs" before a byte was parsed.
#[test]
fn single_input_with_any_name_is_read_as_train() {
    let input = InputFile::named("my_sales.csv".into(), b"Store,Dept,Date,Weekly_Sales,IsHoliday\n1,1,2010-02-05,lots,FALSE\n".to_vec());
    let config = PipelineConfig::default();
    let outcome = run(&[input], &config, &Suites::shipped(), &FixedClock, &mut |_| {});
    let error = outcome.error.expect("the bad value fails ingest");
    assert_eq!(
        error.to_string(),
        "my_sales.csv (as train.csv), line 2, column \"Weekly_Sales\": not a number (value: \"lots\")"
    );
}

/// A weekly sales file of 60 weeks × 3 series, with `bad` negative sales in the last week.
fn small_sales(negative_rows: usize) -> InputFile {
    let first = crate::calendar::days_from_civil(2010, 2, 5);
    let mut csv = String::from("Store,Dept,Date,Weekly_Sales,IsHoliday\n");
    let mut negatives = negative_rows;
    for dept in 1..=3 {
        for week in 0..60 {
            let sales = if negatives > 0 && week >= 50 {
                negatives -= 1;
                -5.0
            } else {
                1000.0 + f64::from(dept * 10 + week % 7)
            };
            csv.push_str(&format!("1,{dept},{},{sales},FALSE\n", format_date(first + 7 * week)));
        }
    }
    InputFile::train_csv(csv.into_bytes())
}

fn states(outcome: &PipelineOutcome) -> Vec<(String, StageState)> {
    outcome.record.stages.iter().map(|s| (s.stage.name().to_string(), s.state)).collect()
}

#[test]
fn a_failed_raw_contract_stops_everything_downstream() {
    // 30 of 180 rows negative: far beyond the suite's `mostly`.
    let outcome = run(&[small_sales(30)], &PipelineConfig::default(), &Suites::shipped(), &FixedClock, &mut |_| {});
    assert!(outcome.contract_failed(), "{:?}", outcome.error);
    assert_eq!(outcome.record.status, RunStatus::Failed);
    let states = states(&outcome);
    assert_eq!(states[1], ("raw_contract".into(), StageState::Failed));
    assert!(states[2..].iter().all(|(_, s)| *s == StageState::UpstreamFailed));
    assert!(outcome.model().is_none() && !outcome.record.registrable);
    assert!(outcome.record.error.as_deref().unwrap().contains("sales_expectation_suite"));
}

#[test]
fn continuing_after_a_failed_contract_is_recorded_and_not_registrable() {
    let config = PipelineConfig { continue_on_contract_failure: true, ..PipelineConfig::default() };
    let outcome = run(&[small_sales(30)], &config, &Suites::shipped(), &FixedClock, &mut |_| {});
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert_eq!(outcome.record.status, RunStatus::Finished);
    assert_eq!(outcome.record.params["continue_on_contract_failure"], "true");
    assert_eq!(outcome.record.tags["contract_failure_continued"], "sales_expectation_suite");
    assert!(!outcome.record.registrable);
    assert!(!outcome.record.contracts[0].success);
}

#[test]
fn a_failed_feature_contract_finishes_the_run_but_not_registrable() {
    let mut suites = Suites::shipped();
    // A feature suite that cannot pass: a column the feature table never has.
    suites.features = Some(
        Suite::from_json(
            "strict.json",
            r#"{"expectation_suite_name": "strict", "expectations": [{"expectation_type": "expect_column_to_exist", "kwargs": {"column": "lag_99"}}]}"#,
        )
        .unwrap(),
    );
    let outcome = run(&[small_sales(0)], &PipelineConfig::default(), &suites, &FixedClock, &mut |_| {});
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert!(outcome.evaluation().is_some());
    assert!(!outcome.record.registrable);
    let feature_contract = &outcome.record.contracts[1];
    assert_eq!((feature_contract.suite.as_str(), feature_contract.success), ("strict", false));
    assert_eq!(feature_contract.suite_digest, suites.features.as_ref().unwrap().digest());
}

#[test]
fn a_clean_run_records_suites_digests_and_is_registrable() {
    let outcome = run(&[small_sales(0)], &PipelineConfig::default(), &Suites::shipped(), &FixedClock, &mut |_| {});
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert!(outcome.record.registrable);
    let names: Vec<_> = outcome.record.contracts.iter().map(|c| (c.suite.as_str(), c.success)).collect();
    assert_eq!(names, [("sales_expectation_suite", true), ("feature_expectation_suite", true)]);
    assert!(outcome.record.contracts.iter().all(|c| c.suite_digest.len() == 64));
    assert!(states(&outcome).iter().all(|(_, s)| *s == StageState::Success));
}

/// Each stage's name, state and line as a person reads it.
fn stage_messages(outcome: &PipelineOutcome) -> Vec<(String, StageState, String)> {
    outcome.record.stages.iter().map(|s| (s.stage.name().to_string(), s.state, s.display_message())).collect()
}

#[test]
fn running_from_train_keeps_the_upstream_outputs_and_refits() {
    let inputs = [small_sales(0)];
    let first = run(&inputs, &PipelineConfig::default(), &Suites::shipped(), &FixedClock, &mut |_| {});
    assert!(first.error.is_none(), "{:?}", first.error);
    let config = PipelineConfig {
        model: ModelSpec::new(ModelKind::Ridge, &[("alpha".into(), "1000".into())]).unwrap(),
        ..PipelineConfig::default()
    };
    let mut ran = Vec::new();
    // No inputs: a run from train must not need to read them again.
    let second = run_from(Stage::Train, &first, &[], &config, &Suites::shipped(), &FixedClock, &mut |event| {
        if let PipelineEvent::Stage { stage, state: StageState::Running, .. } = event {
            ran.push(stage);
        }
    });
    assert!(second.error.is_none(), "{:?}", second.error);
    assert_eq!(ran, [Stage::Train, Stage::Evaluate]);
    assert_eq!(second.started_at, Stage::Train);
    let messages = stage_messages(&second);
    for (name, state, message) in &messages[..5] {
        assert_eq!(*state, StageState::Success, "{name}");
        assert!(message.starts_with(&format!("kept from run {}: ", first.record.run_id)), "{name}: {message}");
    }
    // The same split, shared rather than copied; a different model and different scores.
    assert!(Arc::ptr_eq(first.outputs.split.as_ref().unwrap(), second.outputs.split.as_ref().unwrap()));
    assert_eq!(second.record.params["cutoff"], first.record.params["cutoff"]);
    assert_eq!(second.record.params["alpha"], "1000");
    assert_ne!(second.record.metrics["test_mae"], first.record.metrics["test_mae"]);
    assert_eq!(second.record.dataset, first.record.dataset);
    assert_eq!(second.record.contracts, first.record.contracts);
    assert_eq!(second.record.tags["resumed_from_run"], first.record.run_id);
    assert_eq!(second.record.tags["resumed_at_stage"], "train");
    assert!(second.record.registrable);

    // Kept twice: the message still names the run that computed the output.
    let third = run_from(Stage::Evaluate, &second, &[], &config, &Suites::shipped(), &FixedClock, &mut |_| {});
    assert_eq!(stage_messages(&third)[0].2, messages[0].2);
    assert!(stage_messages(&third)[5].2.starts_with(&format!("kept from run {}: ", second.record.run_id)));
    assert_eq!(third.record.metrics, second.record.metrics);
    // The record names the origin in its own field; the summary is the one the stage wrote.
    let kept: Vec<Option<&str>> = third.record.stages.iter().map(|s| s.kept_from.as_deref()).collect();
    let (a, b) = (first.record.run_id.as_str(), second.record.run_id.as_str());
    assert_eq!(kept, [Some(a), Some(a), Some(a), Some(a), Some(a), Some(b), None]);
    assert_eq!(third.record.stages[5].message, second.record.stages[5].message);
    assert!(first.record.stages.iter().all(|s| s.kept_from.is_none()));
}

#[test]
fn a_run_from_here_starts_earlier_when_upstream_settings_changed() {
    let inputs = [small_sales(0)];
    let first = run(&inputs, &PipelineConfig::default(), &Suites::shipped(), &FixedClock, &mut |_| {});
    let cutoff = crate::calendar::days_from_civil(2010, 11, 5);
    let config = PipelineConfig { cutoff: Some(cutoff), ..PipelineConfig::default() };
    let (start, reason) = first.resume_stage(Stage::Evaluate, &config, &Suites::shipped());
    assert_eq!(start, Stage::Split);
    assert_eq!(reason.as_deref(), Some("starting at split instead of evaluate: the cutoff changed"));
    let mut notes = Vec::new();
    let second = run_from(Stage::Evaluate, &first, &[], &config, &Suites::shipped(), &FixedClock, &mut |event| {
        if let PipelineEvent::Progress { note, .. } = event {
            notes.push(note);
        }
    });
    assert!(second.error.is_none(), "{:?}", second.error);
    assert_eq!(second.record.params["cutoff"], "2010-11-05");
    assert_eq!(notes, [reason.unwrap()]);

    let horizon = PipelineConfig { features: FeatureConfig::with_horizon(2), ..PipelineConfig::default() };
    assert_eq!(first.resume_stage(Stage::Train, &horizon, &Suites::shipped()).0, Stage::Features);
    let no_feature_suite = Suites { features: None, ..Suites::shipped() };
    assert_eq!(first.resume_stage(Stage::Split, &PipelineConfig::default(), &no_feature_suite).0, Stage::FeatureContract);
    let joins = PipelineConfig { features: FeatureConfig { join_stores: true, ..FeatureConfig::default() }, ..PipelineConfig::default() };
    assert_eq!(first.resume_stage(Stage::Train, &joins, &Suites::shipped()).0, Stage::Ingest);
    let stats = PipelineConfig { features: FeatureConfig { series_stats: true, ..FeatureConfig::default() }, ..PipelineConfig::default() };
    let with_stats = run(&inputs, &stats, &Suites::shipped(), &FixedClock, &mut |_| {});
    let (start, reason) = with_stats.resume_stage(Stage::Train, &PipelineConfig { cutoff: Some(cutoff), ..stats }, &Suites::shipped());
    assert_eq!((start, reason.unwrap().contains("series statistics")), (Stage::Features, true));
    // Earlier than the first changed stage is simply honoured.
    assert_eq!(first.resume_stage(Stage::Ingest, &config, &Suites::shipped()), (Stage::Ingest, None));
}

#[test]
fn a_run_from_here_after_a_failed_contract_starts_at_the_failed_stage() {
    let inputs = [small_sales(30)];
    let failed = run(&inputs, &PipelineConfig::default(), &Suites::shipped(), &FixedClock, &mut |_| {});
    assert!(failed.contract_failed());
    let (start, reason) = failed.resume_stage(Stage::Train, &PipelineConfig::default(), &Suites::shipped());
    assert_eq!(start, Stage::RawContract);
    assert!(reason.unwrap().contains("raw_contract did not complete"));
    // Continuing past the contract is a changed setting of that stage: it runs again.
    let config = PipelineConfig { continue_on_contract_failure: true, ..PipelineConfig::default() };
    let continued = run_from(Stage::Train, &failed, &inputs, &config, &Suites::shipped(), &FixedClock, &mut |_| {});
    assert!(continued.error.is_none(), "{:?}", continued.error);
    assert_eq!(continued.record.tags["contract_failure_continued"], "sales_expectation_suite");
    assert!(!continued.record.registrable);
    // Kept from that run, the continued contract still marks the next run.
    let again = run_from(Stage::Train, &continued, &[], &config, &Suites::shipped(), &FixedClock, &mut |_| {});
    assert_eq!(again.record.tags["contract_failure_continued"], "sales_expectation_suite");
    assert!(!again.record.registrable);
}

/// features.csv and stores.csv for store 1 of [`small_sales`]: every other week, with `NA`s.
fn join_files() -> Vec<InputFile> {
    let first = crate::calendar::days_from_civil(2010, 2, 5);
    let mut features = String::from("Store,Date,Temperature,Fuel_Price,MarkDown1,MarkDown2,MarkDown3,MarkDown4,MarkDown5,CPI,Unemployment,IsHoliday\n");
    for week in (0..60).step_by(2) {
        features.push_str(&format!("1,{},{}.5,2.5,NA,NA,NA,NA,NA,211.1,8.1,FALSE\n", format_date(first + 7 * week), 30 + week % 20));
    }
    vec![
        InputFile::named("features.csv".into(), features.into_bytes()),
        InputFile::named("stores.csv".into(), b"Store,Type,Size\r1,A,151315\r".to_vec()),
    ]
}

#[test]
fn joins_read_their_files_record_the_switches_and_fingerprint_every_file_used() {
    let config = PipelineConfig { features: FeatureConfig::everything(1), ..PipelineConfig::default() };
    let mut inputs = vec![small_sales(0)];
    inputs.extend(join_files());
    let outcome = run(&inputs, &config, &Suites::shipped(), &FixedClock, &mut |_| {});
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert!(outcome.record.registrable, "the base feature contract still passes with extra columns");
    let files: Vec<_> = outcome.record.dataset.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(files, ["features.csv", "stores.csv", "train.csv"]);
    for (switch, _) in config.features.switches() {
        assert_eq!(outcome.record.params[switch], "true", "{switch}");
    }
    // Without the switches the extra files are not read, and the digest is train.csv's alone.
    let plain = run(&inputs, &PipelineConfig::default(), &Suites::shipped(), &FixedClock, &mut |_| {});
    assert_eq!(plain.record.dataset.files.len(), 1);
    assert_eq!(plain.record.params["join_features"], "false");
}

#[test]
fn a_join_without_its_file_fails_ingest_naming_the_file() {
    let config = PipelineConfig {
        features: FeatureConfig { join_stores: true, ..FeatureConfig::default() },
        ..PipelineConfig::default()
    };
    let outcome = run(&[small_sales(0)], &config, &Suites::shipped(), &FixedClock, &mut |_| {});
    let error = outcome.error.expect("stores.csv is missing").to_string();
    assert!(error.contains("join_stores is on but stores.csv (or stores.csv.gz) is not among the inputs (train.csv)"), "{error}");
    assert_eq!(outcome.record.stages[0].state, StageState::Failed);
}

fn forecast_config() -> PipelineConfig {
    PipelineConfig { forecast: Some(ForecastSettings { horizon: 13, backtest_windows: 2, ..ForecastSettings::default() }), ..PipelineConfig::default() }
}

#[test]
fn a_forecast_run_records_its_kind_stages_and_forecast_metrics() {
    let mut events = Vec::new();
    let outcome = run(&[InputFile::sample()], &forecast_config(), &Suites::shipped(), &FixedClock, &mut |e| events.push(e));
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    let names: Vec<_> = outcome.record.stages.iter().map(|s| s.stage).collect();
    assert_eq!(names, Stage::FORECAST);
    assert!(outcome.record.stages.iter().all(|s| s.state == StageState::Success));
    let record = &outcome.record;
    assert_eq!(record.kind(), crate::tracking::RunKind::Forecast);
    assert_eq!(record.params["model"], "svd-trend");
    assert_eq!(record.params["forecast_horizon"], "13");
    for key in ["forecast_wmae", "forecast_wmae_h01_13", "forecast_coverage_80", "forecast_coverage_95", "forecast_coverage_80_h01_13", "backtest_wmae", "backtest_w1_wmae", "backtest_w2_wmae", "backtest_wmae_week13"] {
        assert!(record.metrics.contains_key(key), "{key} missing from {:?}", record.metrics.keys().collect::<Vec<_>>());
    }
    assert!(!record.metrics.keys().any(|k| k.starts_with("test_")), "a forecast's figures are never test_ metrics");
    let headline = record.headline().unwrap();
    assert_eq!((headline.basis.as_str(), headline.value), ("13-week forecast", record.metrics["forecast_wmae"]));
    let progress = events.iter().filter(|e| matches!(e, PipelineEvent::Progress { stage: Stage::Backtest, .. })).count();
    assert_eq!(progress, 3, "0, 1 and 2 of 2 windows");
}

#[test]
fn a_forecast_of_future_weeks_is_evaluated_by_its_backtest() {
    let sample = InputFile::sample();
    let ingested = crate::stages::ingest::read(std::slice::from_ref(&sample), &Default::default(), &mut |_| {}).unwrap();
    let last = ingested.sales.dates("Date").unwrap().iter().flatten().max().unwrap();
    let mut future = String::from("Store,Dept,Date,IsHoliday\n");
    for week in 0..13 {
        future.push_str(&format!("1,1,{},FALSE\n2,5,{},FALSE\n", format_date(last + 7 * (week + 1)), format_date(last + 7 * (week + 1))));
    }
    let inputs = [sample, InputFile::named("test.csv".into(), future.into_bytes())];
    assert_eq!(inputs[1].role, InputRole::FutureWeeks);
    let outcome = run(&inputs, &forecast_config(), &Suites::shipped(), &FixedClock, &mut |_| {});
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    let forecast = outcome.forecast().unwrap();
    assert_eq!(forecast.rows.len(), 26);
    assert_eq!(forecast.origin, last + 7);
    assert!(forecast.scores.is_none() && !outcome.record.metrics.contains_key("forecast_wmae"));
    assert_eq!(outcome.record.headline().unwrap().basis, "13-week backtest");
    assert_eq!(outcome.record.dataset.files.len(), 2, "the future-weeks file is fingerprinted too");
}

#[test]
fn a_forecast_run_from_here_keeps_ingest_and_redoes_the_backtest_when_its_settings_change() {
    let suites = Suites::shipped();
    let first = run(&[InputFile::sample()], &forecast_config(), &suites, &FixedClock, &mut |_| {});
    let mut config = forecast_config();
    config.forecast.as_mut().unwrap().horizon = 8;
    let again = run_from(Stage::Forecast, &first, &[], &config, &suites, &FixedClock, &mut |_| {});
    assert!(again.error.is_none(), "{:?}", again.error);
    assert_eq!(again.started_at, Stage::Backtest, "new forecast settings refit the backtest");
    assert_eq!(again.record.stages[0].kept_from.as_deref(), Some(first.record.run_id.as_str()));
    assert_eq!(again.forecast().unwrap().horizon, 8);
    // From a one-step run to a forecast run: the contract is kept, the rest runs.
    let one_step = run(&[InputFile::sample()], &PipelineConfig::default(), &suites, &FixedClock, &mut |_| {});
    let switched = run_from(Stage::Forecast, &one_step, &[], &forecast_config(), &suites, &FixedClock, &mut |_| {});
    assert!(switched.error.is_none(), "{:?}", switched.error);
    assert_eq!(switched.started_at, Stage::Backtest);
    assert_eq!(switched.record.stages.iter().map(|s| s.stage).collect::<Vec<_>>(), Stage::FORECAST);
}

/// A run's detail holds what its pages drew — both contracts' results, the charts, the log —
/// and reads back from a store as it was written, with opened series kept.
#[test]
fn a_run_detail_keeps_what_the_run_showed() {
    let mut log = RunLog::default();
    let mut tick = 0.0;
    let outcome = run(&[small_sales(0)], &PipelineConfig::default(), &Suites::shipped(), &FixedClock, &mut |event| {
        tick += 1.0;
        log.observe(&event, tick);
    });
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    let mut detail = RunDetail::of_outcome(&outcome, log);
    assert_eq!(detail.run_id, outcome.record.run_id);
    assert_eq!(detail.raw_validation.as_ref().map(|v| v.success), Some(true));
    assert!(detail.feature_validation.as_ref().is_some_and(|v| !v.results.is_empty()));
    assert!(!detail.totals.is_empty() && !detail.residuals.is_empty());
    assert_eq!(detail.store_totals.len(), 1, "one store");
    let summed: f64 = detail.totals.iter().map(|p| p.actual).sum();
    assert!((detail.store_totals[0].actual - summed).abs() < 1e-6 * summed.abs(), "per-store totals add up to the weekly totals");
    assert_eq!(detail.series_keys, [(1, 1), (1, 2), (1, 3)]);
    assert!(detail.coefficients.as_ref().is_some_and(|c| !c.is_empty()), "ridge has coefficients");
    assert_eq!(detail.importances, None, "and no importances");
    let stages_logged: Vec<Stage> = detail.log.iter().filter(|l| l.state == Some(StageState::Success)).map(|l| l.stage).collect();
    assert_eq!(stages_logged, Stage::ALL, "every stage's end is in the log, in order");
    assert_eq!(detail.log[0].at_ms, 0.0);
    for dept in [1, 2, 1] {
        let points = outcome.evaluation().unwrap().test_rows.series(1, dept);
        detail.open_series(1, dept, points);
    }
    assert_eq!(detail.series.iter().map(|s| s.dept).collect::<Vec<_>>(), [2, 1], "opened again moves to the end");
    let mut store = crate::tracking::MemoryRunStore::default();
    crate::tracking::ready(store.put_detail(&detail)).unwrap();
    let back = crate::tracking::ready(store.get_detail(&detail.run_id)).unwrap().unwrap();
    assert_eq!(back, detail);
    assert_eq!(crate::tracking::ready(store.get_detail("other")).unwrap(), None);
    let error = RunDetail::from_json(&detail.to_json(), "other").unwrap_err().to_string();
    assert_eq!(error, format!("the detail of run other: it belongs to run {}", detail.run_id));
    let newer = detail.to_json().replace("\"format_version\":1", "\"format_version\":2");
    assert!(RunDetail::from_json(&newer, &detail.run_id).unwrap_err().to_string().contains("format version 2 is not one this build reads"));
}

/// The log a run's events made, cut off just before `stage` ended, as the page holds it when
/// the run is cancelled there.
fn log_until_running(run: impl FnOnce(&mut dyn FnMut(PipelineEvent)), stage: Stage) -> RunLog {
    let mut events = Vec::new();
    run(&mut |event| events.push(event));
    let mut log = RunLog::default();
    for (i, event) in events.iter().enumerate() {
        log.observe(event, 1_000.0 + 100.0 * i as f64);
        if matches!(event, PipelineEvent::Stage { stage: s, state: StageState::Running, .. } if *s == stage) {
            break;
        }
    }
    log
}

#[test]
fn a_cancelled_run_is_killed_with_the_stages_it_finished() {
    let config = PipelineConfig::default();
    let suites = Suites::shipped();
    let log = log_until_running(
        |observer| {
            let _ = run(&[small_sales(0)], &config, &suites, &FixedClock, observer);
        },
        Stage::Train,
    );
    let (record, detail) = killed(&config, &suites, log, crate::tracking::DatasetFingerprint::new(Vec::new()), 5_000.0);
    assert_eq!(record.status, RunStatus::Killed);
    assert!(!record.registrable);
    assert_eq!(record.error.as_deref(), Some("cancelled during train"));
    let expected: Vec<(String, StageState)> = [
        ("ingest", StageState::Success),
        ("raw_contract", StageState::Success),
        ("features", StageState::Success),
        ("feature_contract", StageState::Success),
        ("split", StageState::Success),
        ("train", StageState::Failed),
        ("evaluate", StageState::UpstreamFailed),
    ]
    .into_iter()
    .map(|(s, state)| (s.to_string(), state))
    .collect();
    assert_eq!(record.stages.iter().map(|s| (s.stage.name().to_string(), s.state)).collect::<Vec<_>>(), expected);
    // Durations from the events' arrival (100 ms apart here).
    assert!(record.stages[..5].iter().all(|s| s.duration_ms >= 100.0 && s.duration_ms % 100.0 == 0.0), "{:?}", record.stages);
    let train = &record.stages[5];
    assert!(train.message.starts_with("cancelled after "), "{}", train.message);
    assert!(train.duration_ms > 0.0);
    assert_eq!(record.start_time_ms, 1_000);
    assert_eq!(record.end_time_ms, Some(5_000));
    // The params a finished run of this configuration records, but those its stages' outputs
    // add (the split's cutoff and row counts: the outputs are gone with the worker).
    let finished = run(&[small_sales(0)], &config, &suites, &FixedClock, &mut |_| {});
    let mut from_config = finished.record.params.clone();
    for added in ["cutoff", "train_rows", "test_rows"] {
        from_config.remove(added);
    }
    assert_eq!(record.params, from_config);
    assert!(record.metrics.is_empty());
    assert_eq!(detail.run_id, record.run_id);
    assert_eq!(detail.log.last().map(|l| (l.stage, l.state)), Some((Stage::Train, Some(StageState::Running))));
    // It reads back as it was written.
    assert_eq!(crate::tracking::decode_run_record(&record.to_json()).expect("reads back"), record);
}

#[test]
fn a_cancelled_run_from_here_names_the_run_each_kept_stage_came_from() {
    let config = PipelineConfig::default();
    let suites = Suites::shipped();
    let inputs = [small_sales(0)];
    let first = run(&inputs, &config, &suites, &FixedClock, &mut |_| {});
    let log = log_until_running(
        |observer| {
            let _ = run_from(Stage::Train, &first, &inputs, &config, &suites, &FixedClock, observer);
        },
        Stage::Train,
    );
    let (record, _) = killed(&config, &suites, log, first.record.dataset.clone(), 9_000.0);
    let kept: Vec<Option<&str>> = record.stages.iter().map(|s| s.kept_from.as_deref()).collect();
    let origin = Some(first.record.run_id.as_str());
    assert_eq!(kept, vec![origin, origin, origin, origin, origin, None, None]);
    assert_eq!(record.stages[0].message, first.record.stages[0].message);
    assert_eq!(record.dataset, first.record.dataset);
    // A cancelled run is never a stage another run can be resumed from.
    assert_eq!(record.stages[5].state, StageState::Failed);
}
