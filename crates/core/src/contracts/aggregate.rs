//! Column aggregate expectations: one observed value per column, compared with bounds or
//! sets, reported as `observed_value` as GE does.
//!
//! Statistics follow pandas, which GE's pandas engine calls: nulls are skipped; sums use
//! numpy's pairwise summation over the column with nulls as zeros (so sums and means match
//! pandas to the last bit in the usual cases); `stdev` is the sample standard deviation
//! (ddof = 1); `median` averages the two middle values; quantiles use numpy's
//! interpolation named by `allow_relative_error`, **`nearest` by default** — GE's pandas
//! engine passes `interpolation="nearest"` unless `allow_relative_error` names another
//! method (`linear`, `lower`, `higher`, `midpoint`). An observed value that does not exist
//! (mean of an empty column) is `null` and fails the expectation.

use std::collections::HashMap;

use serde_json::{json, Value as Json};

use super::check::{column, Check, Outcome};
use super::column_map::key_set;
use super::kwargs::{KwargError, KwargResult, Kwargs};
use super::values::{number_json, Bounds, Key};
use crate::frame::{Column, ColumnType, Frame, Value};

// ---------------------------------------------------------------------------------------
// Types

/// Whether a type name from a suite denotes `column_type`; `None` for names we do not
/// know. Accepted (case-insensitive): pandas/numpy names `int64`, `int`, `integer`,
/// `float64`, `float`, `double`, `bool`, `boolean`, `object`, `str`, `string`,
/// `datetime64[ns]`, `datetime64`, `datetime`, `date`, `timestamp`; and Arrow names
/// `Int64`, `Float64`, `Boolean`, `Utf8`, `Date32`.
pub(crate) fn type_name_matches(name: &str, column_type: ColumnType) -> Option<bool> {
    let named = match name.trim().to_ascii_lowercase().as_str() {
        "int64" | "int" | "integer" | "int_" | "long" => ColumnType::Int,
        "float64" | "float" | "double" | "float_" => ColumnType::Float,
        "bool" | "boolean" | "bool_" => ColumnType::Bool,
        "object" | "str" | "string" | "utf8" | "object_" | "str_" => ColumnType::Str,
        "datetime64[ns]" | "datetime64" | "datetime" | "date" | "timestamp" | "date32" => ColumnType::Date,
        _ => return None,
    };
    Some(named == column_type)
}

fn known_type(key: &str, name: &str) -> KwargResult<()> {
    type_name_matches(name, ColumnType::Int)
        .map(|_| ())
        .ok_or_else(|| KwargError::new(key, format!("unrecognized type \"{name}\"")))
}

struct OfType {
    column: String,
    types: Option<Vec<String>>,
}

pub(crate) fn be_of_type(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    let type_ = kwargs.string("type_")?;
    known_type("type_", &type_)?;
    Ok(Box::new(OfType { column: kwargs.string("column")?, types: Some(vec![type_]) }))
}

pub(crate) fn be_in_type_list(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    let types = kwargs.opt_string_list("type_list")?;
    for name in types.iter().flatten() {
        known_type("type_list", name)?;
    }
    Ok(Box::new(OfType { column: kwargs.string("column")?, types }))
}

impl Check for OfType {
    /// Our columns are typed, so (as GE does for non-object pandas dtypes) this is decided
    /// on the column's dtype, reported as its pandas name. A null `type_list` passes.
    fn evaluate<'f>(&self, frame: &'f Frame) -> Result<Outcome<'f>, String> {
        let column_type = column(frame, &self.column)?.column_type();
        let success = match &self.types {
            None => true,
            Some(types) => types.iter().any(|t| type_name_matches(t, column_type) == Some(true)),
        };
        Ok(Outcome::Observed { success, observed: json!(column_type.pandas_name()), details: None })
    }
}

// ---------------------------------------------------------------------------------------
// Statistics compared with bounds

#[derive(Clone, Copy)]
enum Statistic {
    Mean,
    Median,
    Min,
    Max,
    Stdev,
    Sum,
    ProportionUnique,
    UniqueCount,
}

struct StatisticBetween {
    column: String,
    statistic: Statistic,
    bounds: Bounds,
}

fn statistic_between(kwargs: &Kwargs<'_>, statistic: Statistic) -> KwargResult<Box<dyn Check>> {
    Ok(Box::new(StatisticBetween { column: kwargs.string("column")?, statistic, bounds: Bounds::parse(kwargs, true)? }))
}

