//! The registry's operations, its memory store, and scoring files with stored models.

use super::*;
use crate::calendar::format_date;
use crate::contracts::Suite;
use crate::forecast::submission::kaggle_id;
use crate::pipeline::{run, Clock, ForecastSettings, InputFile, InputRole, PipelineConfig, PipelineOutcome, Suites};
use crate::synthetic::{sample_train_csv, DEFAULT_SEED};
use crate::tracking::ready;

struct FixedClock;

impl Clock for FixedClock {
    fn now_ms(&self) -> f64 {
        1_700_000_000_000.0
    }
}

/// The sample's lines (header first) split at `from`: the rows before, and the rows on or
/// after it (ISO dates compare as text).
fn sample_split(from: &str) -> (String, String) {
    split_text(&String::from_utf8(sample_train_csv(DEFAULT_SEED)).unwrap(), from)
}

fn split_text(text: &str, from: &str) -> (String, String) {
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let (mut before, mut after) = (format!("{header}\n"), format!("{header}\n"));
    for line in lines {
        let date = line.split(',').nth(2).unwrap();
        if date < from { &mut before } else { &mut after }.push_str(&format!("{line}\n"));
    }
    (before, after)
}

/// The sample's last date.
fn sample_end() -> i32 {
    let text = String::from_utf8(sample_train_csv(DEFAULT_SEED)).unwrap();
    text.lines().skip(1).map(|l| crate::calendar::parse_iso_date(l.split(',').nth(2).unwrap().as_bytes()).unwrap()).max().unwrap()
}

/// A future-weeks file: `labelled`'s rows without their sales.
fn without_sales(labelled: &str) -> String {
    let mut out = String::from("Store,Dept,Date,IsHoliday\n");
    for line in labelled.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        out.push_str(&format!("{},{},{},{}\n", f[0], f[1], f[2], f[4]));
    }
    out
}

fn forecast_run(inputs: &[InputFile], horizon: usize) -> PipelineOutcome {
    let config = PipelineConfig { forecast: Some(ForecastSettings { horizon, backtest_windows: 2, ..ForecastSettings::default() }), ..PipelineConfig::default() };
    let outcome = run(inputs, &config, &Suites::shipped(), &FixedClock, &mut |_| {});
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    outcome
}

fn scored(model: &StoredModel, name: &str, text: &str) -> crate::error::Result<Scored> {
    scored_with(model, name, text, None)
}

fn scored_with(model: &StoredModel, name: &str, text: &str, history: Option<&crate::frame::Frame>) -> crate::error::Result<Scored> {
    let (sales, future) = (Suites::shipped().raw, score::future_weeks_suite());
    score(model, &ScoreInput { name, bytes: text.as_bytes(), sales_suite: &sales, future_suite: &future, history }, &mut |_| {})
}

fn sales_frame(text: &str) -> crate::frame::Frame {
    crate::ingest::read_table("train.csv", text.as_bytes(), &crate::ingest::TRAIN, &mut |_| {}).unwrap().frame
}

/// A forecast run on the sample with its default origin (inside the data), its model.
fn labelled_forecast() -> (PipelineOutcome, StoredModel) {
    let outcome = forecast_run(&[InputFile::sample()], 13);
    let model = StoredModel::of_outcome(&outcome).expect("a finished forecast run has a model");
    (outcome, model)
}

