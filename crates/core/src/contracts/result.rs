//! Validation results in Great Expectations' shape.
//!
//! The JSON a person or a tool reads after `validate` is the same as GE's: a suite result
//! with `success`, `statistics`, `results` and `meta`, and per expectation `success`,
//! `expectation_config`, `result` and `exception_info`. Map expectations all share
//! [`map_result`], so the `result` fields (`element_count`, `unexpected_percent`, …) are
//! computed one way, mirroring GE's `_format_map_output`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value as Json};

use super::expectation::ExpectationConfig;
use super::values::json_order;

/// How much detail each result carries (GE's `result_format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ResultFormat {
    /// Only `success`; `result` is empty.
    BooleanOnly,
    /// Counts, percentages and the first unexpected values.
    #[default]
    Basic,
    /// BASIC plus `partial_unexpected_counts` and `partial_unexpected_index_list`.
    Summary,
    /// SUMMARY plus every unexpected value and index.
    Complete,
}

impl ResultFormat {
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name.to_ascii_uppercase().as_str() {
            "BOOLEAN_ONLY" => ResultFormat::BooleanOnly,
            "BASIC" => ResultFormat::Basic,
            "SUMMARY" => ResultFormat::Summary,
            "COMPLETE" => ResultFormat::Complete,
            _ => return None,
        })
    }
}

/// The result format in effect for one expectation: the level and how many unexpected
/// values the partial lists hold (GE's `partial_unexpected_count`, default 20).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Format {
    pub level: ResultFormat,
    pub partial_count: usize,
}

pub(crate) const DEFAULT_PARTIAL_COUNT: usize = 20;

impl Format {
    pub fn new(level: ResultFormat) -> Self {
        Format { level, partial_count: DEFAULT_PARTIAL_COUNT }
    }

    /// Reads a `result_format` kwarg: a level name or `{"result_format": …,
    /// "partial_unexpected_count": n}`.
    pub fn from_kwarg(value: &Json) -> Result<Self, String> {
        let bad = || format!("must be BOOLEAN_ONLY, BASIC, SUMMARY or COMPLETE (or an object with \"result_format\"), got {value}");
        match value {
            Json::String(name) => ResultFormat::parse(name).map(Format::new).ok_or_else(bad),
            Json::Object(map) => {
                let level = match map.get("result_format") {
                    Some(Json::String(name)) => ResultFormat::parse(name).ok_or_else(bad)?,
                    None => ResultFormat::Basic,
                    Some(_) => return Err(bad()),
                };
                let partial_count = match map.get("partial_unexpected_count") {
                    None | Some(Json::Null) => DEFAULT_PARTIAL_COUNT,
                    Some(n) => n
                        .as_u64()
                        .map(|n| n as usize)
                        .ok_or_else(|| format!("partial_unexpected_count must be a non-negative integer, got {n}"))?,
                };
                Ok(Format { level, partial_count })
            }
            _ => Err(bad()),
        }
    }
}

/// Options of one validation run. Times and fingerprints are passed in: the core reads
/// no clock.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ValidationOptions {
    /// Used for every expectation that has no `result_format` kwarg of its own.
    pub result_format: ResultFormat,
    /// When the run happened (ISO 8601), reported in `meta.run_id.run_time`.
    pub run_time: Option<String>,
    /// The validated data's fingerprint (e.g. the dataset digest), reported in `meta`.
    pub data_fingerprint: Option<String>,
    /// Evaluation parameters: a kwarg `{"$PARAMETER": "name"}` takes `parameters["name"]`.
    pub parameters: BTreeMap<String, Json>,
}

/// Counts over a suite's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statistics {
    pub evaluated_expectations: usize,
    pub successful_expectations: usize,
    pub unsuccessful_expectations: usize,
    /// `None` when nothing was evaluated, as in GE.
    pub success_percent: Option<f64>,
}

/// Whether evaluating an expectation raised, and why.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExceptionInfo {
    pub raised_exception: bool,
    pub exception_message: Option<String>,
    pub exception_traceback: Option<String>,
}

/// The result of one expectation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpectationResult {
    pub success: bool,
    pub expectation_config: ExpectationConfig,
    /// GE's `result` object: `observed_value` for aggregates, counts and lists for maps.
    pub result: Json,
    pub meta: Json,
    pub exception_info: ExceptionInfo,
}

impl ExpectationResult {
    pub(crate) fn raised(config: &ExpectationConfig, message: String) -> Self {
        ExpectationResult {
            success: false,
            expectation_config: config.clone(),
            result: Json::Object(Map::new()),
            meta: Json::Object(Map::new()),
            exception_info: ExceptionInfo {
                raised_exception: true,
                exception_message: Some(message),
                exception_traceback: None,
            },
        }
    }

    /// The exception message, if evaluating this expectation raised.
    pub fn exception_message(&self) -> Option<&str> {
        self.exception_info.exception_message.as_deref().filter(|_| self.exception_info.raised_exception)
    }
}