pub(crate) fn mean_to_be_between(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    statistic_between(kwargs, Statistic::Mean)
}
pub(crate) fn median_to_be_between(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    statistic_between(kwargs, Statistic::Median)
}
pub(crate) fn min_to_be_between(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    statistic_between(kwargs, Statistic::Min)
}
pub(crate) fn max_to_be_between(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    statistic_between(kwargs, Statistic::Max)
}
pub(crate) fn stdev_to_be_between(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    statistic_between(kwargs, Statistic::Stdev)
}
pub(crate) fn sum_to_be_between(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    statistic_between(kwargs, Statistic::Sum)
}
pub(crate) fn proportion_of_unique_values_to_be_between(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    statistic_between(kwargs, Statistic::ProportionUnique)
}
pub(crate) fn unique_value_count_to_be_between(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    statistic_between(kwargs, Statistic::UniqueCount)
}

impl Check for StatisticBetween {
    fn evaluate<'f>(&self, frame: &'f Frame) -> Result<Outcome<'f>, String> {
        let col = column(frame, &self.column)?;
        let observed: Key<'f> = match self.statistic {
            Statistic::Mean => numeric(col, "mean").map(|v| mean(&v))?.map_or(Key::Null, Key::Num),
            Statistic::Median => median(numeric(col, "median")?).map_or(Key::Null, Key::Num),
            Statistic::Stdev => sample_stdev(&numeric(col, "stdev")?).map_or(Key::Null, Key::Num),
            Statistic::Sum => Key::Num(pairwise_sum(&numeric(col, "sum")?.filled)),
            Statistic::Min => extreme(col, std::cmp::Ordering::Less),
            Statistic::Max => extreme(col, std::cmp::Ordering::Greater),
            Statistic::UniqueCount => Key::Num(distinct_counts(col).len() as f64),
            Statistic::ProportionUnique => {
                let nonnull = col.len() - null_count(col);
                let unique = distinct_counts(col).len();
                Key::Num(if nonnull > 0 { unique as f64 / nonnull as f64 } else { 0.0 })
            }
        };
        let observed_json = match (&observed, col.column_type()) {
            (Key::Num(v), ColumnType::Int) if matches!(self.statistic, Statistic::Min | Statistic::Max | Statistic::Sum) => {
                number_json(*v)
            }
            (Key::Num(v), _) if matches!(self.statistic, Statistic::UniqueCount) => number_json(*v),
            (Key::Num(v), _) => json!(v),
            (other, _) => other.to_json(),
        };
        let success = match observed {
            Key::Null => false,
            ref key => self.bounds.contains(key, col.column_type())?,
        };
        Ok(Outcome::Observed { success, observed: observed_json, details: None })
    }
}

fn null_count(col: Column<'_>) -> usize {
    col.values().filter(Value::is_null).count()
}

/// A numeric column's values: `filled` has every row with nulls as 0 (as pandas' nan-aware
/// sums see it), `present` only the non-null values, `mask` which rows are present.
struct Numbers {
    filled: Vec<f64>,
    present: Vec<f64>,
    mask: Vec<bool>,
}

fn numeric(col: Column<'_>, statistic: &str) -> Result<Numbers, String> {
    if !matches!(col.column_type(), ColumnType::Int | ColumnType::Float | ColumnType::Bool) {
        return Err(format!("the {statistic} of a {} column is not defined", col.column_type().pandas_name()));
    }
    let mut numbers = Numbers { filled: Vec::with_capacity(col.len()), present: Vec::new(), mask: Vec::with_capacity(col.len()) };
    for value in col.values() {
        let v = value.as_f64();
        numbers.filled.push(v.unwrap_or(0.0));
        numbers.mask.push(v.is_some());
        if let Some(v) = v {
            numbers.present.push(v);
        }
    }
    Ok(numbers)
}

/// numpy's pairwise summation (blocks of 8 partial sums below 128 values, halves above),
/// which pandas uses for float sums.
pub(crate) fn pairwise_sum(values: &[f64]) -> f64 {
    let n = values.len();
    if n < 8 {
        values.iter().fold(0.0, |acc, v| acc + v)
    } else if n <= 128 {
        let mut r = [0.0; 8];
        r.copy_from_slice(&values[..8]);
        let mut i = 8;
        while i + 8 <= n {
            for (j, slot) in r.iter_mut().enumerate() {
                *slot += values[i + j];
            }
            i += 8;
        }
        let mut sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for v in &values[i..] {
            sum += v;
        }
        sum
    } else {
        let mut half = n / 2;
        half -= half % 8;
        pairwise_sum(&values[..half]) + pairwise_sum(&values[half..])
    }
}