#[test]
fn versions_increment_aliases_move_and_deleted_numbers_are_not_reused() {
    let (outcome, model) = labelled_forecast();
    let mut registry = Registry::default();
    assert_eq!(registry.register("walmart", &outcome.record, Some(&model.head()), 1).unwrap(), 1);
    assert_eq!(registry.register("walmart", &outcome.record, Some(&model.head()), 2).unwrap(), 2);
    registry.set_alias("walmart", "champion", 1, 3).unwrap();
    registry.set_alias("walmart", "challenger", 2, 3).unwrap();
    let champion = ModelUri::parse("models:/walmart@champion").unwrap();
    assert_eq!(registry.resolve(&champion).unwrap().version, 1);
    registry.set_alias("walmart", "champion", 2, 4).unwrap();
    assert_eq!(registry.resolve(&champion).unwrap().version, 2, "the alias moved");
    assert_eq!(registry.get("walmart").unwrap().aliases_of(2), vec!["challenger", "champion"]);
    registry.delete_version("walmart", 2, 5).unwrap();
    assert!(registry.get("walmart").unwrap().aliases.is_empty(), "aliases of a deleted version go with it");
    let err = registry.resolve(&champion).unwrap_err().to_string();
    assert!(err.contains("no alias \"champion\"") && err.contains("it has no aliases"), "{err}");
    assert_eq!(registry.register("walmart", &outcome.record, Some(&model.head()), 6).unwrap(), 3, "version 2 stays taken");
    assert_eq!(registry.resolve(&ModelUri::parse("models:/walmart/latest").unwrap()).unwrap().version, 3);
    assert_eq!(registry.resolve(&ModelUri::parse("models:/walmart/1").unwrap()).unwrap().run_id, outcome.record.run_id);
    let version = registry.get("walmart").unwrap().version(1).unwrap();
    assert_eq!(version.kind, crate::tracking::RunKind::Forecast);
    assert_eq!(version.training_wmae, outcome.record.headline().map(|h| h.value));
    registry.set_description("walmart", None, "weekly sales", 7).unwrap();
    registry.set_tag("walmart", Some(1), "owner", "ana", 7).unwrap();
    assert_eq!(registry.get("walmart").unwrap().version(1).unwrap().tags["owner"], "ana");
    registry.set_tag("walmart", Some(1), "owner", "", 8).unwrap();
    assert!(registry.get("walmart").unwrap().version(1).unwrap().tags.is_empty());
    assert!(registry.delete_version("walmart", 2, 9).unwrap_err().to_string().contains("no version 2"));
    assert!(registry.set_alias("walmart", "v3", 3, 9).unwrap_err().to_string().contains("reserved"));
    assert!(registry.set_alias("walmart", "x", 9, 9).unwrap_err().to_string().contains("no version 9"));
    assert!(registry.get("other").unwrap_err().to_string().contains("registered: walmart"));
}

#[test]
fn runs_that_cannot_be_registered_are_refused_with_the_reason() {
    let mut suites = Suites::shipped();
    suites.features = Some(
        Suite::from_json(
            "strict.json",
            r#"{"expectation_suite_name": "strict", "expectations": [{"expectation_type": "expect_column_to_exist", "kwargs": {"column": "lag_99"}}]}"#,
        )
        .unwrap(),
    );
    let failed = run(&[InputFile::sample()], &PipelineConfig::default(), &suites, &FixedClock, &mut |_| {});
    assert!(failed.error.is_none() && !failed.record.registrable);
    let model = StoredModel::of_outcome(&failed).expect("the run finished, so its model is kept");
    let mut registry = Registry::default();
    let err = registry.register("m", &failed.record, Some(&model.head()), 1).unwrap_err().to_string();
    assert!(err.contains("cannot be registered") && err.contains("strict (1 of 1 expectations failed)"), "{err}");
    assert!(registry.models.is_empty(), "a refusal creates no name");

    let (outcome, _) = labelled_forecast();
    let err = registry.register("m", &outcome.record, None, 1).unwrap_err().to_string();
    assert!(err.contains("its model is not stored"), "{err}");
    for bad in ["", "a/b", "a@b", "x\ny"] {
        assert!(registry.register(bad, &outcome.record, None, 1).is_err(), "{bad:?}");
    }
}

#[test]
fn model_uris_parse_in_mlflow_forms_and_bad_ones_say_how_to_write_them() {
    assert_eq!(ModelUri::parse("models:/walmart@champion").unwrap(), ModelUri { name: "walmart".into(), version: VersionRef::Alias("champion".into()) });
    assert_eq!(ModelUri::parse("models:/walmart/3").unwrap().version, VersionRef::Number(3));
    assert_eq!(ModelUri::parse("walmart/latest").unwrap().version, VersionRef::Latest);
    for bad in ["models:/walmart", "models:/walmart/0", "models:/walmart/x", "models:/@a", "models:/w@"] {
        let err = ModelUri::parse(bad).unwrap_err().to_string();
        assert!(err.contains("models:/NAME@ALIAS"), "{bad}: {err}");
    }
    assert_eq!(ModelUri::parse("models:/walmart@champion").unwrap().to_string(), "models:/walmart@champion");
}

