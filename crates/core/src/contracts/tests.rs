//! Unit tests of the contract engine on hand-made frames: every expectation type, GE's edge
//! cases, suite loading and the leakage checks.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::{ArrayRef, BooleanArray, Date32Array, Float64Array, Int64Array, StringArray};
use serde_json::{json, Value as Json};

use super::*;
use crate::calendar::parse_iso_date;
use crate::error::Error;

// ---------------------------------------------------------------------------------------
// Helpers

fn ints(values: &[Option<i64>]) -> ArrayRef {
    Arc::new(Int64Array::from(values.to_vec()))
}

fn floats(values: &[Option<f64>]) -> ArrayRef {
    Arc::new(Float64Array::from(values.to_vec()))
}

fn bools(values: &[Option<bool>]) -> ArrayRef {
    Arc::new(BooleanArray::from(values.to_vec()))
}

fn strings(values: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

fn day(iso: &str) -> i32 {
    parse_iso_date(iso.as_bytes()).expect("test dates are valid")
}

fn dates(values: &[Option<&str>]) -> ArrayRef {
    Arc::new(Date32Array::from(values.iter().map(|v| v.map(day)).collect::<Vec<_>>()))
}

fn frame(columns: Vec<(&str, ArrayRef)>) -> Frame {
    Frame::new(columns.into_iter().map(|(n, a)| (n.to_string(), a)).collect()).expect("valid test frame")
}

/// A small frame with one column of each type.
fn sample() -> Frame {
    frame(vec![
        ("i", ints(&[Some(1), Some(2), Some(3), None, Some(5)])),
        ("f", floats(&[Some(1.5), None, Some(f64::NAN), Some(-2.0), Some(10.0)])),
        ("b", bools(&[Some(true), Some(false), Some(true), None, Some(true)])),
        ("s", strings(&[Some("apple"), Some("banana"), None, Some("cherry"), Some("apple")])),
        ("d", dates(&[Some("2010-02-05"), Some("2010-02-12"), Some("2010-02-19"), None, Some("2010-03-05")])),
    ])
}

fn run_with(expectation_type: &str, kwargs: Json, frame: &Frame, options: &ValidationOptions) -> ExpectationResult {
    let suite = Suite::new("test", vec![ExpectationConfig::new(expectation_type, kwargs)]);
    let mut report = validate(&suite, frame, options);
    assert_eq!(report.results.len(), 1);
    report.results.remove(0)
}

fn run(expectation_type: &str, kwargs: Json, frame: &Frame) -> ExpectationResult {
    run_with(expectation_type, kwargs, frame, &ValidationOptions::default())
}

fn complete() -> ValidationOptions {
    ValidationOptions { result_format: ResultFormat::Complete, ..Default::default() }
}

fn passes(result: &ExpectationResult) -> bool {
    assert!(!result.exception_info.raised_exception, "unexpected exception: {:?}", result.exception_info.exception_message);
    result.success
}

fn raised(result: &ExpectationResult) -> String {
    assert!(!result.success, "a raised expectation never succeeds");
    assert!(result.exception_info.raised_exception, "expected an exception, got result {}", result.result);
    result.exception_info.exception_message.clone().unwrap_or_default()
}

fn unexpected_index_list(result: &ExpectationResult) -> Vec<u64> {
    result.result["unexpected_index_list"].as_array().expect("COMPLETE lists indices").iter().map(|v| v.as_u64().unwrap()).collect()
}

fn empty_frame() -> Frame {
    frame(vec![("i", ints(&[])), ("s", strings(&[])), ("d", dates(&[]))])
}

// ---------------------------------------------------------------------------------------
// Table expectations

#[test]
fn table_columns_to_match_ordered_list() {
    let f = sample();
    assert!(passes(&run("expect_table_columns_to_match_ordered_list", json!({"column_list": ["i", "f", "b", "s", "d"]}), &f)));
    let result = run("expect_table_columns_to_match_ordered_list", json!({"column_list": ["i", "b", "f", "s", "d", "x"]}), &f);
    assert!(!passes(&result));
    assert_eq!(result.result["observed_value"], json!(["i", "f", "b", "s", "d"]));
    let mismatched = result.result["details"]["mismatched"].as_array().unwrap();
    assert_eq!(mismatched.len(), 3, "positions 1, 2 and 5 differ: {mismatched:?}");
    assert_eq!(mismatched[2], json!({"Expected Column Position": 5, "Expected": "x", "Found": null}));
}

#[test]
fn table_columns_to_match_set_exact_and_subset() {
    let f = sample();
    assert!(passes(&run("expect_table_columns_to_match_set", json!({"column_set": ["d", "s", "b", "f", "i"]}), &f)));
    let extra = run("expect_table_columns_to_match_set", json!({"column_set": ["i", "f"]}), &f);
    assert!(!passes(&extra));
    assert_eq!(extra.result["details"]["mismatched"]["unexpected"], json!(["b", "s", "d"]));
    assert!(passes(&run("expect_table_columns_to_match_set", json!({"column_set": ["i", "f"], "exact_match": false}), &f)));
    let missing = run("expect_table_columns_to_match_set", json!({"column_set": ["i", "zz"], "exact_match": false}), &f);
    assert!(!passes(&missing));
    assert_eq!(missing.result["details"]["mismatched"]["missing"], json!(["zz"]));
}

#[test]
fn table_counts() {
    let f = sample();
    assert!(passes(&run("expect_table_column_count_to_equal", json!({"value": 5}), &f)));
    assert!(!passes(&run("expect_table_column_count_to_equal", json!({"value": 4}), &f)));
    assert!(passes(&run("expect_table_column_count_to_be_between", json!({"min_value": 5, "max_value": 5}), &f)));
    assert!(!passes(&run("expect_table_column_count_to_be_between", json!({"min_value": 5, "strict_min": true}), &f)));
    let rows = run("expect_table_row_count_to_be_between", json!({"min_value": 1, "max_value": null}), &f);
    assert!(passes(&rows));
    assert_eq!(rows.result["observed_value"], json!(5));
    assert!(passes(&run("expect_table_row_count_to_equal", json!({"value": 5}), &f)));
    assert!(!passes(&run("expect_table_row_count_to_be_between", json!({"min_value": 1}), &empty_frame())));
    assert!(passes(&run("expect_table_row_count_to_equal", json!({"value": 0}), &empty_frame())));
}

#[test]
fn column_to_exist_with_index() {
    let f = sample();
    assert!(passes(&run("expect_column_to_exist", json!({"column": "s"}), &f)));
    assert!(passes(&run("expect_column_to_exist", json!({"column": "s", "column_index": 3}), &f)));
    assert!(!passes(&run("expect_column_to_exist", json!({"column": "s", "column_index": 0}), &f)));
    assert!(!passes(&run("expect_column_to_exist", json!({"column": "nope"}), &f)));
}

// ---------------------------------------------------------------------------------------
// Column map expectations

#[test]
fn not_be_null_counts_every_row_and_has_no_missing_fields() {
    let f = sample();
    let result = run_with("expect_column_values_to_not_be_null", json!({"column": "f"}), &f, &complete());
    assert!(!passes(&result));
    assert_eq!(result.result["element_count"], json!(5));
    assert_eq!(result.result["unexpected_count"], json!(2), "null and NaN are both missing");
    assert_eq!(result.result["unexpected_percent"], json!(40.0));
    assert!(result.result.get("missing_count").is_none());
    assert_eq!(unexpected_index_list(&result), vec![1, 2]);
    assert_eq!(result.result["partial_unexpected_list"], json!([null, null]));
    assert!(passes(&run("expect_column_values_to_not_be_null", json!({"column": "f", "mostly": 0.6}), &f)));
    assert!(!passes(&run("expect_column_values_to_not_be_null", json!({"column": "f", "mostly": 0.61}), &f)));
    assert!(passes(&run("expect_column_values_to_not_be_null", json!({"column": "i"}), &empty_frame())));
}

#[test]
fn be_null() {
    let f = frame(vec![("x", ints(&[None, None, Some(1)]))]);
    let result = run("expect_column_values_to_be_null", json!({"column": "x"}), &f);
    assert!(!passes(&result));
    assert_eq!(result.result["unexpected_count"], json!(1));
    assert_eq!(result.result["partial_unexpected_list"], json!([1]));
    assert!(passes(&run("expect_column_values_to_be_null", json!({"column": "x", "mostly": 0.66}), &f)));
}

#[test]
fn be_between_strict_and_open_bounds() {
    let f = frame(vec![("x", ints(&[Some(1), Some(2), Some(3), None]))]);
    let between = |kwargs: Json| run("expect_column_values_to_be_between", kwargs, &f);
    assert!(passes(&between(json!({"column": "x", "min_value": 1, "max_value": 3}))));
    assert!(!passes(&between(json!({"column": "x", "min_value": 1, "max_value": 3, "strict_min": true}))));
    assert!(!passes(&between(json!({"column": "x", "min_value": 1, "max_value": 3, "strict_max": true}))));
    assert!(passes(&between(json!({"column": "x", "min_value": 0.5, "max_value": 3.5, "strict_min": true, "strict_max": true}))));
    assert!(passes(&between(json!({"column": "x", "min_value": null, "max_value": 3}))), "a null bound is no bound");
    assert!(passes(&between(json!({"column": "x", "min_value": 1}))));
    let result = between(json!({"column": "x", "min_value": 2}));
    assert!(!passes(&result));
    assert_eq!(result.result["missing_count"], json!(1));
    assert_eq!(result.result["unexpected_count"], json!(1));
    assert!((result.result["unexpected_percent"].as_f64().unwrap() - 100.0 / 3.0).abs() < 1e-12, "percent of non-null");
    assert_eq!(result.result["unexpected_percent_total"], json!(25.0));
    assert_eq!(result.result["partial_unexpected_list"], json!([1]));
    assert!(raised(&between(json!({"column": "x"}))).contains("cannot both be null"));
}

#[test]
fn mostly_exactly_at_the_boundary_passes() {
    // 99 in range, 1 out: 99/100 = 0.99 exactly as GE computes it.
    let mut values: Vec<Option<f64>> = (0..99).map(|i| Some(f64::from(i))).collect();
    values.push(Some(-1.0));
    let f = frame(vec![("x", floats(&values))]);
    assert!(passes(&run("expect_column_values_to_be_between", json!({"column": "x", "min_value": 0, "mostly": 0.99}), &f)));
    assert!(!passes(&run("expect_column_values_to_be_between", json!({"column": "x", "min_value": 0, "mostly": 0.991}), &f)));
}

#[test]
fn map_expectations_pass_on_empty_and_all_null_columns() {
    let all_null = frame(vec![("x", floats(&[None, None])), ("s", strings(&[None, None]))]);
    for f in [&empty_frame(), &all_null] {
        let column = if f.has_column("x") { "x" } else { "i" };
        let result = run("expect_column_values_to_be_between", json!({"column": column, "min_value": 100}), f);
        assert!(passes(&result));
        assert_eq!(result.result["unexpected_count"], json!(0));
        assert!(passes(&run("expect_column_values_to_be_in_set", json!({"column": column, "value_set": []}), f)));
        assert!(passes(&run("expect_column_values_to_match_regex", json!({"column": "s", "regex": "^z"}), f)));
    }
    let result = run("expect_column_values_to_be_between", json!({"column": "x", "min_value": 100}), &all_null);
    assert_eq!(result.result["missing_percent"], json!(100.0));
    assert_eq!(result.result["unexpected_percent"], Json::Null);
}

#[test]
fn dates_compare_with_iso_strings() {
    let f = sample();
    let between = |min: &str, max: &str| run("expect_column_values_to_be_between", json!({"column": "d", "min_value": min, "max_value": max}), &f);
    assert!(passes(&between("2010-02-05", "2010-03-05")));
    let result = between("2010-02-06", "2010-03-01");
    assert!(!passes(&result));
    assert_eq!(result.result["partial_unexpected_list"], json!(["2010-02-05", "2010-03-05"]));
    assert!(passes(&run("expect_column_values_to_be_in_set", json!({"column": "d", "value_set": ["2010-02-05", "2010-02-12", "2010-02-19", "2010-03-05"]}), &f)));
    let max = run("expect_column_max_to_be_between", json!({"column": "d", "min_value": "2010-03-01", "max_value": "2010-03-31"}), &f);
    assert!(passes(&max));
    assert_eq!(max.result["observed_value"], json!("2010-03-05"));
}

#[test]
fn mixed_types_raise_instead_of_passing() {
    let f = sample();
    assert!(raised(&run("expect_column_values_to_be_between", json!({"column": "i", "min_value": "a"}), &f)).contains("cannot compare"));
    assert!(raised(&run("expect_column_values_to_be_between", json!({"column": "d", "min_value": 3}), &f)).contains("cannot compare"));
    assert!(raised(&run("expect_column_mean_to_be_between", json!({"column": "s", "min_value": 0}), &f)).contains("not defined"));
    // A set of other kinds simply does not match, as with pandas' isin.
    let result = run("expect_column_values_to_be_in_set", json!({"column": "i", "value_set": ["1", "2"]}), &f);
    assert!(!passes(&result));
    assert_eq!(result.result["unexpected_count"], json!(4));
}

#[test]
fn in_set_and_not_in_set() {
    let f = sample();
    assert!(passes(&run("expect_column_values_to_be_in_set", json!({"column": "i", "value_set": [1.0, 2, 3, 5]}), &f)), "1 == 1.0");
    let result = run("expect_column_values_to_be_in_set", json!({"column": "s", "value_set": ["apple", "banana"]}), &f);
    assert!(!passes(&result));
    assert_eq!(result.result["partial_unexpected_list"], json!(["cherry"]));
    assert!(passes(&run("expect_column_values_to_be_in_set", json!({"column": "b", "value_set": [true, false]}), &f)));
    assert!(!passes(&run("expect_column_values_to_be_in_set", json!({"column": "b", "value_set": [false]}), &f)));
    let not_in = run("expect_column_values_to_not_be_in_set", json!({"column": "s", "value_set": ["apple"]}), &f);
    assert!(!passes(&not_in));
    assert_eq!(not_in.result["unexpected_count"], json!(2));
    assert!(raised(&run("expect_column_values_to_be_in_set", json!({"column": "s"}), &f)).contains("value_set"));
}

#[test]
fn be_unique_marks_every_duplicated_row() {
    let f = frame(vec![("x", ints(&[Some(1), Some(2), Some(1), None, None, Some(3), Some(1)]))]);
    let result = run_with("expect_column_values_to_be_unique", json!({"column": "x"}), &f, &complete());
    assert!(!passes(&result));
    assert_eq!(unexpected_index_list(&result), vec![0, 2, 6], "all copies of 1, nulls ignored");
    assert_eq!(result.result["missing_count"], json!(2));
    assert!(passes(&run("expect_column_values_to_be_unique", json!({"column": "x", "mostly": 0.4}), &f)));
    let floats_and_ints = frame(vec![("x", floats(&[Some(1.0), Some(-0.0), Some(0.0)]))]);
    assert_eq!(run("expect_column_values_to_be_unique", json!({"column": "x"}), &floats_and_ints).result["unexpected_count"], json!(2));
}

#[test]
fn regex_searches_anywhere_like_str_contains() {
    let f = sample();
    let result = run("expect_column_values_to_match_regex", json!({"column": "s", "regex": "an"}), &f);
    assert_eq!(result.result["partial_unexpected_list"], json!(["apple", "cherry", "apple"]), "banana contains 'an' mid-word");
    assert!(passes(&run("expect_column_values_to_match_regex", json!({"column": "s", "regex": "^[a-z]+$"}), &f)));
    assert!(passes(&run("expect_column_values_to_match_regex", json!({"column": "i", "regex": "^\\d$"}), &f)), "ints as text");
    assert!(passes(&run("expect_column_values_to_match_regex", json!({"column": "f", "regex": "\\.\\d"}), &f)), "floats as Python prints them: 10.0");
    assert!(passes(&run("expect_column_values_to_match_regex", json!({"column": "b", "regex": "^(True|False)$"}), &f)));
    let not = run("expect_column_values_to_not_match_regex", json!({"column": "s", "regex": "pp"}), &f);
    assert_eq!(not.result["unexpected_count"], json!(2));
}

#[test]
fn regex_classes_and_case_folding_are_ascii_only() {
    // docs/definitions.md#great-expectations-compatibility: where Python's `re` is Unicode-aware.
    let f = frame(vec![("s", strings(&[Some("42"), Some("\u{0663}"), Some("Straße"), Some("ÉTÉ")]))]);
    let unexpected = |regex: &str| unexpected_index_list(&run_with("expect_column_values_to_match_regex", json!({"column": "s", "regex": regex}), &f, &complete()));
    assert_eq!(unexpected(r"^\d+$"), vec![1, 2, 3], "an Arabic-Indic digit is no \\d");
    assert_eq!(unexpected(r"^\w+$"), vec![1, 2, 3], "ß and É are no \\w");
    assert_eq!(unexpected("(?i)^été$"), vec![0, 1, 2, 3], "(?i) folds ASCII letters only");
    assert_eq!(unexpected("(?i)^STRA"), vec![0, 1, 3]);
    assert!(raised(&run("expect_column_values_to_match_regex", json!({"column": "s", "regex": r"\p{L}"}), &f)).contains("regex"));
}

#[test]
fn strftime_format_matches_python_strptime() {
    let f = frame(vec![("s", strings(&[Some("2010-02-05"), Some("2010-2-5"), Some("2010-02-30"), Some("05/02/2010"), None]))]);
    let result = run_with("expect_column_values_to_match_strftime_format", json!({"column": "s", "strftime_format": "%Y-%m-%d"}), &f, &complete());
    assert_eq!(unexpected_index_list(&result), vec![2, 3]);
    assert!(passes(&run("expect_column_values_to_match_strftime_format", json!({"column": "s", "strftime_format": "%Y-%m-%d", "mostly": 0.5}), &f)));
    assert!(raised(&run("expect_column_values_to_match_strftime_format", json!({"column": "d", "strftime_format": "%Y-%m-%d"}), &sample())).contains("strings"));
    assert!(raised(&run("expect_column_values_to_match_strftime_format", json!({"column": "s", "strftime_format": "%c"}), &f)).contains("%c"));
}

#[test]
fn dateutil_parseable() {
    let f = frame(vec![("s", strings(&[Some("2010-02-05"), Some("Feb 5, 2010"), Some("5/2/2010 10:30"), Some("yesterday"), Some("2011-02-29")]))]);
    let result = run_with("expect_column_values_to_be_dateutil_parseable", json!({"column": "s"}), &f, &complete());
    assert_eq!(unexpected_index_list(&result), vec![3, 4]);
    assert!(raised(&run("expect_column_values_to_be_dateutil_parseable", json!({"column": "i"}), &sample())).contains("strings"));
}

#[test]
fn increasing_and_decreasing() {
    let f = frame(vec![("x", ints(&[Some(1), Some(2), Some(2), None, Some(1), Some(5)]))]);
    let increasing = run_with("expect_column_values_to_be_increasing", json!({"column": "x"}), &f, &complete());
    assert_eq!(unexpected_index_list(&increasing), vec![4], "compared with the previous non-null value");
    let strictly = run_with("expect_column_values_to_be_increasing", json!({"column": "x", "strictly": true}), &f, &complete());
    assert_eq!(unexpected_index_list(&strictly), vec![2, 4]);
    let decreasing = run_with("expect_column_values_to_be_decreasing", json!({"column": "x"}), &f, &complete());
    assert_eq!(unexpected_index_list(&decreasing), vec![1, 5]);
    assert!(passes(&run("expect_column_values_to_be_increasing", json!({"column": "d"}), &sample())));
    assert!(raised(&run("expect_column_values_to_be_increasing", json!({"column": "s"}), &sample())).contains("numeric or date"));
}

#[test]
fn value_lengths() {
    let f = sample();
    let result = run("expect_column_value_lengths_to_be_between", json!({"column": "s", "min_value": 5, "max_value": 5}), &f);
    assert_eq!(result.result["partial_unexpected_list"], json!(["banana", "cherry"]));
    assert!(passes(&run("expect_column_value_lengths_to_be_between", json!({"column": "s", "min_value": 5}), &f)));
    assert!(passes(&run("expect_column_value_lengths_to_be_between", json!({"column": "i", "max_value": 1}), &f)), "str(5) has length 1");
}

// ---------------------------------------------------------------------------------------
// Multicolumn expectations

#[test]
fn compound_columns_unique_follows_ignore_row_if() {
    let f = frame(vec![
        ("a", ints(&[Some(1), Some(1), Some(2), None, None, Some(3), None])),
        ("b", ints(&[Some(1), Some(1), Some(1), Some(4), Some(4), None, None])),
    ]);
    let result = run_with("expect_compound_columns_to_be_unique", json!({"column_list": ["a", "b"]}), &f, &complete());
    // GE's default ignores only all-null rows; (None, 4) twice is a duplicate.
    assert_eq!(unexpected_index_list(&result), vec![0, 1, 3, 4]);
    assert_eq!(result.result["missing_count"], json!(1));
    assert_eq!(result.result["partial_unexpected_list"][0], json!({"a": 1, "b": 1}));
    let any = run_with("expect_compound_columns_to_be_unique", json!({"column_list": ["a", "b"], "ignore_row_if": "any_value_is_missing"}), &f, &complete());
    assert_eq!(unexpected_index_list(&any), vec![0, 1]);
    assert_eq!(any.result["missing_count"], json!(4));
    let summary = run_with("expect_compound_columns_to_be_unique", json!({"column_list": ["a", "b"], "result_format": "SUMMARY"}), &f, &Default::default());
    assert_eq!(summary.result["partial_unexpected_counts"], json!([{"value": [null, 4], "count": 2}, {"value": [1, 1], "count": 2}]));
}

#[test]
fn column_pairs() {
    let f = frame(vec![
        ("a", ints(&[Some(3), Some(2), Some(2), None, None])),
        ("b", floats(&[Some(1.0), Some(2.0), Some(5.0), Some(1.0), None])),
    ]);
    let greater = run_with("expect_column_pair_values_A_to_be_greater_than_B", json!({"column_A": "a", "column_B": "b"}), &f, &complete());
    assert_eq!(unexpected_index_list(&greater), vec![1, 2, 3], "a null on one side fails; both null is ignored");
    assert_eq!(greater.result["partial_unexpected_list"][0], json!([2, 2.0]), "each side keeps its type");
    let or_equal = run_with("expect_column_pair_values_a_to_be_greater_than_b", json!({"column_A": "a", "column_B": "b", "or_equal": true, "ignore_row_if": "either_value_is_missing"}), &f, &complete());
    assert_eq!(unexpected_index_list(&or_equal), vec![2]);
    let equal = run_with("expect_column_pair_values_to_be_equal", json!({"column_A": "a", "column_B": "b", "ignore_row_if": "either_value_is_missing"}), &f, &complete());
    assert_eq!(unexpected_index_list(&equal), vec![0, 2], "2 == 2.0");
    assert!(raised(&run("expect_column_pair_values_to_be_equal", json!({"column_A": "a", "column_B": "s"}), &f)).contains("does not exist"));
}

#[test]
fn multicolumn_sum() {
    let f = frame(vec![("a", ints(&[Some(1), Some(5), None, None])), ("b", floats(&[Some(9.0), Some(5.0), Some(10.0), None]))]);
    let result = run_with("expect_multicolumn_sum_to_equal", json!({"column_list": ["a", "b"], "sum_total": 10}), &f, &complete());
    assert!(passes(&result), "nulls count as 0 and the all-null row is ignored: {}", result.result);
    let result = run_with("expect_multicolumn_sum_to_equal", json!({"column_list": ["a", "b"], "sum_total": 10, "ignore_row_if": "never"}), &f, &complete());
    assert_eq!(unexpected_index_list(&result), vec![3]);
}

// ---------------------------------------------------------------------------------------
// Aggregates

fn observed(expectation_type: &str, kwargs: Json, frame: &Frame) -> (bool, Json) {
    let result = run(expectation_type, kwargs, frame);
    (passes(&result), result.result["observed_value"].clone())
}

#[test]
fn column_statistics_match_pandas() {
    let f = frame(vec![("x", floats(&[Some(1.0), Some(2.0), None, Some(4.0), Some(8.0)]))]);
    let (ok, mean) = observed("expect_column_mean_to_be_between", json!({"column": "x", "min_value": 3.75, "max_value": 3.75}), &f);
    assert!(ok);
    assert_eq!(mean, json!(3.75));
    let (_, median) = observed("expect_column_median_to_be_between", json!({"column": "x", "min_value": 0}), &f);
    assert_eq!(median, json!(3.0));
    let (_, stdev) = observed("expect_column_stdev_to_be_between", json!({"column": "x", "min_value": 0}), &f);
    // sample std of 1, 2, 4, 8: mean 3.75, squared deviations sum 28.75, / 3.
    assert!((stdev.as_f64().unwrap() - (28.75f64 / 3.0).sqrt()).abs() < 1e-12);
    let (_, sum) = observed("expect_column_sum_to_be_between", json!({"column": "x", "min_value": 15, "max_value": 15}), &f);
    assert_eq!(sum, json!(15.0));
    let (ok, min) = observed("expect_column_min_to_be_between", json!({"column": "x", "min_value": 1, "strict_min": true}), &f);
    assert!(!ok, "strict_min excludes the bound");
    assert_eq!(min, json!(1.0));
    let ints_frame = sample();
    let (_, max) = observed("expect_column_max_to_be_between", json!({"column": "i", "max_value": 5}), &ints_frame);
    assert_eq!(max, json!(5), "an int column's max stays an int");
    let (_, max) = observed("expect_column_max_to_be_between", json!({"column": "s", "max_value": "d"}), &ints_frame);
    assert_eq!(max, json!("cherry"));
}

#[test]
fn statistics_of_nothing_fail() {
    let f = frame(vec![("x", floats(&[None, Some(1.0)]))]);
    let result = run("expect_column_stdev_to_be_between", json!({"column": "x", "min_value": 0}), &f);
    assert!(!passes(&result), "std of one value is missing");
    assert_eq!(result.result["observed_value"], Json::Null);
    assert!(!passes(&run("expect_column_mean_to_be_between", json!({"column": "i", "min_value": 0}), &empty_frame())));
    let (ok, sum) = observed("expect_column_sum_to_be_between", json!({"column": "i", "min_value": 0, "max_value": 0}), &empty_frame());
    assert!(ok, "the sum of nothing is 0, as in pandas");
    assert_eq!(sum, json!(0));
}

#[test]
fn unique_counts_and_proportions() {
    let f = sample();
    let (ok, count) = observed("expect_column_unique_value_count_to_be_between", json!({"column": "s", "min_value": 3, "max_value": 3}), &f);
    assert!(ok);
    assert_eq!(count, json!(3));
    let (_, proportion) = observed("expect_column_proportion_of_unique_values_to_be_between", json!({"column": "s", "min_value": 0}), &f);
    assert_eq!(proportion, json!(0.75));
}

#[test]
fn distinct_value_sets() {
    let f = sample();
    let result = run("expect_column_distinct_values_to_be_in_set", json!({"column": "s", "value_set": ["apple", "banana", "cherry", "date"]}), &f);
    assert!(passes(&result));
    assert_eq!(result.result["observed_value"], json!(["apple", "banana", "cherry"]));
    assert_eq!(result.result["details"]["value_counts"][0], json!({"value": "apple", "count": 2}));
    assert!(!passes(&run("expect_column_distinct_values_to_be_in_set", json!({"column": "s", "value_set": ["apple"]}), &f)));
    assert!(passes(&run("expect_column_distinct_values_to_contain_set", json!({"column": "s", "value_set": ["apple"]}), &f)));
    assert!(!passes(&run("expect_column_distinct_values_to_contain_set", json!({"column": "s", "value_set": ["apple", "date"]}), &f)));
    assert!(passes(&run("expect_column_distinct_values_to_equal_set", json!({"column": "i", "value_set": [5, 3, 2, 1]}), &f)));
    assert!(!passes(&run("expect_column_distinct_values_to_equal_set", json!({"column": "i", "value_set": [5, 3, 2]}), &f)));
}

#[test]
fn most_common_value_and_ties() {
    let f = frame(vec![("x", ints(&[Some(1), Some(1), Some(2), Some(2), Some(3)]))]);
    let result = run("expect_column_most_common_value_to_be_in_set", json!({"column": "x", "value_set": [1]}), &f);
    assert!(!passes(&result), "a tie fails without ties_okay");
    assert_eq!(result.result["observed_value"], json!([1, 2]));
    assert!(passes(&run("expect_column_most_common_value_to_be_in_set", json!({"column": "x", "value_set": [1], "ties_okay": true}), &f)));
    let g = frame(vec![("x", ints(&[Some(1), Some(1), Some(2)]))]);
    assert!(passes(&run("expect_column_most_common_value_to_be_in_set", json!({"column": "x", "value_set": [1, 9]}), &g)));
}

#[test]
fn quantiles_nearest_by_default_as_ge_pandas() {
    let f = frame(vec![("x", floats(&[Some(1.0), Some(2.0), Some(3.0), Some(4.0), None]))]);
    let ranges = json!({"quantiles": [0.0, 0.5, 1.0], "value_ranges": [[1, 1], [3, 3], [null, 4]]});
    let result = run("expect_column_quantile_values_to_be_between", json!({"column": "x", "quantile_ranges": ranges}), &f);
    assert!(passes(&result), "{}", result.result);
    assert_eq!(result.result["observed_value"], json!({"quantiles": [0.0, 0.5, 1.0], "values": [1.0, 3.0, 4.0]}));
    let linear = run("expect_column_quantile_values_to_be_between", json!({"column": "x", "quantile_ranges": ranges, "allow_relative_error": "linear"}), &f);
    assert!(!passes(&linear));
    assert_eq!(linear.result["observed_value"]["values"][1], json!(2.5));
    assert_eq!(linear.result["details"]["success_details"], json!([true, false, true]));
    assert!(raised(&run("expect_column_quantile_values_to_be_between", json!({"column": "x", "quantile_ranges": {"quantiles": [0.5], "value_ranges": []}}), &f)).contains("same length"));
}

#[test]
fn types() {
    let f = sample();
    for (column, name) in [("i", "int64"), ("i", "INT"), ("f", "float64"), ("b", "Boolean"), ("s", "object"), ("s", "Utf8"), ("d", "datetime64[ns]"), ("d", "Date32")] {
        assert!(passes(&run("expect_column_values_to_be_of_type", json!({"column": column, "type_": name}), &f)), "{column} is {name}");
    }
    let result = run("expect_column_values_to_be_of_type", json!({"column": "i", "type_": "float64"}), &f);
    assert!(!passes(&result));
    assert_eq!(result.result["observed_value"], json!("int64"));
    assert!(passes(&run("expect_column_values_to_be_in_type_list", json!({"column": "b", "type_list": ["int64", "bool"]}), &f)));
    assert!(!passes(&run("expect_column_values_to_be_in_type_list", json!({"column": "b", "type_list": ["int64", "float"]}), &f)));
    assert!(raised(&run("expect_column_values_to_be_of_type", json!({"column": "i", "type_": "complex128"}), &f)).contains("unrecognized type"));
}

// ---------------------------------------------------------------------------------------
// Engine behaviour: errors, formats, parameters, names

#[test]
fn unknown_expectations_and_bad_kwargs_fail_with_an_exception() {
    let f = sample();
    assert!(raised(&run("expect_column_values_to_be_prime", json!({"column": "i"}), &f)).contains("not supported"));
    assert!(raised(&run("expect_column_values_to_be_between", json!({"min_value": 1}), &f)).contains("\"column\""));
    assert!(raised(&run("expect_column_values_to_be_between", json!({"column": "nope", "min_value": 1}), &f)).contains("does not exist"));
    assert!(raised(&run("expect_column_values_to_be_in_set", json!({"column": "i", "value_set": [1], "mostly": 2}), &f)).contains("mostly"));
    assert!(raised(&run("expect_column_values_to_match_regex", json!({"column": "s", "regex": "("}), &f)).contains("regular expression"));
    assert!(raised(&run("expect_column_values_to_not_be_null", json!({"column": "s", "result_format": "LOUD"}), &f)).contains("result_format"));
    assert!(raised(&run("expect_column_values_to_not_be_null", json!({"column": "s", "row_condition": "i>1", "condition_parser": "pandas"}), &f)).contains("row_condition"));
}

#[test]
fn expectation_names_match_case_insensitively() {
    let f = sample();
    assert!(passes(&run("EXPECT_TABLE_ROW_COUNT_TO_EQUAL", json!({"value": 5}), &f)));
    assert!(passes(&run("expect_column_pair_values_A_to_be_greater_than_B", json!({"column_A": "i", "column_B": "i", "or_equal": true}), &f)));
}

#[test]
fn evaluation_parameters_are_substituted() {
    let f = sample();
    let kwargs = json!({"value": {"$PARAMETER": "rows"}});
    assert!(raised(&run("expect_table_row_count_to_equal", kwargs.clone(), &f)).contains("\"rows\""));
    let mut options = ValidationOptions::default();
    options.parameters.insert("rows".into(), json!(5));
    assert!(passes(&run_with("expect_table_row_count_to_equal", kwargs.clone(), &f, &options)));
    options.parameters.insert("rows".into(), json!("five"));
    assert!(raised(&run_with("expect_table_row_count_to_equal", kwargs, &f, &options)).contains("integer"));
}

#[test]
fn result_format_levels_and_kwargs_override_options() {
    let f = frame(vec![("x", ints(&(0..30).map(|i| Some(i % 4)).collect::<Vec<_>>()))]);
    let kwargs = json!({"column": "x", "value_set": [0]});
    let basic = run("expect_column_values_to_be_in_set", kwargs.clone(), &f);
    assert_eq!(basic.result["partial_unexpected_list"].as_array().unwrap().len(), 20);
    assert!(basic.result.get("partial_unexpected_counts").is_none());
    let summary = run_with("expect_column_values_to_be_in_set", kwargs.clone(), &f, &ValidationOptions { result_format: ResultFormat::Summary, ..Default::default() });
    // Counted within the first 20 unexpected values (1,2,3 repeating): 7, 7, 6.
    assert_eq!(summary.result["partial_unexpected_counts"], json!([{"value": 1, "count": 7}, {"value": 2, "count": 7}, {"value": 3, "count": 6}]));
    assert_eq!(summary.result["partial_unexpected_index_list"].as_array().unwrap().len(), 20);
    let mut with_kwarg = kwargs.clone();
    with_kwarg["result_format"] = json!("COMPLETE");
    let complete_result = run_with("expect_column_values_to_be_in_set", with_kwarg, &f, &ValidationOptions { result_format: ResultFormat::BooleanOnly, ..Default::default() });
    assert_eq!(complete_result.result["unexpected_list"].as_array().unwrap().len(), 22);
    assert_eq!(unexpected_index_list(&complete_result).len(), 22);
    let boolean = run_with("expect_column_values_to_be_in_set", kwargs, &f, &ValidationOptions { result_format: ResultFormat::BooleanOnly, ..Default::default() });
    assert!(!boolean.success);
    assert_eq!(boolean.result, json!({}));
}

#[test]
fn suite_statistics_and_meta() {
    let f = sample();
    let suite = Suite::new(
        "demo",
        vec![
            ExpectationConfig::new("expect_table_row_count_to_equal", json!({"value": 5})),
            ExpectationConfig::new("expect_column_values_to_not_be_null", json!({"column": "i"})),
            ExpectationConfig::new("expect_something_unknown", json!({})),
            ExpectationConfig::new("expect_column_to_exist", json!({"column": "s"})),
        ],
    );
    let options = ValidationOptions {
        run_time: Some("2024-05-01T12:00:00Z".into()),
        data_fingerprint: Some("abc123".into()),
        ..Default::default()
    };
    let report = validate(&suite, &f, &options);
    assert!(!report.success);
    assert_eq!(report.statistics.evaluated_expectations, 4);
    assert_eq!(report.statistics.successful_expectations, 2);
    assert_eq!(report.statistics.unsuccessful_expectations, 2);
    assert_eq!(report.statistics.success_percent, Some(50.0));
    assert_eq!(report.failures().count(), 2);
    assert_eq!(report.meta["expectation_suite_name"], json!("demo"));
    assert_eq!(report.meta["run_id"]["run_time"], json!("2024-05-01T12:00:00Z"));
    assert_eq!(report.meta["data_fingerprint"], json!("abc123"));
    assert!(report.meta["great_expectations_version"].as_str().unwrap().contains("shelfcast"));
    let text = serde_json::to_string(&report).unwrap();
    let back: ValidationResult = serde_json::from_str(&text).unwrap();
    assert_eq!(back, report, "results survive a JSON round trip");
    let empty = validate(&Suite::new("none", vec![]), &f, &options);
    assert!(empty.success);
    assert_eq!(empty.statistics.success_percent, None);
}

// ---------------------------------------------------------------------------------------
// Suite files

fn suite_error(text: &str) -> (String, String) {
    match Suite::from_json("suite.json", text) {
        Err(Error::Suite { file, path, message }) => {
            assert_eq!(file, "suite.json");
            (path, message)
        }
        other => panic!("expected a suite error, got {other:?}"),
    }
}

#[test]
fn malformed_suites_are_reported_with_a_json_path() {
    assert_eq!(suite_error("{ not json").0, "$");
    assert!(suite_error("{ not json").1.contains("line 1"));
    assert_eq!(suite_error("[]").0, "$");
    assert!(suite_error(r#"{"expectations": []}"#).1.contains("expectation_suite_name"));
    assert_eq!(suite_error(r#"{"expectation_suite_name": 3, "expectations": []}"#).0, "$.expectation_suite_name");
    assert_eq!(suite_error(r#"{"expectation_suite_name": "s", "expectations": {}}"#).0, "$.expectations");
    assert_eq!(suite_error(r#"{"expectation_suite_name": "s", "expectations": [{"kwargs": {}}]}"#).0, "$.expectations[0]");
    assert_eq!(
        suite_error(r#"{"expectation_suite_name": "s", "expectations": [{"expectation_type": "expect_column_to_exist", "kwargs": {"column": "a"}}, {"expectation_type": "x", "kwargs": []}]}"#).0,
        "$.expectations[1].kwargs"
    );
    let (path, message) = suite_error(
        r#"{"expectation_suite_name": "s", "expectations": [{}, {}, {}, {"expectation_type": "expect_column_values_to_be_between", "kwargs": {"column": "a", "min_value": [1]}}]}"#
            .replace("{}, {}, {}", r#"{"expectation_type": "expect_column_to_exist", "kwargs": {"column": "a"}}, {"expectation_type": "expect_column_to_exist", "kwargs": {"column": "a"}}, {"expectation_type": "expect_column_to_exist", "kwargs": {"column": "a"}}"#)
            .as_str(),
    );
    assert_eq!(path, "$.expectations[3].kwargs.min_value");
    assert!(message.contains("number"), "{message}");
    assert_eq!(
        suite_error(r#"{"name": "s", "expectations": [{"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "a", "mostly": 1.5}}]}"#).0,
        "$.expectations[0].kwargs.mostly"
    );
    assert_eq!(
        suite_error(r#"{"name": "s", "expectations": [{"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "a", "result_format": "LOUD"}}]}"#).0,
        "$.expectations[0].kwargs.result_format"
    );
    assert_eq!(
        suite_error(r#"{"name": "s", "expectations": [{"type": "expect_column_values_to_match_strftime_format", "kwargs": {"column": "a", "strftime_format": "%Q"}}]}"#).0,
        "$.expectations[0].kwargs.strftime_format"
    );
    // Unknown types and parameterised kwargs load; they are judged at validation.
    assert!(Suite::from_json("s.json", r#"{"name": "s", "expectations": [{"type": "expect_the_moon", "kwargs": {}}]}"#).is_ok());
    assert!(Suite::from_json("s.json", r#"{"name": "s", "expectations": [{"type": "expect_table_row_count_to_equal", "kwargs": {"value": {"$PARAMETER": "n"}}}]}"#).is_ok());
}

const CLASSIC: &str = r#"{
  "expectation_suite_name": "demo",
  "data_asset_type": "Dataset",
  "expectations": [
    {"expectation_type": "expect_column_values_to_be_between", "kwargs": {"column": "i", "min_value": 0, "mostly": 0.9}, "meta": {"notes": "n"}},
    {"expectation_type": "expect_column_pair_values_A_to_be_greater_than_B", "kwargs": {"column_A": "i", "column_B": "f"}, "meta": {}}
  ],
  "meta": {"great_expectations_version": "0.18.8"}
}"#;

const V1: &str = r#"{
  "name": "demo",
  "id": "6b0f6a2e-0000-4000-8000-000000000000",
  "expectations": [
    {"type": "expect_column_values_to_be_between", "kwargs": {"column": "i", "min_value": 0, "mostly": 0.9}, "meta": {}, "id": "a", "notes": "n"},
    {"type": "expect_column_pair_values_a_to_be_greater_than_b", "kwargs": {"column_A": "i", "column_B": "f"}, "meta": {}, "id": "b", "notes": null}
  ],
  "meta": {},
  "notes": "a 1.x suite"
}"#;

#[test]
fn both_formats_load_round_trip_and_share_a_digest() {
    let classic = Suite::from_json("classic.json", CLASSIC).unwrap();
    let v1 = Suite::from_json("v1.json", V1).unwrap();
    assert_eq!((classic.name(), classic.format()), ("demo", SuiteFormat::Classic));
    assert_eq!((v1.name(), v1.format()), ("demo", SuiteFormat::V1));
    assert_eq!(classic.expectations().len(), 2);
    assert_eq!(v1.expectations()[0].extra["id"], json!("a"));
    assert_eq!(classic.digest(), v1.digest(), "same checks, same digest");
    assert_eq!(classic.digest().len(), 64);

    let exported = classic.to_json();
    assert_eq!(exported["expectation_suite_name"], json!("demo"));
    assert_eq!(exported["data_asset_type"], json!("Dataset"));
    assert_eq!(exported["expectations"][1]["expectation_type"], json!("expect_column_pair_values_A_to_be_greater_than_B"));
    let exported_v1 = v1.to_json();
    assert_eq!(exported_v1["name"], json!("demo"));
    assert_eq!(exported_v1["notes"], json!("a 1.x suite"));
    assert_eq!(exported_v1["expectations"][0]["type"], json!("expect_column_values_to_be_between"));
    for suite in [&classic, &v1] {
        let again = Suite::from_json("again.json", &suite.to_json().to_string()).unwrap();
        assert_eq!(&again, suite);
    }
    let f = sample();
    let a = validate(&classic, &f, &Default::default());
    let b = validate(&v1, &f, &Default::default());
    assert_eq!(a.success, b.success);
    assert_eq!(a.results.iter().map(|r| r.result.clone()).collect::<Vec<_>>(), b.results.iter().map(|r| r.result.clone()).collect::<Vec<_>>());

    let mut changed: Json = serde_json::from_str(CLASSIC).unwrap();
    changed["expectations"][0]["kwargs"]["mostly"] = json!(0.95);
    assert_ne!(Suite::from_json("c.json", &changed.to_string()).unwrap().digest(), classic.digest());
}

const SALES_SUITE: &str = include_str!("../../../../expectations/sales_expectation_suite.json");
const FEATURE_SUITE: &str = include_str!("../../../../expectations/feature_expectation_suite.json");

#[test]
fn shipped_suites_load_and_round_trip() {
    for (file, text, name) in [
        ("sales_expectation_suite.json", SALES_SUITE, "sales_expectation_suite"),
        ("feature_expectation_suite.json", FEATURE_SUITE, "feature_expectation_suite"),
    ] {
        let suite = Suite::from_json(file, text).unwrap();
        assert_eq!(suite.name(), name);
        assert_eq!(suite.format(), SuiteFormat::Classic);
        for e in suite.expectations() {
            assert!(catalogue::lookup(&e.expectation_type).is_some(), "{} is implemented", e.expectation_type);
            assert!(e.meta.get("notes").is_some(), "{} has a note", e.expectation_type);
        }
        let again = Suite::from_json(file, &suite.to_json().to_string()).unwrap();
        assert_eq!(again, suite);
        assert_eq!(again.digest(), suite.digest());
    }
}

/// A deterministic sales table with the real schema: 3 stores × 2 departments, weekly
/// Fridays with gaps, a few negative sales.
fn sales_sample() -> Frame {
    let (mut store, mut dept, mut date, mut sales, mut holiday) = (vec![], vec![], vec![], vec![], vec![]);
    let start = day("2010-02-05");
    for s in [1i64, 2, 45] {
        for d in [1i64, 99] {
            for week in 0..60i32 {
                if (week + s as i32 + d as i32) % 11 == 0 {
                    continue; // a missing week
                }
                store.push(Some(s));
                dept.push(Some(d));
                date.push(Some(start + 7 * week));
                let value = 1000.0 * s as f64 + 10.0 * d as f64 + f64::from((week * 37) % 101);
                sales.push(Some(if week == 7 && s == 2 && d == 1 { -12.5 } else { value }));
                holiday.push(Some(week % 52 == 1));
            }
        }
    }
    frame(vec![
        ("Store", ints(&store)),
        ("Dept", ints(&dept)),
        ("Date", Arc::new(Date32Array::from(date)) as ArrayRef),
        ("Weekly_Sales", floats(&sales)),
        ("IsHoliday", bools(&holiday)),
    ])
}

#[test]
fn sales_suite_passes_a_clean_sample_and_catches_bad_data() {
    let suite = Suite::from_json("sales_expectation_suite.json", SALES_SUITE).unwrap();
    let good = sales_sample();
    let report = validate(&suite, &good, &Default::default());
    let failed: Vec<_> = report.failures().map(|r| (&r.expectation_config.expectation_type, &r.result, &r.exception_info)).collect();
    assert!(report.success, "{failed:#?}");

    // Duplicate a row, put a store out of range and make 2% of sales negative.
    let rows = good.num_rows();
    let mut indices: Vec<u32> = (0..rows as u32).collect();
    indices.push(0);
    let dup = good.take(&indices).unwrap();
    let report = validate(&suite, &dup, &Default::default());
    let failed: Vec<&str> = report.failures().map(|r| r.expectation_config.expectation_type.as_str()).collect();
    assert_eq!(failed, vec!["expect_compound_columns_to_be_unique"]);

    let negative: Vec<Option<f64>> = (0..rows).map(|i| Some(if i % 40 == 0 { -1.0 } else { 1.0 })).collect();
    let stores: Vec<Option<i64>> = (0..rows).map(|i| Some(if i == 3 { 46 } else { 1 })).collect();
    let mut columns: Vec<(String, ArrayRef)> = good.column_names().into_iter().map(|n| (n.clone(), good.array(&n).unwrap().clone())).collect();
    columns[0].1 = ints(&stores);
    columns[3].1 = floats(&negative);
    let bad = Frame::new(columns).unwrap();
    let report = validate(&suite, &bad, &Default::default());
    let failed: Vec<String> = report.failures().map(|r| format!("{} {}", r.expectation_config.expectation_type, r.expectation_config.kwargs.get("column").unwrap_or(&Json::Null))).collect();
    assert!(failed.contains(&"expect_column_values_to_be_between \"Store\"".to_string()), "{failed:?}");
    assert!(failed.contains(&"expect_column_values_to_be_between \"Weekly_Sales\"".to_string()), "{failed:?}");
}

// ---------------------------------------------------------------------------------------
// Leakage

/// Features as docs/definitions.md#features defines them, computed naively (quadratic) as the test's reference. `shift`
/// selects a broken implementation.
#[derive(Clone, Copy, PartialEq)]
enum Bug {
    None,
    LagByRow,
    WindowIncludesCurrentWeek,
}

fn feature_table(horizon: i32, bug: Bug) -> Frame {
    let sales = sales_sample();
    let store = sales.ints("Store").unwrap();
    let dept = sales.ints("Dept").unwrap();
    let date = sales.dates("Date").unwrap();
    let value = sales.floats("Weekly_Sales").unwrap();
    let n = sales.num_rows();
    let find = |row: usize, back_days: i32| -> Option<usize> {
        (0..n).find(|&r| store.value(r) == store.value(row) && dept.value(r) == dept.value(row) && date.value(r) == date.value(row) - back_days)
    };
    let lags = [horizon, horizon + 1, 52];
    let mut columns: Vec<(String, ArrayRef)> =
        ["Store", "Dept", "Date", "Weekly_Sales", "IsHoliday"].iter().map(|c| (c.to_string(), sales.array(c).unwrap().clone())).collect();
    for k in lags {
        let lag: Vec<Option<f64>> = (0..n)
            .map(|row| match bug {
                // rows are sorted by (Store, Dept, Date): the previous k-th row of the series
                Bug::LagByRow => (row >= k as usize && store.value(row - k as usize) == store.value(row) && dept.value(row - k as usize) == dept.value(row))
                    .then(|| value.value(row - k as usize)),
                _ => find(row, 7 * k).map(|r| value.value(r)),
            })
            .collect();
        columns.push((format!("lag_{k}"), floats(&lag)));
    }
    for w in [4, 8, 13] {
        let (mut means, mut stds) = (vec![], vec![]);
        for row in 0..n {
            let (first, last) = if bug == Bug::WindowIncludesCurrentWeek { (w - 1, 0) } else { (horizon + w - 1, horizon) };
            let values: Vec<f64> = (last..=first).filter_map(|back| find(row, 7 * back)).map(|r| value.value(r)).collect();
            let m = (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64);
            means.push(m);
            stds.push(m.filter(|_| values.len() >= 2).map(|m| (values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (values.len() - 1) as f64).sqrt()));
        }
        columns.push((format!("roll_mean_{w}"), floats(&means)));
        columns.push((format!("roll_std_{w}"), floats(&stds)));
    }
    let year: Vec<Option<i64>> = (0..n).map(|r| Some(i64::from(crate::calendar::civil_from_days(date.value(r)).0))).collect();
    let month: Vec<Option<i64>> = (0..n).map(|r| Some(i64::from(crate::calendar::civil_from_days(date.value(r)).1))).collect();
    let week: Vec<Option<i64>> = (0..n).map(|r| Some(i64::from(crate::calendar::iso_week(date.value(r)).1))).collect();
    columns.insert(5, ("Year".into(), ints(&year)));
    columns.insert(6, ("Month".into(), ints(&month)));
    columns.insert(7, ("Week".into(), ints(&week)));
    Frame::new(columns).unwrap()
}

fn with_horizon(h: i64) -> ValidationOptions {
    let mut parameters = BTreeMap::new();
    parameters.insert("horizon".to_string(), json!(h));
    ValidationOptions { parameters, ..Default::default() }
}

fn failure_messages(report: &ValidationResult) -> Vec<(String, String)> {
    report
        .failures()
        .map(|r| {
            let message = r.result["details"]["message"].as_str().map(str::to_string).or_else(|| r.exception_message().map(str::to_string)).unwrap_or_default();
            (r.expectation_config.expectation_type.clone(), message)
        })
        .collect()
}

#[test]
fn feature_suite_passes_correct_features_for_each_horizon() {
    let suite = Suite::from_json("feature_expectation_suite.json", FEATURE_SUITE).unwrap();
    for h in [1, 2, 3] {
        let features = feature_table(h as i32, Bug::None);
        let report = validate(&suite, &features, &with_horizon(h));
        assert!(report.success, "h = {h}: {:#?}", failure_messages(&report));
    }
    let missing = validate(&suite, &feature_table(1, Bug::None), &Default::default());
    let raised_count = missing.results.iter().filter(|r| r.exception_info.raised_exception).count();
    assert_eq!(raised_count, 7, "the horizon check and six rolling checks need the horizon parameter");
    assert!(missing.results.iter().filter_map(|r| r.exception_message()).all(|m| m.contains("\"horizon\"")));
}

#[test]
fn a_lag_shifted_by_rows_fails_across_gaps() {
    let features = feature_table(1, Bug::LagByRow);
    let result = run_with(
        "expect_column_values_to_equal_lagged_column",
        json!({"column": "lag_1", "periods": 1, "source_column": "Weekly_Sales", "group_by": ["Store", "Dept"], "date_column": "Date"}),
        &features,
        &complete(),
    );
    assert!(!passes(&result));
    let message = result.result["details"]["message"].as_str().unwrap();
    assert!(message.starts_with("lag_1: "), "{message}");
    let listed = &result.result["unexpected_list"][0];
    assert!(listed.get("Store").is_some() && listed.get("Date").is_some() && listed.get("expected").is_some(), "{listed}");
    // Every unexpected row sits right after a gap in its series.
    let date = features.dates("Date").unwrap();
    for row in unexpected_index_list(&result) {
        let row = row as usize;
        assert!(row == 0 || date.value(row) - date.value(row - 1) != 7 || features.ints("Dept").unwrap().value(row) != features.ints("Dept").unwrap().value(row - 1));
    }
    // The suite's regex form names the offending feature too.
    let report = validate(&Suite::from_json("f.json", FEATURE_SUITE).unwrap(), &features, &with_horizon(1));
    let failures = failure_messages(&report);
    assert_eq!(failures.len(), 1, "{failures:#?}");
    assert_eq!(failures[0].0, "expect_column_values_to_equal_lagged_column");
    assert!(failures[0].1.contains("lag_1") && failures[0].1.contains("lag_2"), "{}", failures[0].1);
}

#[test]
fn a_window_that_includes_the_current_week_fails() {
    let features = feature_table(1, Bug::WindowIncludesCurrentWeek);
    let report = validate(&Suite::from_json("f.json", FEATURE_SUITE).unwrap(), &features, &with_horizon(1));
    let failures = failure_messages(&report);
    let rolling: Vec<&(String, String)> = failures.iter().filter(|(t, _)| t == "expect_column_values_to_equal_rolling_statistic").collect();
    assert_eq!(rolling.len(), 6, "{failures:#?}");
    for w in [4, 8, 13] {
        assert!(rolling.iter().any(|(_, m)| m.starts_with(&format!("roll_mean_{w}:"))), "{rolling:#?}");
    }
}

#[test]
fn a_lag_shorter_than_the_horizon_fails_naming_it() {
    let features = feature_table(1, Bug::None);
    let result = run_with("expect_lag_features_to_respect_horizon", json!({"horizon": {"$PARAMETER": "horizon"}}), &features, &with_horizon(2));
    assert!(!passes(&result));
    let message = result.result["details"]["message"].as_str().unwrap();
    assert!(message.starts_with("lag_1 looks 1 period(s) back"), "{message}");
    assert_eq!(result.result["details"]["offending_features"], json!(["lag_1"]));
    assert_eq!(result.result["observed_value"], json!({"lag_1": 1, "lag_2": 2, "lag_52": 52}));
    assert!(passes(&run_with("expect_lag_features_to_respect_horizon", json!({"horizon": 1, "column_prefix": ["lag_"]}), &features, &Default::default())));
    let required = run("expect_lag_features_to_respect_horizon", json!({"horizon": 3, "require_horizon_lag": true, "column_prefix": "lag_"}), &features);
    assert!(!passes(&required));
    assert!(required.result["details"]["message"].as_str().unwrap().contains("no lag feature at the horizon"));

    // Features built for h = 1 but validated for h = 2: the rolling windows end too late.
    let report = validate(&Suite::from_json("f.json", FEATURE_SUITE).unwrap(), &features, &with_horizon(2));
    let failed: Vec<String> = report.failures().map(|r| r.expectation_config.expectation_type.clone()).collect();
    assert!(failed.contains(&"expect_lag_features_to_respect_horizon".to_string()));
    assert_eq!(failed.iter().filter(|t| *t == "expect_column_values_to_equal_rolling_statistic").count(), 6);
}

#[test]
fn rolling_statistic_tolerance_and_bad_inputs() {
    let features = feature_table(1, Bug::None);
    let kwargs = json!({"column": "roll_std_4", "statistic": "std", "window": 4, "horizon": 1});
    assert!(passes(&run("expect_column_values_to_equal_rolling_statistic", kwargs, &features)));
    let wrong_window = json!({"column": "roll_std_4", "statistic": "std", "window": 5});
    assert!(!passes(&run("expect_column_values_to_equal_rolling_statistic", wrong_window, &features)));
    assert!(raised(&run("expect_column_values_to_equal_rolling_statistic", json!({"column": "roll_std_4", "window": 4, "date_column": "Store"}), &features)).contains("not a date column"));
    assert!(raised(&run("expect_column_values_to_equal_rolling_statistic", json!({"column": "roll_std_4", "window": 4, "statistic": "median"}), &features)).contains("statistic"));
    assert!(raised(&run("expect_column_values_to_equal_lagged_column", json!({"column": "lag_1"}), &features)).contains("periods"));
}

#[test]
fn checks_sharing_a_run_report_what_each_reports_alone() {
    // Shuffled rows with a null date: the leakage checks of one run share a series layout
    // and must report exactly what a run of each one alone reports, failures included.
    let suite = Suite::from_json("f.json", FEATURE_SUITE).unwrap();
    for bug in [Bug::None, Bug::LagByRow, Bug::WindowIncludesCurrentWeek] {
        let features = feature_table(1, bug);
        let n = features.num_rows() as u32;
        let shuffled = features.take(&(0..n).map(|i| (i * 7919) % n).collect::<Vec<_>>()).unwrap();
        let mut columns: Vec<(String, ArrayRef)> = shuffled.column_names().into_iter().map(|c| (c.clone(), shuffled.array(&c).unwrap().clone())).collect();
        let date = shuffled.dates("Date").unwrap();
        let with_null: Vec<Option<i32>> = (0..n as usize).map(|r| (r != 3).then(|| date.value(r))).collect();
        columns[2].1 = Arc::new(Date32Array::from(with_null));
        let table = Frame::new(columns).unwrap();
        let report = validate(&suite, &table, &ValidationOptions { result_format: ResultFormat::Complete, ..with_horizon(1) });
        for (config, shared) in suite.expectations().iter().zip(&report.results) {
            let alone = validate(&Suite::new("one", vec![config.clone()]), &table, &ValidationOptions { result_format: ResultFormat::Complete, ..with_horizon(1) });
            assert_eq!(shared.result, alone.results[0].result, "{}", config.expectation_type);
            assert_eq!(shared.success, alone.results[0].success);
        }
        assert!(bug == Bug::None || !report.success, "{:#?}", failure_messages(&report));
    }
}
