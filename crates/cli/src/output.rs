//! Human-readable output of the CLI (the JSON formats print the core's types as they are).

use shelfcast_core::contracts::{Suite, ValidationResult};
use shelfcast_core::metrics::Metrics;
use shelfcast_core::pipeline::{PipelineEvent, PipelineOutcome};
use shelfcast_core::tracking::StageState;

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

pub fn print_run(outcome: &PipelineOutcome) {
    let record = &outcome.record;
    println!("run {} ({:?}) in experiment {}", record.run_id, record.status, record.experiment);
    println!("dataset digest {}", record.dataset.digest);
    let params: Vec<String> = record.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    println!("params {}", params.join(" "));
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
