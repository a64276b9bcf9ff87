//! Column map expectations: a yes/no question per cell, then `mostly`.
//!
//! They all go through [`map_values`] (per-cell predicates) or [`map_rows`] (questions
//! about the whole column, such as uniqueness or order), which apply GE's rules once:
//! nulls (and NaN) are skipped and counted as missing, the unexpected rows are listed in
//! row order, and success is decided by the shared map machinery in `result`.

use std::collections::{HashMap, HashSet};

use arrow_array::Array;
use regex_lite::Regex;

use super::check::{column, Check, Outcome};
use super::dateutil;
use super::kwargs::{KwargError, KwargResult, Kwargs};
use super::result::MapFindings;
use super::strftime::StrftimeFormat;
use super::values::{key_for_column, python_str, Bounds, Key};
use crate::frame::{Column, ColumnType, Frame, Value};

/// Findings over one column, rendering unexpected cells as GE does.
pub(crate) fn column_findings<'f>(
    col: Column<'f>,
    considered_count: Option<usize>,
    unexpected_rows: Vec<usize>,
    mostly: f64,
) -> Outcome<'f> {
    Outcome::Map(MapFindings {
        element_count: col.len(),
        considered_count,
        unexpected_rows,
        render: Box::new(move |row| col.get(row).to_json()),
        mostly,
        details: None,
    })
}

/// Asks `expected` of every non-null cell of `column_name`.
pub(crate) fn map_values<'f>(
    frame: &'f Frame,
    column_name: &str,
    mostly: f64,
    mut expected: impl FnMut(Value<'f>) -> Result<bool, String>,
) -> Result<Outcome<'f>, String> {
    let col = column(frame, column_name)?;
    let mut considered = 0;
    let mut unexpected = Vec::new();
    for row in 0..col.len() {
        let value = col.get(row);
        if value.is_null() {
            continue;
        }
        considered += 1;
        if !expected(value)? {
            unexpected.push(row);
        }
    }
    Ok(column_findings(col, Some(considered), unexpected, mostly))
}

/// [`map_values`] for a predicate on numbers over an integer or float column: the typed
/// array is read directly (same rules: nulls and NaN are missing). `None` for other columns.
fn map_numbers<'f>(col: Column<'f>, mostly: f64, expected: impl Fn(f64) -> bool) -> Option<Outcome<'f>> {
    let mut considered = 0;
    let mut unexpected = Vec::new();
    let mut visit = |row: usize, value: f64| {
        if !value.is_nan() {
            considered += 1;
            if !expected(value) {
                unexpected.push(row);
            }
        }
    };
    // Without nulls the values are read as a plain slice.
    match col {
        Column::Int(a) if a.null_count() == 0 => a.values().iter().enumerate().for_each(|(row, &v)| visit(row, v as f64)),
        Column::Float(a) if a.null_count() == 0 => a.values().iter().enumerate().for_each(|(row, &v)| visit(row, v)),
        Column::Int(a) => (0..a.len()).filter(|&row| a.is_valid(row)).for_each(|row| visit(row, a.value(row) as f64)),
        Column::Float(a) => (0..a.len()).filter(|&row| a.is_valid(row)).for_each(|row| visit(row, a.value(row))),
        _ => return None,
    }
    Some(column_findings(col, Some(considered), unexpected, mostly))
}

/// Gives `unexpected` the non-null cells as `(row, value)` in row order; it returns the
/// unexpected rows.
pub(crate) fn map_rows<'f>(
    frame: &'f Frame,
    column_name: &str,
    mostly: f64,
    unexpected: impl FnOnce(Column<'f>, &[(usize, Value<'f>)]) -> Result<Vec<usize>, String>,
) -> Result<Outcome<'f>, String> {
    let col = column(frame, column_name)?;
    let cells: Vec<(usize, Value<'f>)> = (0..col.len()).map(|row| (row, col.get(row))).filter(|(_, v)| !v.is_null()).collect();
    let mut rows = unexpected(col, &cells)?;
    rows.sort_unstable();
    Ok(column_findings(col, Some(cells.len()), rows, mostly))
}

// ---------------------------------------------------------------------------------------
// Nullness: these count every row, so their results carry no `missing_*` fields (as GE).

struct Nullness {
    column: String,
    mostly: f64,
    expect_null: bool,
}

pub(crate) fn not_be_null(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    Ok(Box::new(Nullness { column: kwargs.string("column")?, mostly: kwargs.mostly()?, expect_null: false }))
}

pub(crate) fn be_null(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    Ok(Box::new(Nullness { column: kwargs.string("column")?, mostly: kwargs.mostly()?, expect_null: true }))
}

