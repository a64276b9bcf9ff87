//! Typed access to an expectation's kwargs, after evaluation parameters are substituted.
//!
//! Every expectation reads its arguments through [`Kwargs`], so a wrong or missing argument
//! always produces the same kind of message, naming the kwarg. The same parsing runs when a
//! suite is loaded (to reject a malformed suite early, with a JSON path) and when it is
//! validated (where a bad value supplied by an evaluation parameter becomes a failed result).

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

/// A kwarg that is missing or has the wrong shape.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct KwargError {
    /// The kwarg's name, or empty when the problem is not one kwarg.
    pub key: String,
    pub message: String,
}

impl KwargError {
    pub fn new(key: &str, message: impl Into<String>) -> Self {
        KwargError { key: key.to_string(), message: message.into() }
    }
}

impl std::fmt::Display for KwargError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.key.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "kwarg \"{}\": {}", self.key, self.message)
        }
    }
}

pub(crate) type KwargResult<T> = Result<T, KwargError>;

/// The key Great Expectations uses to mark an evaluation parameter.
pub(crate) const PARAMETER_KEY: &str = "$PARAMETER";

/// True if any value inside `value` is an evaluation parameter reference.
pub(crate) fn has_parameters(value: &Json) -> bool {
    match value {
        Json::Object(map) => map.contains_key(PARAMETER_KEY) || map.values().any(has_parameters),
        Json::Array(items) => items.iter().any(has_parameters),
        _ => false,
    }
}

/// Replaces every `{"$PARAMETER": "name"}` with `parameters["name"]`. Only plain names are
/// supported (no arithmetic expressions); an unknown name is an error naming the kwarg.
pub(crate) fn substitute_parameters(
    kwargs: &Map<String, Json>,
    parameters: &BTreeMap<String, Json>,
) -> KwargResult<Map<String, Json>> {
    kwargs
        .iter()
        .map(|(key, value)| Ok((key.clone(), substitute(key, value, parameters)?)))
        .collect()
}

fn substitute(key: &str, value: &Json, parameters: &BTreeMap<String, Json>) -> KwargResult<Json> {
    match value {
        Json::Object(map) if map.contains_key(PARAMETER_KEY) => {
            let name = map[PARAMETER_KEY]
                .as_str()
                .ok_or_else(|| KwargError::new(key, "\"$PARAMETER\" must name a parameter (a string)"))?;
            parameters.get(name).cloned().ok_or_else(|| {
                KwargError::new(key, format!("no value for evaluation parameter \"{name}\""))
            })
        }
        Json::Object(map) => Ok(Json::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), substitute(key, v, parameters)?)))
                .collect::<KwargResult<_>>()?,
        )),
        Json::Array(items) => Ok(Json::Array(
            items.iter().map(|v| substitute(key, v, parameters)).collect::<KwargResult<_>>()?,
        )),
        other => Ok(other.clone()),
    }
}

/// Read-only, typed view of resolved kwargs. A JSON `null` counts as absent, as in GE.
pub(crate) struct Kwargs<'a> {
    map: &'a Map<String, Json>,
}

impl<'a> Kwargs<'a> {
    pub fn new(map: &'a Map<String, Json>) -> Self {
        Kwargs { map }
    }

    /// The raw value, `None` when absent or null.
    pub fn get(&self, key: &str) -> Option<&'a Json> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    pub fn required(&self, key: &str) -> KwargResult<&'a Json> {
        self.get(key).ok_or_else(|| KwargError::new(key, "is required"))
    }

    pub fn string(&self, key: &str) -> KwargResult<String> {
        let value = self.required(key)?;
        value.as_str().map(str::to_string).ok_or_else(|| KwargError::new(key, format!("must be a string, got {value}")))
    }

    pub fn opt_string(&self, key: &str) -> KwargResult<Option<String>> {
        self.get(key).map(|_| self.string(key)).transpose()
    }

