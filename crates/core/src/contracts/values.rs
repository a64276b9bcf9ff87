//! Comparing cells with the JSON values written in suites, the way pandas would.
//!
//! Suites are JSON, so a bound like `"2010-01-01"` arrives as a string even when the column
//! holds dates, and `1` must equal `1.0` (Python's `1 == 1.0`). [`Key`] is the one hashable,
//! ordered form both sides are converted to: numbers (ints and floats together), booleans,
//! dates (days) and strings. Values of different kinds are never equal, and ordering them is
//! an error, as comparing a number with a string is a `TypeError` in Python.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use arrow_array::Array;
use serde_json::Value as Json;

use crate::calendar::{days_from_civil, days_in_month};
use crate::frame::{Column, ColumnType, Frame, Value};

/// A comparable, hashable cell value.
#[derive(Debug, Clone)]
pub(crate) enum Key<'a> {
    Null,
    Bool(bool),
    Num(f64),
    Date(i32),
    Str(Cow<'a, str>),
}

impl Key<'_> {
    fn rank(&self) -> u8 {
        match self {
            Key::Null => 0,
            Key::Bool(_) => 1,
            Key::Num(_) => 2,
            Key::Date(_) => 3,
            Key::Str(_) => 4,
        }
    }

    /// Python-style ordering: `None` when the two kinds cannot be compared.
    pub fn partial_order(&self, other: &Key<'_>) -> Option<Ordering> {
        match (self, other) {
            (Key::Num(a), Key::Num(b)) => a.partial_cmp(b),
            (Key::Date(a), Key::Date(b)) => Some(a.cmp(b)),
            (Key::Str(a), Key::Str(b)) => Some(a.as_ref().cmp(b.as_ref())),
            (Key::Bool(a), Key::Bool(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }

    pub fn kind_name(&self) -> &'static str {
        match self {
            Key::Null => "null",
            Key::Bool(_) => "boolean",
            Key::Num(_) => "number",
            Key::Date(_) => "date",
            Key::Str(_) => "string",
        }
    }
}

impl PartialEq for Key<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Key<'_> {}

impl PartialOrd for Key<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A total order (kinds first) so keys can be sorted and deduplicated.
impl Ord for Key<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Key::Num(a), Key::Num(b)) => normalize(*a).total_cmp(&normalize(*b)),
            _ => self.partial_order(other).unwrap_or_else(|| self.rank().cmp(&other.rank())),
        }
    }
}

impl Hash for Key<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.rank().hash(state);
        match self {
            Key::Null => {}
            Key::Bool(b) => b.hash(state),
            Key::Num(v) => normalize(*v).to_bits().hash(state),
            Key::Date(d) => d.hash(state),
            Key::Str(s) => s.hash(state),
        }
    }
}

/// Treats -0.0 as 0.0 so that equal numbers hash alike.
fn normalize(v: f64) -> f64 {
    if v == 0.0 {
        0.0
    } else {
        v
    }
}

impl<'a> From<Value<'a>> for Key<'a> {
    fn from(value: Value<'a>) -> Self {
        match value {
            Value::Null => Key::Null,
            Value::Int(v) => Key::Num(v as f64),
            Value::Float(v) => Key::Num(v),
            Value::Bool(v) => Key::Bool(v),
            Value::Date(v) => Key::Date(v),
            Value::Str(v) => Key::Str(Cow::Borrowed(v)),
        }
    }
}

impl Key<'_> {
    /// The JSON form, as Great Expectations reports values (dates as ISO strings).
    pub fn to_json(&self) -> Json {
        match self {
            Key::Null => Json::Null,
            Key::Bool(b) => Json::Bool(*b),
            Key::Num(v) => number_json(*v),
            Key::Date(d) => Value::Date(*d).to_json(),
            Key::Str(s) => Json::String(s.to_string()),
        }
    }
}

/// A float as JSON, written as an integer when it is one (so `3` stays `3`).
pub(crate) fn number_json(v: f64) -> Json {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        Json::from(v as i64)
    } else {
        serde_json::Number::from_f64(v).map(Json::Number).unwrap_or(Json::Null)
    }
}