#[test]
fn the_memory_store_keeps_models_and_the_registry_through_their_json() {
    let (outcome, model) = labelled_forecast();
    let mut store = MemoryModelStore::default();
    ready(store.put_model(&model)).unwrap();
    assert_eq!(ready(store.get_model(&outcome.record.run_id)).unwrap().as_ref(), Some(&model));
    assert!(ready(store.get_model("nope")).unwrap().is_none());
    let version = ready(update(&mut store, "walmart", |r| r.register("walmart", &outcome.record, Some(&model.head()), 1))).unwrap();
    ready(update(&mut store, "walmart", |r| r.set_alias("walmart", "champion", version, 2))).unwrap();
    let registry = ready(store.registry()).unwrap();
    assert_eq!(registry.get("walmart").unwrap().aliases["champion"], 1);
    // A refused change writes nothing.
    assert!(ready(update(&mut store, "walmart", |r| r.set_alias("walmart", "x", 7, 3))).is_err());
    assert_eq!(ready(store.registry()).unwrap(), registry);
}

#[test]
fn scoring_the_runs_own_weeks_reproduces_its_forecast_exactly_and_is_monitored() {
    let (outcome, model) = labelled_forecast();
    let forecast = outcome.forecast().unwrap();
    let origin = format_date(forecast.origin);
    let (_, after) = sample_split(&origin);
    let (window, _) = split_text(&after, &format_date(forecast.origin + 7 * 13));
    let scored = scored(&model, "later.csv", &window).unwrap();
    assert_eq!(scored.kind, ScoredKind::Labelled);
    assert_eq!(scored.rows.len(), forecast.rows.len());
    // The sample file lists rows in the same order as the run's labelled window.
    for i in 0..scored.rows.len() {
        assert_eq!((scored.rows.series[i], scored.rows.date[i]), (forecast.rows.series[i], forecast.rows.date[i]));
        assert_eq!(scored.predicted[i].to_bits(), forecast.predicted[i].to_bits(), "row {i}");
        assert_eq!(scored.intervals.as_ref().unwrap()[i], forecast.intervals.as_ref().unwrap()[i]);
    }
    let scores = scored.scores.as_ref().unwrap();
    assert_eq!(scores.overall.wmae, forecast.scores.as_ref().unwrap().overall.wmae);
    assert_eq!(scored.coverage, forecast.coverage);
    assert!(scored.totals.iter().all(|t| t.actual.is_some() && t.forecast.is_some()));
    let key = scored.series_keys()[0];
    let series = scored.series(key);
    assert_eq!(series.len(), scored.rows.series.iter().filter(|k| **k == key).count());
    assert!(series.windows(2).all(|w| w[0].date < w[1].date) && series.iter().all(|p| p.actual.is_some() && p.interval.is_some()));
    assert!(scored.predictions_csv().lines().count() == scored.rows.len() + 1);

    let mut registry = Registry::default();
    registry.register("walmart", &outcome.record, Some(&model.head()), 1).unwrap();
    let scoring = scored.scoring(10).unwrap();
    assert_eq!((scoring.first_week.as_str(), scoring.rows), (origin.as_str(), scored.rows.len()));
    registry.record_scoring("walmart", 1, scoring.clone()).unwrap();
    let version = registry.get("walmart").unwrap().version(1).unwrap();
    assert_eq!(version.scorings, vec![scoring.clone()]);
    // The run's own weeks score as the run did: no alert at 1.25×; a worse scoring alerts.
    assert_eq!(version.alert(DEFAULT_ALERT_RATIO), None);
    let training = version.training_wmae.unwrap();
    registry.record_scoring("walmart", 1, Scoring { wmae: 2.0 * training, ..scoring }).unwrap();
    let alert = registry.get("walmart").unwrap().version(1).unwrap().alert(DEFAULT_ALERT_RATIO).unwrap();
    assert!((alert.ratio - 2.0).abs() < 1e-12);
}