impl Check for Nullness {
    fn evaluate<'f>(&self, frame: &'f Frame) -> Result<Outcome<'f>, String> {
        let col = column(frame, &self.column)?;
        let is_null = |row: usize| col.get(row).is_null();
        let unexpected = match col {
            // Only a float cell can be null without being null in Arrow (NaN): other columns
            // without nulls need no scan.
            Column::Int(_) | Column::Bool(_) | Column::Date(_) | Column::Str(_) if col.null_count() == 0 => {
                if self.expect_null { (0..col.len()).collect() } else { Vec::new() }
            }
            Column::Float(a) if a.null_count() == 0 => {
                a.values().iter().enumerate().filter(|(_, v)| v.is_nan() != self.expect_null).map(|(row, _)| row).collect()
            }
            _ => (0..col.len()).filter(|&row| is_null(row) != self.expect_null).collect(),
        };
        Ok(column_findings(col, None, unexpected, self.mostly))
    }
}

// ---------------------------------------------------------------------------------------

struct Between {
    column: String,
    mostly: f64,
    bounds: Bounds,
}

pub(crate) fn be_between(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    Ok(Box::new(Between { column: kwargs.string("column")?, mostly: kwargs.mostly()?, bounds: Bounds::parse(kwargs, true)? }))
}

impl Check for Between {
    fn evaluate<'f>(&self, frame: &'f Frame) -> Result<Outcome<'f>, String> {
        let col = column(frame, &self.column)?;
        let bounds = self.bounds.for_column(col.column_type());
        if let Some(range) = bounds.numeric() {
            if let Some(outcome) = map_numbers(col, self.mostly, |v| range.contains(v)) {
                return Ok(outcome);
            }
        }
        map_values(frame, &self.column, self.mostly, |v| bounds.contains(&Key::from(v)))
    }
}

struct InSet {
    column: String,
    mostly: f64,
    value_set: Vec<serde_json::Value>,
    negate: bool,
}

fn in_set_check(kwargs: &Kwargs<'_>, negate: bool) -> KwargResult<Box<dyn Check>> {
    Ok(Box::new(InSet {
        column: kwargs.string("column")?,
        mostly: kwargs.mostly()?,
        value_set: kwargs.list("value_set")?.to_vec(),
        negate,
    }))
}

pub(crate) fn be_in_set(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    in_set_check(kwargs, false)
}

pub(crate) fn not_be_in_set(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    in_set_check(kwargs, true)
}

/// The suite's value set as keys comparable with cells of `column_type`.
pub(crate) fn key_set(values: &[serde_json::Value], column_type: ColumnType) -> HashSet<Key<'static>> {
    values.iter().map(|v| key_for_column(v, column_type)).collect()
}

impl Check for InSet {
    fn evaluate<'f>(&self, frame: &'f Frame) -> Result<Outcome<'f>, String> {
        let col = column(frame, &self.column)?;
        let set = key_set(&self.value_set, col.column_type());
        let expected = |v: Value<'_>| set.contains(&Key::from(v)) != self.negate;
        // A boolean cell has two possible values: look each up once, not once per row.
        let (if_false, if_true) = (expected(Value::Bool(false)), expected(Value::Bool(true)));
        map_values(frame, &self.column, self.mostly, |v| {
            Ok(match v {
                Value::Bool(b) => if b { if_true } else { if_false },
                other => expected(other),
            })
        })
    }
}

struct Unique {
    column: String,
    mostly: f64,
}

pub(crate) fn be_unique(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    Ok(Box::new(Unique { column: kwargs.string("column")?, mostly: kwargs.mostly()? }))
}

impl Check for Unique {
    /// Every row whose value occurs more than once is unexpected (pandas'
    /// `duplicated(keep=False)`), not only the repeats.
    fn evaluate<'f>(&self, frame: &'f Frame) -> Result<Outcome<'f>, String> {
        map_rows(frame, &self.column, self.mostly, |_, cells| {
            let mut counts: HashMap<Key<'f>, usize> = HashMap::with_capacity(cells.len());
            for (_, v) in cells {
                *counts.entry(Key::from(*v)).or_default() += 1;
            }
            Ok(cells.iter().filter(|(_, v)| counts[&Key::from(*v)] > 1).map(|(row, _)| *row).collect())
        })
    }
}

struct MatchRegex {
    column: String,
    mostly: f64,
    regex: Regex,
    negate: bool,
}

fn regex_check(kwargs: &Kwargs<'_>, negate: bool) -> KwargResult<Box<dyn Check>> {
    let pattern = kwargs.string("regex")?;
    let regex = Regex::new(&pattern).map_err(|e| KwargError::new("regex", format!("not a valid regular expression: {e}")))?;
    Ok(Box::new(MatchRegex { column: kwargs.string("column")?, mostly: kwargs.mostly()?, regex, negate }))
}

/// GE (pandas) tests `column.astype(str).str.contains(regex)`: a match anywhere in the
/// cell's text, not only at its start.
pub(crate) fn match_regex(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    regex_check(kwargs, false)
}