/// The result of validating a frame against a suite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidationResult {
    pub success: bool,
    pub statistics: Statistics,
    pub results: Vec<ExpectationResult>,
    pub meta: Json,
}

impl ValidationResult {
    /// The results that did not succeed, in suite order.
    pub fn failures(&self) -> impl Iterator<Item = &ExpectationResult> {
        self.results.iter().filter(|r| !r.success)
    }
}

impl Statistics {
    pub(crate) fn of(results: &[ExpectationResult]) -> Self {
        let evaluated = results.len();
        let successful = results.iter().filter(|r| r.success).count();
        Statistics {
            evaluated_expectations: evaluated,
            successful_expectations: successful,
            unsuccessful_expectations: evaluated - successful,
            success_percent: (evaluated > 0).then(|| successful as f64 / evaluated as f64 * 100.0),
        }
    }
}

/// What a map expectation found: how many rows it looked at and which were unexpected.
pub(crate) struct MapFindings<'a> {
    pub element_count: usize,
    /// Rows considered (non-null, or not ignored); `None` for expectations that count
    /// every row (`not_be_null`, `be_null`), whose result then has no `missing_*` fields.
    pub considered_count: Option<usize>,
    /// Unexpected row indices, ascending.
    pub unexpected_rows: Vec<usize>,
    /// Renders the unexpected value of a row for the lists.
    pub render: Box<dyn Fn(usize) -> Json + 'a>,
    pub mostly: f64,
    /// Extra fields for `result.details` (e.g. a message naming a leaking feature).
    pub details: Option<Map<String, Json>>,
}

impl MapFindings<'_> {
    /// GE's rule: vacuously true on zero rows considered; otherwise the fraction of
    /// considered rows that are expected, computed in floating point, must be ≥ `mostly`
    /// (so a ratio exactly at `mostly` passes).
    pub fn success(&self) -> bool {
        let considered = self.considered_count.unwrap_or(self.element_count);
        if self.element_count == 0 || considered == 0 {
            return true;
        }
        let considered = considered as f64;
        (considered - self.unexpected_rows.len() as f64) / considered >= self.mostly
    }
}

/// Builds `(success, result)` for a map expectation, like GE's `_format_map_output`.
///
/// As in GE since 0.13, BASIC and SUMMARY only collect the first `partial_count`
/// unexpected values, so `partial_unexpected_counts` counts within those.
pub(crate) fn map_result(findings: &MapFindings<'_>, format: Format) -> (bool, Json) {
    let success = findings.success();
    if format.level == ResultFormat::BooleanOnly {
        return (success, Json::Object(Map::new()));
    }
    let element_count = findings.element_count;
    let unexpected_count = findings.unexpected_rows.len();
    let percent = |part: usize, whole: usize| -> Json {
        if whole > 0 {
            json!(part as f64 / whole as f64 * 100.0)
        } else {
            Json::Null
        }
    };
    let listed_rows: &[usize] = if format.level == ResultFormat::Complete {
        &findings.unexpected_rows
    } else {
        &findings.unexpected_rows[..unexpected_count.min(format.partial_count)]
    };
    let listed_values: Vec<Json> = listed_rows.iter().map(|&row| (findings.render)(row)).collect();
    let partial = listed_values.len().min(format.partial_count);

    let mut result = Map::new();
    result.insert("element_count".into(), json!(element_count));
    result.insert("unexpected_count".into(), json!(unexpected_count));
    match findings.considered_count {
        Some(considered) => {
            let missing = element_count - considered;
            let nonmissing = if element_count > 0 { percent(unexpected_count, considered) } else { Json::Null };
            result.insert("unexpected_percent".into(), nonmissing.clone());
            result.insert("missing_count".into(), json!(missing));
            result.insert("missing_percent".into(), percent(missing, element_count));
            result.insert("unexpected_percent_total".into(), percent(unexpected_count, element_count));
            result.insert("unexpected_percent_nonmissing".into(), nonmissing);
        }
        None => {
            result.insert("unexpected_percent".into(), percent(unexpected_count, element_count));
        }
    }
    result.insert("partial_unexpected_list".into(), Json::Array(listed_values[..partial].to_vec()));
    if let Some(details) = &findings.details {
        result.insert("details".into(), Json::Object(details.clone()));
    }
    if format.level == ResultFormat::Basic {
        return (success, Json::Object(result));
    }
    if format.partial_count > 0 {
        result.insert("partial_unexpected_counts".into(), value_counts(&listed_values, format.partial_count));
        result.insert(
            "partial_unexpected_index_list".into(),
            json!(listed_rows[..listed_rows.len().min(format.partial_count)]),
        );
    }
    if format.level == ResultFormat::Complete {
        result.insert("unexpected_list".into(), Json::Array(listed_values));
        result.insert("unexpected_index_list".into(), json!(findings.unexpected_rows));
    }
    (success, Json::Object(result))
}