#[test]
fn a_future_weeks_file_gives_every_row_a_finite_forecast_and_kaggle_ids() {
    let end = sample_end();
    let from = format_date(end - 7 * 12);
    let (history, last_weeks) = sample_split(&from);
    let future = without_sales(&last_weeks);
    let inputs = [
        InputFile::train_csv(history.into_bytes()),
        InputFile { name: "test.csv".into(), role: InputRole::FutureWeeks, bytes: future.clone().into_bytes() },
    ];
    let outcome = forecast_run(&inputs, 13);
    let model = StoredModel::of_outcome(&outcome).unwrap();
    assert_eq!(model.signature.data_end, from);
    let scored = scored(&model, "test.csv", &future).unwrap();
    assert_eq!(scored.kind, ScoredKind::FutureWeeks);
    assert!(scored.scores.is_none() && scored.scoring(1).is_none(), "future weeks have nothing to score against");
    let forecast = outcome.forecast().unwrap();
    assert_eq!(scored.predicted, forecast.predicted);
    let submission = scored.submission_csv();
    let lines: Vec<&str> = submission.lines().collect();
    assert_eq!(lines[0], "Id,Weekly_Sales");
    assert_eq!(lines.len(), future.lines().count());
    for (line, row) in lines[1..].iter().zip(future.lines().skip(1)) {
        let f: Vec<&str> = row.split(',').collect();
        let (id, value) = line.split_once(',').unwrap();
        assert_eq!(id, kaggle_id(f[0].parse().unwrap(), f[1].parse().unwrap(), crate::calendar::parse_iso_date(f[2].as_bytes()).unwrap()));
        assert!(value.parse::<f64>().unwrap().is_finite(), "{line}");
    }
}

#[test]
fn files_the_model_cannot_score_are_refused_with_what_does_not_fit() {
    let (outcome, model) = labelled_forecast();
    let forecast = outcome.forecast().unwrap();
    let header = "Store,Dept,Date,IsHoliday\n";
    // A week past the horizon: named with its line.
    let beyond = format_date(forecast.origin + 7 * 13);
    let err = scored(&model, "far.csv", &format!("{header}1,1,{},FALSE\n1,1,{beyond},FALSE\n", format_date(forecast.origin))).unwrap_err().to_string();
    assert!(err.contains("far.csv, line 3") && err.contains(&beyond) && err.contains("forecasts 13 weeks"), "{err}");
    // A week before the model's data ends.
    let before = format_date(forecast.origin - 7);
    let err = scored(&model, "early.csv", &format!("Store,Dept,Date,Weekly_Sales,IsHoliday\n1,1,{before},10.0,FALSE\n")).unwrap_err().to_string();
    assert!(err.contains("early.csv, line 2") && err.contains(&before), "{err}");
    // The future-weeks contract: a store out of range, a duplicate row.
    let week = format_date(forecast.origin);
    let err = scored(&model, "bad.csv", &format!("{header}0,1,{week},FALSE\n1,1,{week},FALSE\n1,1,{week},FALSE\n")).unwrap_err().to_string();
    assert!(err.contains("bad.csv does not fit") && err.contains("future_weeks_expectation_suite"), "{err}");
    // A file that is not CSV of either schema: the ingest error, with its position.
    let err = scored(&model, "odd.csv", "Store,Dept,When\n1,1,x\n").unwrap_err().to_string();
    assert!(err.starts_with("odd.csv"), "{err}");

    // A one-step model scores nothing as a forecast.
    let one_step = run(&[InputFile::sample()], &PipelineConfig::default(), &Suites::shipped(), &FixedClock, &mut |_| {});
    let one_step = StoredModel::of_outcome(&one_step).unwrap();
    assert_eq!(one_step.signature.columns, PipelineConfig::default().features.model_columns());
    let err = scored(&one_step, "test.csv", &format!("{header}1,1,{week},FALSE\n")).unwrap_err().to_string();
    assert!(err.contains("one-step model") && err.contains("cannot forecast"), "{err}");
    // A forecast model's predictions are frozen: later weeks of history cannot change them.
    let err = scored_with(&model, "test.csv", &format!("{header}1,1,{week},FALSE\n"), Some(&sales_frame(&format!("Store,Dept,Date,Weekly_Sales,IsHoliday\n1,1,{week},5.0,FALSE\n")))).unwrap_err().to_string();
    assert!(err.contains("frozen at its origin"), "{err}");
}

#[test]
fn stored_models_round_trip_and_refuse_other_formats() {
    let (_, model) = labelled_forecast();
    let json = model.to_json();
    assert_eq!(StoredModel::from_json(&json, "m").unwrap(), model);
    assert_eq!(ModelHead::from_json(&json, "m").unwrap(), model.head());
    let other = json.replacen("\"format_version\":1", "\"format_version\":9", 1);
    assert!(StoredModel::from_json(&other, "m").unwrap_err().to_string().contains("format 9"));
    assert!(StoredModel::from_json("{", "m").unwrap_err().to_string().starts_with("m: "));
}