pub(crate) fn not_match_regex(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    regex_check(kwargs, true)
}

impl Check for MatchRegex {
    fn evaluate<'f>(&self, frame: &'f Frame) -> Result<Outcome<'f>, String> {
        map_values(frame, &self.column, self.mostly, |v| Ok(self.regex.is_match(&python_str(v)) != self.negate))
    }
}

/// GE raises a `TypeError` when these string expectations meet non-string values.
fn require_strings(col: Column<'_>, expectation: &str) -> Result<(), String> {
    if col.column_type() == ColumnType::Str {
        Ok(())
    } else {
        Err(format!(
            "values passed to {expectation} must be strings; the column is {}",
            col.column_type().pandas_name()
        ))
    }
}

struct MatchStrftime {
    column: String,
    mostly: f64,
    format: StrftimeFormat,
}

pub(crate) fn match_strftime_format(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    let format = StrftimeFormat::parse(&kwargs.string("strftime_format")?)
        .map_err(|message| KwargError::new("strftime_format", message))?;
    Ok(Box::new(MatchStrftime { column: kwargs.string("column")?, mostly: kwargs.mostly()?, format }))
}

impl Check for MatchStrftime {
    fn evaluate<'f>(&self, frame: &'f Frame) -> Result<Outcome<'f>, String> {
        require_strings(column(frame, &self.column)?, "expect_column_values_to_match_strftime_format")?;
        map_values(frame, &self.column, self.mostly, |v| Ok(matches!(v, Value::Str(s) if self.format.matches(s))))
    }
}

struct DateutilParseable {
    column: String,
    mostly: f64,
}

pub(crate) fn be_dateutil_parseable(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    Ok(Box::new(DateutilParseable { column: kwargs.string("column")?, mostly: kwargs.mostly()? }))
}

impl Check for DateutilParseable {
    fn evaluate<'f>(&self, frame: &'f Frame) -> Result<Outcome<'f>, String> {
        require_strings(column(frame, &self.column)?, "expect_column_values_to_be_dateutil_parseable")?;
        map_values(frame, &self.column, self.mostly, |v| Ok(matches!(v, Value::Str(s) if dateutil::is_parseable(s))))
    }
}

struct Monotonic {
    column: String,
    mostly: f64,
    strictly: bool,
    increasing: bool,
}

fn monotonic(kwargs: &Kwargs<'_>, increasing: bool) -> KwargResult<Box<dyn Check>> {
    Ok(Box::new(Monotonic {
        column: kwargs.string("column")?,
        mostly: kwargs.mostly()?,
        strictly: kwargs.flag("strictly", false)?,
        increasing,
    }))
}

pub(crate) fn be_increasing(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    monotonic(kwargs, true)
}

pub(crate) fn be_decreasing(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    monotonic(kwargs, false)
}

impl Check for Monotonic {
    /// As pandas' `diff()` over the non-null values: each value is compared with the
    /// previous non-null one; the first always passes.
    fn evaluate<'f>(&self, frame: &'f Frame) -> Result<Outcome<'f>, String> {
        map_rows(frame, &self.column, self.mostly, |col, cells| {
            if !matches!(col.column_type(), ColumnType::Int | ColumnType::Float | ColumnType::Date) {
                return Err(format!(
                    "increasing/decreasing needs a numeric or date column; \"{}\" is {}",
                    self.column,
                    col.column_type().pandas_name()
                ));
            }
            Ok(cells
                .windows(2)
                .filter(|pair| {
                    let order = Key::from(pair[1].1).cmp(&Key::from(pair[0].1));
                    let wanted = if self.increasing { std::cmp::Ordering::Greater } else { std::cmp::Ordering::Less };
                    !(order == wanted || (!self.strictly && order == std::cmp::Ordering::Equal))
                })
                .map(|pair| pair[1].0)
                .collect())
        })
    }
}

struct ValueLengths {
    column: String,
    mostly: f64,
    bounds: Bounds,
}

/// Lengths are of the cell's text as `astype(str)` gives it, counted in characters.
pub(crate) fn value_lengths_to_be_between(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    for key in ["min_value", "max_value"] {
        kwargs.opt_count(key)?;
    }
    Ok(Box::new(ValueLengths { column: kwargs.string("column")?, mostly: kwargs.mostly()?, bounds: Bounds::parse(kwargs, true)? }))
}

impl Check for ValueLengths {
    fn evaluate<'f>(&self, frame: &'f Frame) -> Result<Outcome<'f>, String> {
        let bounds = self.bounds.for_column(ColumnType::Int);
        map_values(frame, &self.column, self.mostly, |v| bounds.contains(&Key::Num(python_str(v).chars().count() as f64)))
    }
}
