//! A data contract: a suite validated on a table, and its line in the run record. Whether a
//! failure stops the run is the runner's decision, not this stage's.

use std::collections::BTreeMap;

use crate::calendar::format_timestamp_ms;
use crate::contracts::{self, ResultFormat, Suite, ValidationOptions, ValidationResult};
use crate::frame::Frame;
use crate::tracking::ContractRecord;

/// A suite's validation and its line in the run record.
#[derive(Debug)]
pub struct ContractOutcome {
    pub record: ContractRecord,
    pub validation: ValidationResult,
}

/// The options of a validation: the run's start time, the data's digest, and the `horizon`
/// evaluation parameter the feature suite's leakage checks use.
pub fn options(result_format: ResultFormat, run_time_ms: Option<i64>, data_fingerprint: Option<String>, horizon: usize) -> ValidationOptions {
    ValidationOptions {
        result_format,
        run_time: run_time_ms.map(format_timestamp_ms),
        data_fingerprint,
        parameters: BTreeMap::from([("horizon".to_string(), serde_json::json!(horizon))]),
    }
}

/// Validates `frame` against `suite`.
pub fn validate(suite: &Suite, frame: &Frame, options: &ValidationOptions) -> ContractOutcome {
    let validation = contracts::validate(suite, frame, options);
    let record = ContractRecord {
        suite: suite.name().to_string(),
        suite_digest: suite.digest(),
        success: validation.success,
        evaluated: validation.statistics.evaluated_expectations,
        unsuccessful: validation.statistics.unsuccessful_expectations,
    };
    ContractOutcome { record, validation }
}

/// The stage's summary line: how many expectations were met, and the first failed ones.
pub fn summary(suite: &Suite, result: &ValidationResult) -> String {
    let s = &result.statistics;
    format!(
        "{}: {} of {} expectations met{}",
        suite.name(),
        s.successful_expectations,
        s.evaluated_expectations,
        if result.success { String::new() } else {
            let failed: Vec<String> = result.failures().take(3).map(|r| r.expectation_config.expectation_type.clone()).collect();
            format!(" (failed: {})", failed.join(", "))
        }
    )
}