/// `[{value, count}]` like GE: Python's `Counter(values).most_common(n)` (ties keep first
/// appearance), then sorted by count descending and value ascending. Objects (rows of
/// multicolumn expectations) are counted as the tuple of their values, as GE does.
fn value_counts(values: &[Json], n: usize) -> Json {
    let mut counts: Vec<(Json, usize)> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for value in values {
        let value = match value {
            Json::Object(map) => Json::Array(map.values().cloned().collect()),
            other => other.clone(),
        };
        let key = value.to_string();
        match index.get(&key) {
            Some(&i) => counts[i].1 += 1,
            None => {
                index.insert(key, counts.len());
                counts.push((value, 1));
            }
        }
    }
    counts.sort_by_key(|c| std::cmp::Reverse(c.1)); // stable: ties keep first appearance
    counts.truncate(n);
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| json_order(&a.0, &b.0)));
    Json::Array(counts.into_iter().map(|(value, count)| json!({"value": value, "count": count})).collect())
}

/// The result of an aggregate (or table) expectation: `{"observed_value": …}` plus any
/// `details`, emptied for BOOLEAN_ONLY.
pub(crate) fn observed_result(observed: Json, details: Option<Json>, format: Format) -> Json {
    let mut result = Map::new();
    if format.level != ResultFormat::BooleanOnly {
        result.insert("observed_value".into(), observed);
        if let Some(details) = details {
            result.insert("details".into(), details);
        }
    }
    Json::Object(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn findings(element_count: usize, considered: Option<usize>, unexpected: Vec<usize>, mostly: f64) -> MapFindings<'static> {
        MapFindings {
            element_count,
            considered_count: considered,
            unexpected_rows: unexpected,
            render: Box::new(|row| json!(row % 3)),
            mostly,
            details: None,
        }
    }

    #[test]
    fn mostly_exactly_at_the_boundary_passes() {
        // 99 of 100 expected: 0.99 >= 0.99.
        assert!(findings(100, Some(100), vec![7], 0.99).success());
        assert!(!findings(100, Some(100), vec![7, 8], 0.99).success());
        // GE's float arithmetic: (10 - 3) / 10 = 0.7 exactly as the literal 0.7.
        assert!(findings(12, Some(10), vec![1, 2, 3], 0.7).success());
    }

    #[test]
    fn vacuous_successes() {
        assert!(findings(0, Some(0), vec![], 1.0).success());
        assert!(findings(5, Some(0), vec![], 1.0).success());
    }

    #[test]
    fn percentages_and_missing_fields() {
        let (success, result) = map_result(&findings(10, Some(8), vec![1, 2], 1.0), Format::new(ResultFormat::Basic));
        assert!(!success);
        assert_eq!(result["missing_count"], json!(2));
        assert_eq!(result["unexpected_percent"], json!(25.0));
        assert_eq!(result["unexpected_percent_total"], json!(20.0));
        assert_eq!(result["missing_percent"], json!(20.0));
        assert!(result.get("partial_unexpected_counts").is_none());

        let (_, result) = map_result(&findings(10, None, vec![1], 1.0), Format::new(ResultFormat::Basic));
        assert!(result.get("missing_count").is_none());
        assert_eq!(result["unexpected_percent"], json!(10.0));

        let (_, result) = map_result(&findings(0, Some(0), vec![], 1.0), Format::new(ResultFormat::Basic));
        assert_eq!(result["unexpected_percent"], Json::Null);
        assert_eq!(result["missing_percent"], Json::Null);
    }

    #[test]
    fn summary_counts_by_count_then_value_and_complete_lists_everything() {
        // values: row % 3 → rows 1,2,4,5,7 give 1,2,1,2,1
        let f = findings(10, Some(10), vec![1, 2, 4, 5, 7], 0.0);
        let (_, summary) = map_result(&f, Format::new(ResultFormat::Summary));
        assert_eq!(summary["partial_unexpected_counts"], json!([{"value": 1, "count": 3}, {"value": 2, "count": 2}]));
        assert_eq!(summary["partial_unexpected_index_list"], json!([1, 2, 4, 5, 7]));
        assert!(summary.get("unexpected_list").is_none());
        let (_, complete) = map_result(&f, Format { level: ResultFormat::Complete, partial_count: 2 });
        assert_eq!(complete["partial_unexpected_list"], json!([1, 2]));
        assert_eq!(complete["unexpected_list"], json!([1, 2, 1, 2, 1]));
        assert_eq!(complete["unexpected_index_list"], json!([1, 2, 4, 5, 7]));
    }

    #[test]
    fn result_format_kwarg_forms() {
        assert_eq!(Format::from_kwarg(&json!("summary")).unwrap().level, ResultFormat::Summary);
        let f = Format::from_kwarg(&json!({"result_format": "COMPLETE", "partial_unexpected_count": 5})).unwrap();
        assert_eq!((f.level, f.partial_count), (ResultFormat::Complete, 5));
        assert_eq!(Format::from_kwarg(&json!("VERBOSE")).unwrap_err().to_string(), "must be BOOLEAN_ONLY, BASIC, SUMMARY or COMPLETE (or an object with \"result_format\"), got \"VERBOSE\"");
    }
}
