//! The run records earlier builds wrote (`tests/fixtures/run_records/`, see its README), and
//! what each must read back as: this build's version, every stored field kept as it was, and
//! the registrability and contract outcomes the build recorded. Every store's migration test
//! runs these — `tests/stored_records.rs` on the in-memory store, the app's `tests/web.rs`
//! on IndexedDB — so both read the same bytes.

#![allow(dead_code)] // each test crate that includes this uses part of it

use shelfcast_core::tracking::{RunRecord, RunStatus, RUN_RECORD_VERSION};

/// One stored record and what it says.
pub struct Fixture {
    pub file: &'static str,
    pub stored: &'static str,
    pub status: RunStatus,
    pub registrable: bool,
    /// Each suite's name and whether it passed, in the record's order.
    pub contracts: &'static [(&'static str, bool)],
}

const PASSED: &[(&str, bool)] = &[("sales_expectation_suite", true), ("feature_expectation_suite", true)];
const FEATURES_FAILED: &[(&str, bool)] = &[("sales_expectation_suite", true), ("feature_expectation_suite", false)];
const RAW_FAILED: &[(&str, bool)] = &[("sales_expectation_suite", false)];
const CONTINUED: &[(&str, bool)] = &[("sales_expectation_suite", false), ("feature_expectation_suite", true)];
const FORECAST: &[(&str, bool)] = &[("sales_expectation_suite", true)];

macro_rules! fixture {
    ($file:literal, $status:ident, $registrable:literal, $contracts:expr) => {
        Fixture {
            file: $file,
            stored: include_str!(concat!("../../../../tests/fixtures/run_records/", $file)),
            status: RunStatus::$status,
            registrable: $registrable,
            contracts: $contracts,
        }
    };
}

pub const FIXTURES: [Fixture; 15] = [
    fixture!("v1/finished.json", Finished, true, PASSED),
    fixture!("v1/feature_contract_failed.json", Finished, false, FEATURES_FAILED),
    fixture!("v1/raw_contract_failed.json", Failed, false, RAW_FAILED),
    fixture!("v1/continued_after_raw_contract_failure.json", Finished, false, CONTINUED),
    fixture!("v2/finished.json", Finished, true, PASSED),
    fixture!("v2/feature_contract_failed.json", Finished, false, FEATURES_FAILED),
    fixture!("v2/raw_contract_failed.json", Failed, false, RAW_FAILED),
    fixture!("v2/continued_after_raw_contract_failure.json", Finished, false, CONTINUED),
    fixture!("v2/resumed_from_train.json", Finished, true, PASSED),
    fixture!("v2/resumed_twice.json", Finished, true, PASSED),
    fixture!("v3/finished.json", Finished, true, PASSED),
    fixture!("v3/feature_contract_failed.json", Finished, false, FEATURES_FAILED),
    fixture!("v3/raw_contract_failed.json", Failed, false, RAW_FAILED),
    fixture!("v3/continued_after_raw_contract_failure.json", Finished, false, CONTINUED),
    fixture!("v3/forecast.json", Finished, true, FORECAST),
];

/// The run id inside a stored record.
pub fn run_id(stored: &str) -> String {
    stored_value(stored)["run_id"].as_str().expect("a run id").to_string()
}

fn stored_value(stored: &str) -> serde_json::Value {
    serde_json::from_str(stored).expect("the fixture is JSON")
}

impl Fixture {
    /// The stored record as this build's version says it, written out here by hand: version 3
    /// moved a kept stage's `kept from run <id>: ` out of its message into `kept_from`;
    /// version 4 gave the default experiment, which every fixture is in, the id "0".
    fn upgraded(&self) -> serde_json::Value {
        let mut record = stored_value(self.stored);
        record["schema_version"] = RUN_RECORD_VERSION.into();
        assert_eq!(record["experiment"], "walmart_week3_baselines", "{}", self.file);
        record["experiment_id"] = "0".into();
        for stage in record["stages"].as_array_mut().unwrap() {
            let message = stage["message"].as_str().unwrap().to_string();
            match message.strip_prefix("kept from run ").map(|rest| rest.split_at(32)) {
                Some((run_id, summary)) => {
                    stage["kept_from"] = run_id.into();
                    stage["message"] = summary.strip_prefix(": ").unwrap().into();
                }
                None => stage["kept_from"] = serde_json::Value::Null,
            }
        }
        record
    }

    pub fn start_time_ms(&self) -> i64 {
        stored_value(self.stored)["start_time_ms"].as_i64().expect("a start time")
    }

    /// Checks what a store read back for this fixture.
    pub fn check(&self, run: &RunRecord) {
        let file = self.file;
        assert_eq!(run.schema_version, RUN_RECORD_VERSION, "{file}: upgraded to this build's version");
        assert_eq!(serde_json::to_value(run).unwrap(), self.upgraded(), "{file}: every stored field is kept");
        assert_eq!(run.status, self.status, "{file}");
        assert_eq!(run.registrable, self.registrable, "{file}: registrability as the build recorded it");
        let contracts: Vec<(&str, bool)> = run.contracts.iter().map(|c| (c.suite.as_str(), c.success)).collect();
        assert_eq!(contracts, self.contracts, "{file}: the contract outcomes as the build recorded them");
        assert!(run.contracts.iter().all(|c| c.suite_digest.len() == 64 && c.evaluated > 0), "{file}: digests and counts kept");
        // A resumed run names the run each kept stage came from; the lines read as before.
        let stored = stored_value(self.stored);
        for (stage, before) in run.stages.iter().zip(stored["stages"].as_array().unwrap()) {
            assert_eq!(stage.display_message(), before["message"].as_str().unwrap(), "{file}: {} reads as it did", stage.stage);
        }
        let kept = run.stages.iter().filter(|s| s.kept_from.is_some()).count();
        let expected_kept = match self.file {
            "v2/resumed_from_train.json" => 5,
            "v2/resumed_twice.json" => 6,
            _ => 0,
        };
        assert_eq!(kept, expected_kept, "{file}: kept stages");
    }
}
