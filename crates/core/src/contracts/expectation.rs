//! One expectation as a suite configures it, in either of Great Expectations' layouts, and
//! its reading from JSON (errors carry a JSON path). The suite and the results both hold
//! configurations; neither needs the other to.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value as Json};

/// Which Great Expectations JSON layout a suite was written in; `to_json` keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuiteFormat {
    /// GE 0.x: `expectation_suite_name`, expectations with `expectation_type`.
    #[default]
    Classic,
    /// GE 1.x: `name`, `id`, expectations with `type`, `id`, `notes`.
    V1,
}

/// One expectation as configured in a suite.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpectationConfig {
    /// The type as written (e.g. `expect_column_pair_values_A_to_be_greater_than_B`);
    /// matched case-insensitively.
    pub expectation_type: String,
    pub kwargs: Map<String, Json>,
    pub meta: Json,
    /// Other fields of the expectation object (1.x `id`, `notes`, …), kept for re-export.
    pub extra: Map<String, Json>,
    pub format: SuiteFormat,
}

impl ExpectationConfig {
    /// A classic (0.x) configuration, e.g. for building suites in code.
    pub fn new(expectation_type: &str, kwargs: Json) -> Self {
        ExpectationConfig {
            expectation_type: expectation_type.to_string(),
            kwargs: match kwargs {
                Json::Object(map) => map,
                _ => Map::new(),
            },
            meta: Json::Object(Map::new()),
            extra: Map::new(),
            format: SuiteFormat::Classic,
        }
    }

    /// The JSON object in this configuration's flavour.
    pub fn to_json(&self) -> Json {
        let mut object = self.extra.clone();
        let type_key = match self.format {
            SuiteFormat::Classic => "expectation_type",
            SuiteFormat::V1 => "type",
        };
        object.insert(type_key.into(), Json::String(self.expectation_type.clone()));
        object.insert("kwargs".into(), Json::Object(self.kwargs.clone()));
        object.insert("meta".into(), self.meta.clone());
        Json::Object(object)
    }
}

impl Serialize for ExpectationConfig {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ExpectationConfig {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let value = Json::deserialize(deserializer)?;
        parse_expectation(&value, "$").map_err(|(path, message)| D::Error::custom(format!("at {path}: {message}")))
    }
}

/// What a JSON value is, for error messages.
pub(super) fn describe(value: Option<&Json>) -> String {
    match value {
        None | Some(Json::Null) => "null".into(),
        Some(Json::Bool(_)) => "a boolean".into(),
        Some(Json::Number(n)) => format!("the number {n}"),
        Some(Json::String(s)) => format!("the string \"{s}\""),
        Some(Json::Array(_)) => "a list".into(),
        Some(Json::Object(_)) => "an object".into(),
    }
}

/// Reads one expectation object; errors carry a JSON path under `path`.
pub(super) fn parse_expectation(item: &Json, path: &str) -> std::result::Result<ExpectationConfig, (String, String)> {
    let Json::Object(object) = item else {
        return Err((path.to_string(), format!("an expectation must be an object, got {}", describe(Some(item)))));
    };
    let mut extra = object.clone();
    let type_key = if object.contains_key("expectation_type") { "expectation_type" } else { "type" };
    let expectation_type = match extra.remove(type_key) {
        Some(Json::String(t)) if !t.trim().is_empty() => t,
        None => return Err((path.to_string(), "missing \"expectation_type\" (GE 0.x) or \"type\" (GE 1.x)".into())),
        Some(other) => {
            return Err((format!("{path}.{type_key}"), format!("must be a non-empty string, got {}", describe(Some(&other)))))
        }
    };
    let kwargs = match extra.remove("kwargs") {
        None => Map::new(),
        Some(Json::Object(kwargs)) => kwargs,
        Some(other) => return Err((format!("{path}.kwargs"), format!("must be an object, got {}", describe(Some(&other))))),
    };
    let meta = match extra.remove("meta") {
        None | Some(Json::Null) => Json::Object(Map::new()),
        Some(meta @ Json::Object(_)) => meta,
        Some(other) => return Err((format!("{path}.meta"), format!("must be an object, got {}", describe(Some(&other))))),
    };
    let format = if type_key == "type" { SuiteFormat::V1 } else { SuiteFormat::Classic };
    Ok(ExpectationConfig { expectation_type, kwargs, meta, extra, format })
}

