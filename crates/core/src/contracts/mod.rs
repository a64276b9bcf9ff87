//! Data contracts: Great Expectations suites and their validation on a [`Frame`].
//!
//! The seed project enforced its data contracts with Great Expectations (GE); users keep
//! their suites as GE JSON and compare results with GE's. So this module reads and writes
//! GE's suite formats (classic 0.x and 1.x) and returns GE-shaped results, with GE's pandas
//! semantics, computed natively on Arrow columns in the browser and the CLI alike.
//!
//! - [`Suite::from_json`] loads a suite and rejects a malformed one with
//!   [`Error::Suite`](crate::Error::Suite) and a JSON path; [`Suite::to_json`] writes it
//!   back in the same flavour; [`Suite::digest`] identifies what it checks.
//! - [`validate`] runs every expectation and returns a full report: one failing or
//!   unsupported expectation never hides the others, and never passes silently.
//!
//! Semantics kept from GE (pandas engine) — see each submodule for details:
//! - Column map expectations skip nulls (and NaN): success when
//!   (non-null − unexpected) / non-null ≥ `mostly` (default 1; computed in floating point
//!   as GE does, so a ratio exactly at `mostly` passes); zero rows or an all-null column
//!   pass. `not_be_null` / `be_null` count against all rows and report no `missing_*`.
//! - `result_format` comes from the expectation's kwargs when present (as in GE), else from
//!   [`ValidationOptions::result_format`]: BOOLEAN_ONLY, BASIC (default), SUMMARY, COMPLETE.
//!   BASIC and SUMMARY list the first `partial_unexpected_count` (20) unexpected values.
//! - Evaluation parameters: a kwarg `{"$PARAMETER": "name"}` takes
//!   `options.parameters["name"]` (plain names only, no arithmetic); a missing one makes
//!   that result fail with an exception.
//! - An unknown expectation type, a bad kwarg or a value that cannot be evaluated (a bound
//!   of the wrong kind, a missing column) gives `success: false` and
//!   `exception_info.raised_exception: true` with a message.
//! - Expectation names match case-insensitively.
//! - Regex expectations search anywhere in the text of the cell (`str.contains`), on
//!   Python's `str()` of the value; patterns use Rust `regex` syntax (Python's minus
//!   look-around and backreferences).
//! - `match_strftime_format` follows Python's `strptime` (see [`strftime`] for the
//!   directives), `be_dateutil_parseable` a documented subset of dateutil (see
//!   [`dateutil`]); both need a string column, as in GE.
//! - Quantiles use numpy's `nearest` interpolation unless `allow_relative_error` names
//!   another method, as GE's pandas engine does (see [`aggregate`]).
//! - Shelfcast adds three leakage expectations for the feature table (see [`leakage`]).

mod aggregate;
mod catalogue;
mod check;
mod column_map;
mod dateutil;
mod expectation;
mod kwargs;
mod leakage;
mod multicolumn;
mod result;
mod series;
mod strftime;
mod suite;
mod table;
mod values;

use serde_json::{json, Map, Value as Json};

pub use catalogue::supported_expectation_types;
pub use result::{ExceptionInfo, ExpectationResult, ResultFormat, Statistics, ValidationOptions, ValidationResult};
pub use suite::{ExpectationConfig, Suite, SuiteFormat};

use crate::frame::Frame;
use check::{Outcome, Shared};
use kwargs::{substitute_parameters, Kwargs};
use result::{map_result, observed_result, Format};

/// The engine name and version reported in every result's `meta`.
pub const ENGINE: &str = concat!("shelfcast-contracts ", env!("CARGO_PKG_VERSION"));

/// The Great Expectations release whose pandas semantics the engine follows.
pub const GE_SEMANTICS: &str = "0.18";

/// Validates `frame` against every expectation of `suite`.
pub fn validate(suite: &Suite, frame: &Frame, options: &ValidationOptions) -> ValidationResult {
    let shared = Shared::default();
    let results: Vec<ExpectationResult> =
        suite.expectations().iter().map(|config| evaluate(config, frame, &shared, options)).collect();
    let statistics = Statistics::of(&results);
    let meta = json!({
        "great_expectations_version": format!("{ENGINE} (Great Expectations {GE_SEMANTICS} semantics)"),
        "engine": {"name": "shelfcast-contracts", "version": env!("CARGO_PKG_VERSION"), "great_expectations_semantics": GE_SEMANTICS},
        "expectation_suite_name": suite.name(),
        "expectation_suite_digest": suite.digest(),
        "run_id": {"run_name": Json::Null, "run_time": options.run_time},
        "validation_time": options.run_time,
        "data_fingerprint": options.data_fingerprint,
        "evaluation_parameters": options.parameters,
        "batch_spec": {"row_count": frame.num_rows(), "columns": frame.column_names()},
    });
    ValidationResult { success: statistics.unsuccessful_expectations == 0, statistics, results, meta }
}

/// Evaluates one expectation; every failure to evaluate becomes a raised result.
fn evaluate<'f>(config: &ExpectationConfig, frame: &'f Frame, shared: &Shared<'f>, options: &ValidationOptions) -> ExpectationResult {
    let name = &config.expectation_type;
    let raised = |message: String| ExpectationResult::raised(config, message);
    let Some(entry) = catalogue::lookup(name) else {
        return raised(format!("expectation type \"{name}\" is not supported by the Shelfcast contract engine"));
    };
    let resolved = match substitute_parameters(&config.kwargs, &options.parameters) {
        Ok(resolved) => resolved,
        Err(e) => return raised(format!("{name}: {e}")),
    };
    let kwargs = Kwargs::new(&resolved);
    if kwargs.get("row_condition").is_some() {
        // Ignoring it would validate more rows than the suite asks for: say so instead.
        return raised(format!("{name}: kwarg \"row_condition\" is not supported by the Shelfcast contract engine"));
    }
    let format = match kwargs.get("result_format") {
        Some(value) => match Format::from_kwarg(value) {
            Ok(format) => format,
            Err(message) => return raised(format!("{name}: kwarg \"result_format\": {message}")),
        },
        None => Format::new(options.result_format),
    };
    let check = match (entry.parse)(&kwargs) {
        Ok(check) => check,
        Err(e) => return raised(format!("{name}: {e}")),
    };
    let (success, result) = match check.evaluate_shared(frame, shared) {
        Ok(Outcome::Map(findings)) => map_result(&findings, format),
        Ok(Outcome::Observed { success, observed, details }) => (success, observed_result(observed, details, format)),
        Err(message) => return raised(format!("{name}: {message}")),
    };
    ExpectationResult {
        success,
        expectation_config: config.clone(),
        result,
        meta: Json::Object(Map::new()),
        exception_info: ExceptionInfo::default(),
    }
}

#[cfg(test)]
mod tests;