fn mean(numbers: &Numbers) -> Option<f64> {
    let count = numbers.present.len();
    (count > 0).then(|| pairwise_sum(&numbers.filled) / count as f64)
}

/// pandas' `nanvar(ddof=1)`: squared deviations from the mean (zeros where null), summed
/// pairwise, over n − 1; its square root.
fn sample_stdev(numbers: &Numbers) -> Option<f64> {
    let count = numbers.present.len();
    if count < 2 {
        return None;
    }
    let mean = mean(numbers)?;
    let squares: Vec<f64> =
        numbers.filled.iter().zip(&numbers.mask).map(|(v, present)| if *present { (mean - v) * (mean - v) } else { 0.0 }).collect();
    Some((pairwise_sum(&squares) / (count - 1) as f64).sqrt())
}

fn median(numbers: Numbers) -> Option<f64> {
    let mut values = numbers.present;
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    Some(if n % 2 == 1 { values[n / 2] } else { (values[n / 2 - 1] + values[n / 2]) / 2.0 })
}

fn extreme<'f>(col: Column<'f>, wanted: std::cmp::Ordering) -> Key<'f> {
    col.values()
        .filter(|v| !v.is_null())
        .map(Key::from)
        .reduce(|best, next| if next.cmp(&best) == wanted { next } else { best })
        .unwrap_or(Key::Null)
}

/// Distinct non-null values with their counts, in first-appearance order.
fn distinct_counts(col: Column<'_>) -> Vec<(Key<'_>, usize)> {
    let mut index: HashMap<Key<'_>, usize> = HashMap::new();
    let mut counts: Vec<(Key<'_>, usize)> = Vec::new();
    for value in col.values().filter(|v| !v.is_null()) {
        let key = Key::from(value);
        match index.get(&key) {
            Some(&i) => counts[i].1 += 1,
            None => {
                index.insert(key.clone(), counts.len());
                counts.push((key, 1));
            }
        }
    }
    counts
}

// ---------------------------------------------------------------------------------------
// Distinct values and sets

#[derive(Clone, Copy, PartialEq)]
enum SetRelation {
    /// Every distinct value is in the set.
    Within,
    /// Every value of the set occurs.
    Contains,
    Equals,
}

struct DistinctValues {
    column: String,
    value_set: Option<Vec<Json>>,
    relation: SetRelation,
}

fn distinct_values(kwargs: &Kwargs<'_>, relation: SetRelation) -> KwargResult<Box<dyn Check>> {
    let value_set = match relation {
        SetRelation::Within => kwargs.opt_list("value_set")?.map(<[Json]>::to_vec),
        _ => Some(kwargs.list("value_set")?.to_vec()),
    };
    Ok(Box::new(DistinctValues { column: kwargs.string("column")?, value_set, relation }))
}

pub(crate) fn distinct_values_to_be_in_set(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    distinct_values(kwargs, SetRelation::Within)
}
pub(crate) fn distinct_values_to_contain_set(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    distinct_values(kwargs, SetRelation::Contains)
}
pub(crate) fn distinct_values_to_equal_set(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    distinct_values(kwargs, SetRelation::Equals)
}

impl Check for DistinctValues {
    /// `observed_value` is the sorted distinct values; `details.value_counts` their counts.
    fn evaluate<'f>(&self, frame: &'f Frame) -> Result<Outcome<'f>, String> {
        let col = column(frame, &self.column)?;
        let mut counts = distinct_counts(col);
        counts.sort_by(|a, b| a.0.cmp(&b.0));
        let observed: Vec<Json> = counts.iter().map(|(k, _)| k.to_json()).collect();
        let details = json!({
            "value_counts": counts.iter().map(|(k, n)| json!({"value": k.to_json(), "count": n})).collect::<Vec<_>>()
        });
        let success = match &self.value_set {
            None => true,
            Some(values) => {
                let expected = key_set(values, col.column_type());
                let within = counts.iter().all(|(k, _)| expected.contains(k));
                let contains = expected.iter().all(|e| counts.iter().any(|(k, _)| k == e));
                match self.relation {
                    SetRelation::Within => within,
                    SetRelation::Contains => contains,
                    SetRelation::Equals => within && contains,
                }
            }
        };
        Ok(Outcome::Observed { success, observed: Json::Array(observed), details: Some(details) })
    }
}

struct MostCommonValue {
    column: String,
    value_set: Vec<Json>,
    ties_okay: bool,
}