    pub fn string_list(&self, key: &str) -> KwargResult<Vec<String>> {
        let value = self.required(key)?;
        let items = value.as_array().ok_or_else(|| KwargError::new(key, format!("must be a list of strings, got {value}")))?;
        items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| KwargError::new(key, format!("must be a list of strings, found {item}")))
            })
            .collect()
    }

    pub fn opt_string_list(&self, key: &str) -> KwargResult<Option<Vec<String>>> {
        self.get(key).map(|_| self.string_list(key)).transpose()
    }

    pub fn list(&self, key: &str) -> KwargResult<&'a [Json]> {
        let value = self.required(key)?;
        value.as_array().map(Vec::as_slice).ok_or_else(|| KwargError::new(key, format!("must be a list, got {value}")))
    }

    pub fn opt_list(&self, key: &str) -> KwargResult<Option<&'a [Json]>> {
        self.get(key).map(|_| self.list(key)).transpose()
    }

    pub fn number(&self, key: &str) -> KwargResult<f64> {
        let value = self.required(key)?;
        value.as_f64().ok_or_else(|| KwargError::new(key, format!("must be a number, got {value}")))
    }

    pub fn opt_number(&self, key: &str) -> KwargResult<Option<f64>> {
        self.get(key).map(|_| self.number(key)).transpose()
    }

    /// A non-negative integer (JSON `2` or `2.0`).
    pub fn count(&self, key: &str) -> KwargResult<u64> {
        let value = self.required(key)?;
        match value.as_u64() {
            Some(n) => Ok(n),
            None => match value.as_f64() {
                Some(f) if f >= 0.0 && f.fract() == 0.0 && f < 9.0e15 => Ok(f as u64),
                _ => Err(KwargError::new(key, format!("must be a non-negative integer, got {value}"))),
            },
        }
    }

    pub fn opt_count(&self, key: &str) -> KwargResult<Option<u64>> {
        self.get(key).map(|_| self.count(key)).transpose()
    }

    pub fn flag(&self, key: &str, default: bool) -> KwargResult<bool> {
        match self.get(key) {
            None => Ok(default),
            Some(Json::Bool(b)) => Ok(*b),
            Some(other) => Err(KwargError::new(key, format!("must be true or false, got {other}"))),
        }
    }

    /// `mostly`: a number in [0, 1], default 1.
    pub fn mostly(&self) -> KwargResult<f64> {
        match self.opt_number("mostly")? {
            None => Ok(1.0),
            Some(m) if (0.0..=1.0).contains(&m) => Ok(m),
            Some(m) => Err(KwargError::new("mostly", format!("must be between 0 and 1, got {m}"))),
        }
    }

    /// One of `allowed`, or `default` when absent.
    pub fn choice(&self, key: &str, allowed: &[&'static str], default: &'static str) -> KwargResult<&'static str> {
        match self.get(key) {
            None => Ok(default),
            Some(value) => {
                let text = value.as_str().unwrap_or_default();
                allowed.iter().copied().find(|a| *a == text).ok_or_else(|| {
                    KwargError::new(key, format!("must be one of {}, got {value}", allowed.join(", ")))
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parameters_are_substituted_deeply_and_missing_ones_name_the_kwarg() {
        let kwargs = json!({"horizon": {"$PARAMETER": "horizon"}, "ranges": [{"$PARAMETER": "horizon"}, 3]});
        let mut parameters = BTreeMap::new();
        parameters.insert("horizon".to_string(), json!(2));
        let resolved = substitute_parameters(kwargs.as_object().unwrap(), &parameters).unwrap();
        assert_eq!(Json::Object(resolved), json!({"horizon": 2, "ranges": [2, 3]}));

        let error = substitute_parameters(kwargs.as_object().unwrap(), &BTreeMap::new()).unwrap_err();
        assert_eq!(error.key, "horizon");
        assert!(error.message.contains("\"horizon\""));
        assert!(has_parameters(&kwargs));
        assert!(!has_parameters(&json!({"a": [1, {"b": 2}]})));
    }

    #[test]
    fn typed_access_reports_the_kwarg() {
        let map = json!({"mostly": 1.5, "column": 3, "n": 2.0, "flag": "yes", "nothing": null});
        let kwargs = Kwargs::new(map.as_object().unwrap());
        assert_eq!(kwargs.mostly().unwrap_err().key, "mostly");
        assert!(kwargs.string("column").unwrap_err().message.contains("string"));
        assert_eq!(kwargs.count("n").unwrap(), 2);
        assert_eq!(kwargs.flag("flag", false).unwrap_err().to_string(), "kwarg \"flag\": must be true or false, got \"yes\"");
        assert_eq!(kwargs.opt_number("nothing").unwrap(), None);
        assert_eq!(kwargs.required("absent").unwrap_err().message, "is required");
    }
}
