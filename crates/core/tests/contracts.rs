//! The shipped suites on real and sample data: the real train.csv and its feature table must
//! pass, the built-in synthetic sample must pass, and a leaking feature table must fail.
//!
//! The real data is not in the repository: it is read from `SHELFCAST_DATA_DIR`, by default
//! `../shared/data/walmart` beside the repository. When it is absent the real-data tests say
//! so on stderr and return without asserting.

mod common;

use common::real_train;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use arrow_array::{Array, ArrayRef, Float64Array};
use shelfcast_core::contracts::{validate, ResultFormat, Suite, ValidationOptions, ValidationResult};
use shelfcast_core::features::{build_features, FeatureConfig};
use shelfcast_core::ingest::{read_table, TRAIN};
use shelfcast_core::synthetic::{sample_train_csv, DEFAULT_SEED};
use shelfcast_core::Frame;

const SALES_SUITE: &str = include_str!("../../../expectations/sales_expectation_suite.json");
const FEATURE_SUITE: &str = include_str!("../../../expectations/feature_expectation_suite.json");



fn sample_train() -> Frame {
    read_table("train.csv", &sample_train_csv(DEFAULT_SEED), &TRAIN, &mut |_| {}).expect("the sample ingests").frame
}

fn sales_suite() -> Suite {
    Suite::from_json("sales_expectation_suite.json", SALES_SUITE).unwrap()
}

fn feature_suite() -> Suite {
    Suite::from_json("feature_expectation_suite.json", FEATURE_SUITE).unwrap()
}

fn options(horizon: usize) -> ValidationOptions {
    ValidationOptions {
        result_format: ResultFormat::Summary,
        parameters: BTreeMap::from([("horizon".to_string(), serde_json::json!(horizon))]),
        ..Default::default()
    }
}

fn failures(report: &ValidationResult) -> Vec<String> {
    report
        .failures()
        .map(|r| format!("{} {} {}", r.expectation_config.expectation_type, serde_json::Value::Object(r.expectation_config.kwargs.clone()), r.result))
        .collect()
}

fn timed_validate(what: &str, suite: &Suite, frame: &Frame, options: &ValidationOptions) -> ValidationResult {
    let start = Instant::now();
    let report = validate(suite, frame, options);
    eprintln!("{what}: {} expectations on {} rows in {:.0} ms", report.statistics.evaluated_expectations, frame.num_rows(), start.elapsed().as_secs_f64() * 1e3);
    report
}

#[test]
fn real_train_csv_passes_the_sales_suite() {
    let Some(train) = real_train() else { return };
    let report = timed_validate("sales suite on train.csv", &sales_suite(), &train, &options(1));
    assert!(report.success, "{:#?}", failures(&report));
    let sales = report.results.iter().find(|r| r.expectation_config.kwargs.get("column") == Some(&"Weekly_Sales".into()) && r.result.get("unexpected_count").is_some() && r.expectation_config.expectation_type.ends_with("be_between")).unwrap();
    assert_eq!(sales.result["unexpected_count"], 1_285, "the negative weeks are counted, within mostly 0.99");
    assert_eq!(sales.result["element_count"], 421_570);
}

#[test]
fn real_feature_table_passes_the_feature_suite_for_horizons_1_and_4() {
    let Some(train) = real_train() else { return };
    for horizon in [1, 4] {
        let features = build_features(&train, &FeatureConfig::with_horizon(horizon)).unwrap();
        let report = timed_validate(&format!("feature suite (h = {horizon})"), &feature_suite(), &features, &options(horizon));
        assert!(report.success, "h = {horizon}: {:#?}", failures(&report));
    }
}

/// The real feature table with `lag_1` recomputed by row position within each series.
fn lag_by_row(features: &Frame) -> Frame {
    let store = features.ints("Store").unwrap();
    let dept = features.ints("Dept").unwrap();
    let sales = features.floats("Weekly_Sales").unwrap();
    let shifted: Float64Array = (0..features.num_rows())
        .map(|i| (i > 0 && store.value(i - 1) == store.value(i) && dept.value(i - 1) == dept.value(i)).then(|| sales.value(i - 1)))
        .collect();
    let columns = features
        .column_names()
        .into_iter()
        .map(|name| {
            let array: ArrayRef = if name == "lag_1" { Arc::new(shifted.clone()) } else { features.array(&name).unwrap().clone() };
            (name, array)
        })
        .collect();
    Frame::new(columns).unwrap()
}

#[test]
fn real_feature_table_with_a_row_shifted_lag_fails_naming_lag_1() {
    let Some(train) = real_train() else { return };
    let features = build_features(&train, &FeatureConfig::default()).unwrap();
    let broken = lag_by_row(&features);
    assert!(broken.array("lag_1").unwrap().null_count() < features.array("lag_1").unwrap().null_count(), "shifting by rows fills the gaps");
    let report = timed_validate("feature suite on a row-shifted lag_1", &feature_suite(), &broken, &options(1));
    let failed: Vec<_> = report.failures().collect();
    assert_eq!(failed.len(), 1, "{:#?}", failures(&report));
    assert_eq!(failed[0].expectation_config.expectation_type, "expect_column_values_to_equal_lagged_column");
    let message = failed[0].result["details"]["message"].as_str().unwrap();
    assert!(message.starts_with("lag_1: "), "{message}");
    assert_eq!(failed[0].result["details"]["offending_features"], serde_json::json!(["lag_1"]));
}

#[test]
fn synthetic_sample_passes_both_suites() {
    let train = sample_train();
    let report = timed_validate("sales suite on the sample", &sales_suite(), &train, &options(1));
    assert!(report.success, "{:#?}", failures(&report));
    for horizon in [1, 2] {
        let features = build_features(&train, &FeatureConfig::with_horizon(horizon)).unwrap();
        let report = timed_validate(&format!("feature suite on the sample (h = {horizon})"), &feature_suite(), &features, &options(horizon));
        assert!(report.success, "h = {horizon}: {:#?}", failures(&report));
    }
}

#[test]
fn features_built_for_one_horizon_fail_the_contract_for_a_longer_one() {
    let features = build_features(&sample_train(), &FeatureConfig::with_horizon(1)).unwrap();
    let report = validate(&feature_suite(), &features, &options(2));
    let failed: Vec<&str> = report.failures().map(|r| r.expectation_config.expectation_type.as_str()).collect();
    assert!(failed.contains(&"expect_lag_features_to_respect_horizon"), "{failed:?}");
    let horizon_check = report.failures().find(|r| r.expectation_config.expectation_type == "expect_lag_features_to_respect_horizon").unwrap();
    assert!(horizon_check.result["details"]["message"].as_str().unwrap().starts_with("lag_1 "));
}