pub(crate) fn most_common_value_to_be_in_set(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    Ok(Box::new(MostCommonValue {
        column: kwargs.string("column")?,
        value_set: kwargs.list("value_set")?.to_vec(),
        ties_okay: kwargs.flag("ties_okay", false)?,
    }))
}

impl Check for MostCommonValue {
    /// `observed_value` is the sorted list of modes. With ties, success needs `ties_okay`
    /// and at least one mode in the set; otherwise the single mode must be in the set.
    fn evaluate<'f>(&self, frame: &'f Frame) -> Result<Outcome<'f>, String> {
        let col = column(frame, &self.column)?;
        let counts = distinct_counts(col);
        let top = counts.iter().map(|(_, n)| *n).max().unwrap_or(0);
        let mut modes: Vec<Key<'_>> = counts.into_iter().filter(|(_, n)| *n == top).map(|(k, _)| k).collect();
        modes.sort();
        let expected = key_set(&self.value_set, col.column_type());
        let in_set = modes.iter().filter(|m| expected.contains(m)).count();
        let success = if self.ties_okay { in_set > 0 } else { modes.len() == 1 && in_set == 1 };
        Ok(Outcome::Observed { success, observed: Json::Array(modes.iter().map(Key::to_json).collect()), details: None })
    }
}

// ---------------------------------------------------------------------------------------
// Quantiles

#[derive(Clone, Copy, PartialEq, Debug)]
enum Interpolation {
    Linear,
    Lower,
    Higher,
    Midpoint,
    Nearest,
}

struct QuantilesBetween {
    column: String,
    quantiles: Vec<f64>,
    ranges: Vec<(Option<Json>, Option<Json>)>,
    interpolation: Interpolation,
}

pub(crate) fn quantile_values_to_be_between(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    let key = "quantile_ranges";
    let spec = kwargs.required(key)?;
    let bad = |m: &str| KwargError::new(key, m.to_string());
    let quantiles: Vec<f64> = spec
        .get("quantiles")
        .and_then(Json::as_array)
        .ok_or_else(|| bad("needs \"quantiles\", a list of numbers"))?
        .iter()
        .map(|q| q.as_f64().filter(|q| (0.0..=1.0).contains(q)).ok_or_else(|| bad("quantiles must be numbers between 0 and 1")))
        .collect::<KwargResult<_>>()?;
    let ranges: Vec<(Option<Json>, Option<Json>)> = spec
        .get("value_ranges")
        .and_then(Json::as_array)
        .ok_or_else(|| bad("needs \"value_ranges\", a list of [min, max] pairs"))?
        .iter()
        .map(|r| match r.as_array().map(Vec::as_slice) {
            Some([min, max]) => {
                let bound = |v: &Json| (!v.is_null()).then(|| v.clone());
                Ok((bound(min), bound(max)))
            }
            _ => Err(bad("each value range must be a [min, max] pair (null for no bound)")),
        })
        .collect::<KwargResult<_>>()?;
    if quantiles.len() != ranges.len() {
        return Err(bad("\"quantiles\" and \"value_ranges\" must have the same length"));
    }
    let interpolation = match kwargs.get("allow_relative_error") {
        None | Some(Json::Bool(false)) => Interpolation::Nearest,
        Some(Json::String(name)) => match name.as_str() {
            "linear" => Interpolation::Linear,
            "lower" => Interpolation::Lower,
            "higher" => Interpolation::Higher,
            "midpoint" => Interpolation::Midpoint,
            "nearest" => Interpolation::Nearest,
            _ => return Err(KwargError::new("allow_relative_error", "must be false or one of linear, lower, higher, midpoint, nearest")),
        },
        Some(_) => return Err(KwargError::new("allow_relative_error", "must be false or one of linear, lower, higher, midpoint, nearest")),
    };
    Ok(Box::new(QuantilesBetween { column: kwargs.string("column")?, quantiles, ranges, interpolation }))
}

/// numpy's quantile of sorted values at `q` with the given interpolation.
fn quantile(sorted: &[f64], q: f64, interpolation: Interpolation) -> f64 {
    let n = sorted.len();
    let position = q * (n - 1) as f64;
    let below = (position.floor() as usize).min(n - 1);
    let above = (position.ceil() as usize).min(n - 1);
    match interpolation {
        Interpolation::Lower => sorted[below],
        Interpolation::Higher => sorted[above],
        // numpy rounds half to even.
        Interpolation::Nearest => sorted[(position.round_ties_even() as usize).min(n - 1)],
        Interpolation::Midpoint => (sorted[below] + sorted[above]) / 2.0,
        Interpolation::Linear => {
            let (a, b, t) = (sorted[below], sorted[above], position - below as f64);
            // numpy's _lerp: from the nearer end, for accuracy.
            if t >= 0.5 {
                b - (b - a) * (1.0 - t)
            } else {
                a + (b - a) * t
            }
        }
    }
}