/// A one-step model scores the weeks after its data one week ahead from its stored tail: the
/// predictions equal the model's on features built from the whole history; a file that
/// starts after a gap needs the weeks between, which `history` gives.
#[test]
fn a_one_step_model_scores_later_weeks_from_its_stored_tail() {
    let end = sample_end();
    let from = format_date(end - 7 * 12);
    let (train, later) = sample_split(&from);
    for spec in [crate::models::ModelSpec::new(crate::models::ModelKind::Ridge, &[]).unwrap(), crate::models::ModelSpec::new(crate::models::ModelKind::Gbdt, &[("max_iter".into(), "20".into())]).unwrap()] {
        let mut config = PipelineConfig { model: spec, ..PipelineConfig::default() };
        config.features.series_stats = true;
        config.features.holiday_features = true;
        let outcome = run(&[InputFile::train_csv(train.clone().into_bytes())], &config, &Suites::shipped(), &FixedClock, &mut |_| {});
        assert!(outcome.error.is_none(), "{:?}", outcome.error);
        let model = StoredModel::of_outcome(&outcome).unwrap();
        assert_eq!(model.signature.data_end, from);
        let json = model.to_json();
        // Compared as JSON: a series without statistics holds NaN, which equals nothing.
        assert_eq!(StoredModel::from_json(&json, "m").unwrap().to_json(), json, "the tail and statistics round-trip");
        let all = scored(&model, "later.csv", &later).unwrap();
        assert_eq!((all.kind, all.rows.len()), (ScoredKind::Labelled, later.lines().count() - 1));

        // The reference: the fitted model on features of the whole sample, at its cutoff.
        let full = sales_frame(&String::from_utf8(sample_train_csv(DEFAULT_SEED)).unwrap());
        let cutoff = outcome.outputs.split.as_ref().unwrap().cutoff;
        let features = crate::features::build_features_with(&full, &config.features, &crate::features::FeatureInputs { cutoff: Some(cutoff), ..Default::default() }).unwrap();
        let (store, dept, date) = (features.ints("Store").unwrap(), features.ints("Dept").unwrap(), features.dates("Date").unwrap());
        let index: std::collections::HashMap<_, u32> = (0..features.num_rows()).map(|r| ((store.value(r), dept.value(r), date.value(r)), r as u32)).collect();
        let at: Vec<u32> = (0..all.rows.len()).map(|i| index[&(all.rows.series[i].store, all.rows.series[i].dept, all.rows.date[i])]).collect();
        let fitted = outcome.model().unwrap();
        let x = crate::design::scored_matrix(&features, &config.features, &at, crate::design::Missing::for_model(fitted.kind())).unwrap();
        let expected = fitted.predict(&x).unwrap();
        for (i, (a, b)) in all.predicted.iter().zip(&expected).enumerate() {
            assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "{:?} row {i}: {a} vs {b}", fitted.kind());
        }
        assert!(all.scores.as_ref().unwrap().overall.wmae > 0.0);

        // Weeks after a gap need the weeks between.
        let skip = format_date(end - 7 * 6);
        let (between, after_gap) = split_text(&later, &skip);
        let err = scored(&model, "after.csv", &after_gap).unwrap_err().to_string();
        assert!(err.contains("after.csv starts on") && err.contains("--data"), "{err}");
        let extended = scored_with(&model, "after.csv", &after_gap, Some(&sales_frame(&between))).unwrap();
        let by_key: std::collections::HashMap<_, f64> = (0..all.rows.len()).map(|i| ((all.rows.series[i], all.rows.date[i]), all.predicted[i])).collect();
        for i in 0..extended.rows.len() {
            let (a, b) = (extended.predicted[i], by_key[&(extended.rows.series[i], extended.rows.date[i])]);
            assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "row {i}: {a} vs {b}");
        }
        // A week before the model's data ends is not a later week.
        let err = scored(&model, "early.csv", &format!("Store,Dept,Date,Weekly_Sales,IsHoliday\n1,1,{},1.0,FALSE\n", format_date(end - 7 * 13))).unwrap_err().to_string();
        assert!(err.contains("early.csv, line 2") && err.contains("not after the model's data"), "{err}");
    }
}
