//! Expectation suites: loading GE's JSON (classic 0.x and 1.x), writing it back, digesting.
//!
//! A suite file is checked when it is loaded, so a typo is reported against the file with
//! a JSON path (`$.expectations[3].kwargs.min_value`) before any data is read. Kwargs that
//! come from evaluation parameters can only be checked at validation time; a problem there
//! becomes a failed result with an exception, never a silent pass. Unknown expectation
//! types load fine and are reported as failed results when validated, so one unsupported
//! expectation does not hide the rest of the report.

use serde_json::{json, Map, Value as Json};
use sha2::{Digest, Sha256};

use super::catalogue;
use super::expectation::{describe, parse_expectation};
pub use super::expectation::{ExpectationConfig, SuiteFormat};
use super::kwargs::{has_parameters, Kwargs};
use super::result::Format;
use crate::error::{Error, Result};

/// A loaded expectation suite.
#[derive(Debug, Clone, PartialEq)]
pub struct Suite {
    name: String,
    format: SuiteFormat,
    expectations: Vec<ExpectationConfig>,
    meta: Json,
    /// Other top-level fields (`id`, `notes`, `data_asset_type`, `ge_cloud_id`, …).
    extra: Map<String, Json>,
}

impl Suite {
    /// Loads a suite in GE classic 0.x or 1.x JSON. `file_name` names the file in errors.
    pub fn from_json(file_name: &str, text: &str) -> Result<Suite> {
        let fail = |path: &str, message: String| Error::Suite { file: file_name.to_string(), path: path.to_string(), message };
        let root: Json = serde_json::from_str(text).map_err(|e| fail("$", format!("not valid JSON: {e}")))?;
        let Json::Object(mut object) = root else {
            return Err(fail("$", "a suite must be a JSON object".into()));
        };
        let (format, name_key) = if object.contains_key("expectation_suite_name") {
            (SuiteFormat::Classic, "expectation_suite_name")
        } else if object.contains_key("name") {
            (SuiteFormat::V1, "name")
        } else {
            return Err(fail(
                "$",
                "missing the suite name: \"expectation_suite_name\" (GE 0.x) or \"name\" (GE 1.x)".into(),
            ));
        };
        let name = match object.remove(name_key) {
            Some(Json::String(name)) => name,
            other => return Err(fail(&format!("$.{name_key}"), format!("must be a string, got {}", describe(other.as_ref())))),
        };
        let items = match object.remove("expectations") {
            Some(Json::Array(items)) => items,
            None => return Err(fail("$", "missing \"expectations\" (a list)".into())),
            Some(other) => return Err(fail("$.expectations", format!("must be a list, got {}", describe(Some(&other))))),
        };
        let meta = match object.remove("meta") {
            None => Json::Object(Map::new()),
            Some(meta @ Json::Object(_)) => meta,
            Some(other) => return Err(fail("$.meta", format!("must be an object, got {}", describe(Some(&other))))),
        };
        let mut expectations = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let path = format!("$.expectations[{i}]");
            let mut config = parse_expectation(item, &path).map_err(|(path, message)| fail(&path, message))?;
            config.format = format;
            check_kwargs(&config).map_err(|(key, message)| {
                let at = if key.is_empty() { format!("{path}.kwargs") } else { format!("{path}.kwargs.{key}") };
                fail(&at, message)
            })?;
            expectations.push(config);
        }
        Ok(Suite { name, format, expectations, meta, extra: object })
    }

    /// A classic (0.x) suite built in code. Kwargs are not checked here: problems show up as
    /// failed results when validating, as for evaluation parameters.
    pub fn new(name: &str, expectations: Vec<ExpectationConfig>) -> Suite {
        Suite {
            name: name.to_string(),
            format: SuiteFormat::Classic,
            expectations,
            meta: Json::Object(Map::new()),
            extra: Map::new(),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn format(&self) -> SuiteFormat {
        self.format
    }

    pub fn expectations(&self) -> &[ExpectationConfig] {
        &self.expectations
    }

    pub fn meta(&self) -> &Json {
        &self.meta
    }

    /// The suite as GE JSON, in the flavour it was loaded from.
    pub fn to_json(&self) -> Json {
        let mut object = self.extra.clone();
        let name_key = match self.format {
            SuiteFormat::Classic => "expectation_suite_name",
            SuiteFormat::V1 => "name",
        };
        object.insert(name_key.into(), Json::String(self.name.clone()));
        object.insert("expectations".into(), Json::Array(self.expectations.iter().map(ExpectationConfig::to_json).collect()));
        object.insert("meta".into(), self.meta.clone());
        Json::Object(object)
    }

    /// sha256 (hex) of what the suite checks: its name and each expectation's lower-cased
    /// type and kwargs, serialized as compact JSON with sorted keys. Notes, `meta`, ids and
    /// the file's flavour do not change it, so the same contract in 0.x and 1.x layout, or
    /// re-exported, has the same digest.
    pub fn digest(&self) -> String {
        let canonical = json!({
            "name": self.name,
            "expectations": self.expectations.iter().map(|e| json!({
                "type": e.expectation_type.to_ascii_lowercase(),
                "kwargs": e.kwargs,
            })).collect::<Vec<_>>(),
        });
        let hash = Sha256::digest(canonical.to_string().as_bytes());
        hash.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Load-time checks of the kwargs: the standard arguments always, and the expectation's own
/// arguments when it is a known type and none of them is an evaluation parameter.
/// Returns `(kwarg, message)`.
fn check_kwargs(config: &ExpectationConfig) -> std::result::Result<(), (String, String)> {
    let kwargs = Kwargs::new(&config.kwargs);
    if let Some(value) = kwargs.get("result_format") {
        if !has_parameters(value) {
            Format::from_kwarg(value).map_err(|m| ("result_format".to_string(), m))?;
        }
    }
    for flag in ["catch_exceptions", "include_config"] {
        if let Some(value) = kwargs.get(flag) {
            if !value.is_boolean() {
                return Err((flag.to_string(), format!("must be true or false, got {value}")));
            }
        }
    }
    if config.kwargs.values().any(has_parameters) {
        return Ok(());
    }
    if let Some(entry) = catalogue::lookup(&config.expectation_type) {
        (entry.parse)(&kwargs).map_err(|e| (e.key, e.message))?;
    }
    Ok(())
}