impl Check for QuantilesBetween {
    /// `observed_value` is `{"quantiles": […], "values": […]}` and `details.success_details`
    /// says which ranges held. Date columns are supported except with `linear`/`midpoint`.
    fn evaluate<'f>(&self, frame: &'f Frame) -> Result<Outcome<'f>, String> {
        let col = column(frame, &self.column)?;
        let is_date = col.column_type() == ColumnType::Date;
        if is_date && matches!(self.interpolation, Interpolation::Linear | Interpolation::Midpoint) {
            return Err(format!("{:?} interpolation of a date column is not supported", self.interpolation));
        }
        let mut sorted: Vec<f64> = if is_date {
            col.values().filter_map(|v| if let Value::Date(d) = v { Some(f64::from(d)) } else { None }).collect()
        } else {
            numeric(col, "quantile")?.present
        };
        sorted.sort_by(f64::total_cmp);
        let values: Vec<Key<'_>> = self
            .quantiles
            .iter()
            .map(|&q| {
                if sorted.is_empty() {
                    return Key::Null;
                }
                let v = quantile(&sorted, q, self.interpolation);
                if is_date {
                    Key::Date(v as i32)
                } else {
                    Key::Num(v)
                }
            })
            .collect();
        let mut details = Vec::with_capacity(values.len());
        for (value, (min, max)) in values.iter().zip(&self.ranges) {
            let bounds = Bounds { min: min.clone(), max: max.clone(), strict_min: false, strict_max: false };
            details.push(match value {
                Key::Null => false,
                key => bounds.contains(key, col.column_type())?,
            });
        }
        let rendered: Vec<Json> = values
            .iter()
            .map(|v| match (v, col.column_type()) {
                (Key::Num(x), ColumnType::Int) if self.interpolation != Interpolation::Linear && self.interpolation != Interpolation::Midpoint => number_json(*x),
                (Key::Num(x), _) => json!(x),
                (other, _) => other.to_json(),
            })
            .collect();
        Ok(Outcome::Observed {
            success: details.iter().all(|ok| *ok),
            observed: json!({"quantiles": self.quantiles, "values": rendered}),
            details: Some(json!({"success_details": details})),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_quantile_interpolations() {
        let v = [1.0, 2.0, 3.0, 4.0];
        // position = 0.5 * 3 = 1.5
        assert_eq!(quantile(&v, 0.5, Interpolation::Linear), 2.5);
        assert_eq!(quantile(&v, 0.5, Interpolation::Lower), 2.0);
        assert_eq!(quantile(&v, 0.5, Interpolation::Higher), 3.0);
        assert_eq!(quantile(&v, 0.5, Interpolation::Midpoint), 2.5);
        // 1.5 rounds half to even → 2 → value 3.0
        assert_eq!(quantile(&v, 0.5, Interpolation::Nearest), 3.0);
        // position 0.5 → rounds to 0
        let w = [10.0, 20.0];
        assert_eq!(quantile(&w, 0.5, Interpolation::Nearest), 10.0);
        assert_eq!(quantile(&v, 0.0, Interpolation::Linear), 1.0);
        assert_eq!(quantile(&v, 1.0, Interpolation::Nearest), 4.0);
        assert!((quantile(&v, 0.25, Interpolation::Linear) - 1.75).abs() < 1e-12);
    }

    #[test]
    fn pairwise_sum_matches_plain_sum_on_exact_values() {
        let values: Vec<f64> = (0..1000).map(f64::from).collect();
        assert_eq!(pairwise_sum(&values), 499_500.0);
        assert_eq!(pairwise_sum(&[]), 0.0);
    }

    #[test]
    fn type_aliases() {
        assert_eq!(type_name_matches("INT64", ColumnType::Int), Some(true));
        assert_eq!(type_name_matches("Utf8", ColumnType::Str), Some(true));
        assert_eq!(type_name_matches("datetime64[ns]", ColumnType::Date), Some(true));
        assert_eq!(type_name_matches("float", ColumnType::Int), Some(false));
        assert_eq!(type_name_matches("complex128", ColumnType::Int), None);
    }
}