/// Converts a suite value to a key comparable with cells of `column_type`: ISO strings
/// become dates on date columns; everything else keeps its JSON kind.
pub(crate) fn key_for_column(value: &Json, column_type: ColumnType) -> Key<'static> {
    match value {
        Json::Null => Key::Null,
        Json::Bool(b) => Key::Bool(*b),
        Json::Number(n) => Key::Num(n.as_f64().unwrap_or(f64::NAN)),
        Json::String(s) => {
            if column_type == ColumnType::Date {
                if let Some(days) = parse_date_literal(s) {
                    return Key::Date(days);
                }
            }
            Key::Str(Cow::Owned(s.clone()))
        }
        // Lists and objects never equal a cell; a string form keeps them distinct.
        other => Key::Str(Cow::Owned(other.to_string())),
    }
}

/// A date bound as written in a suite: `YYYY-MM-DD`, optionally followed by a midnight time
/// (`T00:00:00`, ` 00:00:00`, with optional fractional zeros), as pandas would print it.
pub(crate) fn parse_date_literal(text: &str) -> Option<i32> {
    let text = text.trim();
    let (date, time) = match text.find(['T', ' ']) {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    if let Some(time) = time {
        let midnight = time.trim_end_matches('Z');
        let digits_only: String = midnight.chars().filter(|c| *c != ':' && *c != '.').collect();
        if digits_only.is_empty() || !digits_only.chars().all(|c| c == '0') {
            return None;
        }
    }
    let mut parts = date.split('-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next()?.parse().ok()?;
    let day: u32 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// The text Python's `str()` gives for a cell, as pandas' `astype(str)` does (used by the
/// regex and length expectations): `True`/`False`, `1.0` for a whole float, ISO dates.
pub(crate) fn python_str(value: Value<'_>) -> Cow<'_, str> {
    match value {
        Value::Null => Cow::Borrowed("None"),
        Value::Str(s) => Cow::Borrowed(s),
        Value::Int(v) => Cow::Owned(v.to_string()),
        Value::Bool(true) => Cow::Borrowed("True"),
        Value::Bool(false) => Cow::Borrowed("False"),
        Value::Date(d) => Cow::Owned(crate::calendar::format_date(d)),
        Value::Float(v) => Cow::Owned(python_float_repr(v)),
    }
}

/// Python's `repr(float)`: shortest round-trip digits, `.0` on whole numbers, exponent
/// notation below 1e-4 and from 1e16.
pub(crate) fn python_float_repr(v: f64) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let abs = v.abs();
    if abs != 0.0 && !(1e-4..1e16).contains(&abs) {
        // Rust's `{:e}` gives `1e16` / `1.5e-5`; Python writes `1e+16` / `1.5e-05`.
        let text = format!("{v:e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let exponent: i32 = exponent.parse().unwrap_or(0);
        let sign = if exponent < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exponent.abs());
    }
    let text = format!("{v}");
    if text.contains('.') {
        text
    } else {
        format!("{text}.0")
    }
}

/// Orders JSON values as Python would sort them (numbers numerically, strings by code
/// point, lists element-wise); kinds that Python cannot compare are ordered by kind.
pub(crate) fn json_order(a: &Json, b: &Json) -> Ordering {
    fn rank(v: &Json) -> u8 {
        match v {
            Json::Null => 0,
            Json::Bool(_) => 1,
            Json::Number(_) => 2,
            Json::String(_) => 3,
            Json::Array(_) => 4,
            Json::Object(_) => 5,
        }
    }
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => {
            x.as_f64().unwrap_or(0.0).total_cmp(&y.as_f64().unwrap_or(0.0))
        }
        (Json::String(x), Json::String(y)) => x.cmp(y),
        (Json::Bool(x), Json::Bool(y)) => x.cmp(y),
        (Json::Array(x), Json::Array(y)) => {
            for (p, q) in x.iter().zip(y) {
                let o = json_order(p, q);
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        (Json::Object(x), Json::Object(y)) => {
            let xs: Vec<Json> = x.values().cloned().collect();
            let ys: Vec<Json> = y.values().cloned().collect();
            json_order(&Json::Array(xs), &Json::Array(ys))
        }
        _ => rank(a).cmp(&rank(b)),
    }
}

/// `min_value` / `max_value` with `strict_min` / `strict_max`, as GE's `*_to_be_between`
/// expectations take them: a null bound is no bound.
#[derive(Debug, Clone)]
pub(crate) struct Bounds {
    pub min: Option<Json>,
    pub max: Option<Json>,
    pub strict_min: bool,
    pub strict_max: bool,
}

impl Bounds {
    /// Reads the bound kwargs; with `require_one`, both bounds null is an error, as GE says
    /// "min_value and max_value cannot both be None".
    pub fn parse(kwargs: &super::kwargs::Kwargs<'_>, require_one: bool) -> super::kwargs::KwargResult<Self> {
        let bounds = Bounds {
            min: kwargs.get("min_value").cloned(),
            max: kwargs.get("max_value").cloned(),
            strict_min: kwargs.flag("strict_min", false)?,
            strict_max: kwargs.flag("strict_max", false)?,
        };
        for (key, bound) in [("min_value", &bounds.min), ("max_value", &bounds.max)] {
            if let Some(value) = bound {
                if !(value.is_number() || value.is_string()) {
                    return Err(super::kwargs::KwargError::new(key, format!("must be a number, a date string or null, got {value}")));
                }
            }
        }
        if require_one && bounds.min.is_none() && bounds.max.is_none() {
            return Err(super::kwargs::KwargError::new("min_value", "min_value and max_value cannot both be null"));
        }
        Ok(bounds)
    }

    /// Whether `value` lies within the bounds; comparing kinds Python cannot compare
    /// (a number with a string) is an error.
    pub fn contains(&self, value: &Key<'_>, column_type: ColumnType) -> Result<bool, String> {
        self.for_column(column_type).contains(value)
    }

    /// The bounds as keys comparable with cells of `column_type`, converted once for a
    /// whole column rather than per cell.
    pub fn for_column(&self, column_type: ColumnType) -> ColumnBounds<'_> {
        fn key(bound: Option<&Json>, column_type: ColumnType) -> Option<(&Json, Key<'static>)> {
            bound.map(|b| (b, key_for_column(b, column_type)))
        }
        ColumnBounds {
            min: key(self.min.as_ref(), column_type),
            max: key(self.max.as_ref(), column_type),
            strict_min: self.strict_min,
            strict_max: self.strict_max,
        }
    }
}

/// [`Bounds`] for one column type: each bound as written and as a key.
pub(crate) struct ColumnBounds<'b> {
    min: Option<(&'b Json, Key<'static>)>,
    max: Option<(&'b Json, Key<'static>)>,
    strict_min: bool,
    strict_max: bool,
}

/// Bounds that are all numbers (or absent), for comparing number cells without keys.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NumericBounds {
    min: Option<f64>,
    max: Option<f64>,
    strict_min: bool,
    strict_max: bool,
}

impl NumericBounds {
    /// [`ColumnBounds::contains`] for a number cell (never NaN: that cell is missing).
    pub fn contains(&self, value: f64) -> bool {
        let above_min = self.min.is_none_or(|min| if self.strict_min { value > min } else { value >= min });
        let below_max = self.max.is_none_or(|max| if self.strict_max { value < max } else { value <= max });
        above_min && below_max
    }
}

impl ColumnBounds<'_> {
    /// The bounds as plain numbers, when every given bound is a number.
    pub fn numeric(&self) -> Option<NumericBounds> {
        let number = |bound: &Option<(&Json, Key<'_>)>| -> Option<Option<f64>> {
            match bound {
                None => Some(None),
                Some((_, Key::Num(v))) if !v.is_nan() => Some(Some(*v)),
                Some(_) => None,
            }
        };
        Some(NumericBounds { min: number(&self.min)?, max: number(&self.max)?, strict_min: self.strict_min, strict_max: self.strict_max })
    }

    /// See [`Bounds::contains`].
    pub fn contains(&self, value: &Key<'_>) -> Result<bool, String> {
        let compare = |(bound, bound_key): &(&Json, Key<'_>)| -> Result<Ordering, String> {
            value.partial_order(bound_key).ok_or_else(|| {
                format!("cannot compare a {} value with the bound {bound} ({})", value.kind_name(), bound_key.kind_name())
            })
        };
        if let Some(min) = &self.min {
            let order = compare(min)?;
            if order == Ordering::Less || (self.strict_min && order == Ordering::Equal) {
                return Ok(false);
            }
        }
        if let Some(max) = &self.max {
            let order = compare(max)?;
            if order == Ordering::Greater || (self.strict_max && order == Ordering::Equal) {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// A column's cells as integer codes that are equal exactly when the cells are equal as
/// [`Key`]s (nulls share one code). Integer and date columns without nulls are their own
/// codes (an integer column's values borrowed, not copied); others are numbered in order of
/// first appearance. Sorting and grouping rows by
/// codes avoids hashing a composite key per row on 400k-row tables.
pub(crate) fn column_codes(col: crate::frame::Column<'_>) -> std::borrow::Cow<'_, [i64]> {
    use crate::frame::Column;
    match col {
        Column::Int(a) if a.null_count() == 0 => return std::borrow::Cow::Borrowed(a.values()),
        Column::Date(a) if a.null_count() == 0 => return a.values().iter().map(|&d| i64::from(d)).collect(),
        _ => {}
    }
    let mut codes: std::collections::HashMap<Key<'_>, i64> = std::collections::HashMap::new();
    col.values()
        .map(|v| {
            let next = codes.len() as i64;
            *codes.entry(Key::from(v)).or_insert(next)
        })
        .collect()
}

/// Sorts `rows` by the codes of each column in turn, then by row index (a stable order).
/// Rows already in that order (a feature table sorted by series and date) are left as they
/// are after one linear check.
pub(crate) fn sort_rows_by_codes(rows: &mut [usize], codes: &[impl AsRef<[i64]>]) {
    let codes: Vec<&[i64]> = codes.iter().map(AsRef::as_ref).collect();
    let order = |a: usize, b: usize| {
        codes.iter().map(|c| c[a].cmp(&c[b])).find(|o| o.is_ne()).unwrap_or(Ordering::Equal).then(a.cmp(&b))
    };
    if rows.windows(2).all(|pair| order(pair[0], pair[1]).is_lt()) {
        return;
    }
    rows.sort_unstable_by(|&a, &b| order(a, b));
}

/// A column by name, or a message that names it and lists what exists.
pub(crate) fn column<'f>(frame: &'f Frame, name: &str) -> Result<Column<'f>, String> {
    frame
        .column(name)
        .map_err(|_| format!("column \"{name}\" does not exist (columns: {})", frame.column_names().join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ints_and_floats_are_the_same_key() {
        assert_eq!(Key::from(Value::Int(1)), Key::from(Value::Float(1.0)));
        assert_ne!(Key::from(Value::Int(1)), Key::from(Value::Str("1")));
        assert_eq!(key_for_column(&json!(1.0), ColumnType::Int), Key::from(Value::Int(1)));
    }

    #[test]
    fn date_literals_on_date_columns() {
        assert_eq!(key_for_column(&json!("1970-01-02"), ColumnType::Date), Key::Date(1));
        assert_eq!(parse_date_literal("2010-02-05T00:00:00"), parse_date_literal("2010-02-05"));
        assert_eq!(parse_date_literal("2010-02-05 12:00:00"), None);
        assert_eq!(parse_date_literal("2011-02-29"), None);
        assert!(matches!(key_for_column(&json!("x"), ColumnType::Date), Key::Str(_)));
    }

    #[test]
    fn python_text_of_cells() {
        assert_eq!(python_str(Value::Float(1.0)), "1.0");
        assert_eq!(python_str(Value::Float(0.1)), "0.1");
        assert_eq!(python_str(Value::Float(1e16)), "1e+16");
        assert_eq!(python_str(Value::Float(1.5e-5)), "1.5e-05");
        assert_eq!(python_str(Value::Bool(true)), "True");
        assert_eq!(python_str(Value::Date(0)), "1970-01-01");
    }

    #[test]
    fn json_sorts_like_python() {
        let mut values = vec![json!("b"), json!(10), json!(2), json!("a")];
        values.sort_by(json_order);
        assert_eq!(values, vec![json!(2), json!(10), json!("a"), json!("b")]);
        assert_eq!(json_order(&json!([1, 2]), &json!([1, 3])), Ordering::Less);
    }
}
