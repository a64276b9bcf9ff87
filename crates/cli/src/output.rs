//! Human-readable output of the CLI (the JSON formats print the core's types as they are).

use shelfcast_core::contracts::{Suite, ValidationResult};
use shelfcast_core::metrics::Metrics;
use shelfcast_core::pipeline::{PipelineEvent, PipelineOutcome};


use shelfcast_core::calendar::format_date;
use shelfcast_core::forecast::evaluation::band_key;
use shelfcast_core::forecast::Scores;
use shelfcast_core::tracking::{RunRecord, StageState};

pub fn print_event(event: &PipelineEvent) {
    if let PipelineEvent::Stage { stage, state, duration_ms: Some(ms), message } = event {
        let mark = match state {
            StageState::Success => "ok",
            StageState::Failed => "FAILED",
            _ => "",
        };
        eprintln!("{:<17} {:>6} {:>9.1} ms  {message}", stage.name(), mark, ms);
    }
}

pub fn print_metrics(part: &str, m: &Metrics) {
    println!("{part:<6} rows {:>8}  MAE {:>10.3}  RMSE {:>10.3}  R² {:>7.4}  WMAE {:>10.3}", m.rows, m.mae, m.rmse, m.r2, m.wmae);
}

fn print_header(record: &RunRecord) {
    println!("run {} ({:?}) in experiment {}", record.run_id, record.status, record.experiment);
    println!("dataset digest {}", record.dataset.digest);
    let params: Vec<String> = record.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    println!("params {}", params.join(" "));
}

fn print_scores(label: &str, scores: &Scores, horizon: usize) {
    let m = &scores.overall;
    let bands: Vec<String> = scores
        .bands
        .iter()
        .enumerate()
        .filter_map(|(b, m)| m.map(|m| format!("weeks {}: {:.2}", band_key(b, horizon).trim_start_matches('h').replace('_', "–"), m.wmae)))
        .collect();
    println!("{label:<18} rows {:>7}  MAE {:>9.3}  RMSE {:>9.3}  WMAE {:>9.3}  ({})", m.rows, m.mae, m.rmse, m.wmae, bands.join(", "));
}

pub fn print_forecast(outcome: &PipelineOutcome) {
    let record = &outcome.record;
    print_header(record);
    if let Some(backtest) = outcome.backtest() {
        let horizon = outcome.forecast().map_or(0, |f| f.horizon);
        for (i, window) in backtest.windows.iter().enumerate() {
            print_scores(&format!("backtest {} {}", i + 1, format_date(window.origin)), &window.scores, horizon);
        }
        if let Some(pooled) = &backtest.pooled {
            print_scores("backtest (all)", pooled, horizon);
        }
    }
    if let Some(forecast) = outcome.forecast() {
        match &forecast.scores {
            Some(scores) => print_scores(&format!("forecast {}", format_date(forecast.origin)), scores, forecast.horizon),
            None => println!("forecast {}: {} future rows (no sales known: the backtest is the evaluation)", format_date(forecast.origin), forecast.rows.len()),
        }
        if let Some([c80, c95]) = forecast.coverage {
            let bands: Vec<String> = forecast
                .band_coverage
                .iter()
                .enumerate()
                .filter_map(|(b, c)| c.map(|[c80, c95]| format!("weeks {}: {:.1} / {:.1}", band_key(b, forecast.horizon).trim_start_matches('h').replace('_', "–"), 100.0 * c80, 100.0 * c95)))
                .collect();
            println!("interval coverage  80 %: {:.1} %  95 %: {:.1} %  ({})", 100.0 * c80, 100.0 * c95, bands.join(", "));
        }
        if forecast.series_without_history > 0 {
            println!("{} series have no history before the origin: {}", forecast.series_without_history, forecast.method.new_series_rule());
        }
    }
    if let Some(error) = &record.error {
        println!("failed: {error}");
    }
}

pub fn print_run(outcome: &PipelineOutcome) {
    let record = &outcome.record;
    print_header(record);
    if let Some(evaluation) = outcome.evaluation() {
        print_metrics("train", &evaluation.train);
        print_metrics("test", &evaluation.test);
    }
    for (result, suite) in [(outcome.raw_validation(), record.params.get("raw_suite")), (outcome.feature_validation(), record.params.get("feature_suite"))] {
        if let (Some(result), Some(name)) = (result, suite) {
            for failure in result.failures() {
                println!("contract {name}: {} failed{}", failure.expectation_config.expectation_type, describe(failure));
            }
        }
    }
    if let Some(error) = &record.error {
        println!("failed: {error}");
    }
}

fn describe(result: &shelfcast_core::contracts::ExpectationResult) -> String {
    if let Some(message) = result.exception_message() {
        return format!(": {message}");
    }
    let column = result.expectation_config.kwargs.get("column").and_then(|c| c.as_str()).map(|c| format!(" on {c}")).unwrap_or_default();
    let unexpected = result.result.get("unexpected_count").map(|c| format!(" ({c} unexpected)")).unwrap_or_default();
    let observed = result.result.get("observed_value").map(|v| format!(" (observed {v})")).unwrap_or_default();
    format!("{column}{unexpected}{observed}")
}

pub fn print_validation(suite: &Suite, result: &ValidationResult) {
    let s = &result.statistics;
    println!(
        "{}: {} — {} of {} expectations met",
        suite.name(),
        if result.success { "PASSED" } else { "FAILED" },
        s.successful_expectations,
        s.evaluated_expectations
    );
    for r in &result.results {
        println!("  [{}] {}{}", if r.success { "ok" } else { "FAIL" }, r.expectation_config.expectation_type, describe(r));
    }
}
