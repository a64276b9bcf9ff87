//! Table-level expectations: the schema (column names, order, count) and the row count.

use serde_json::{json, Value as Json};

use super::check::{Check, Outcome};
use super::kwargs::{KwargResult, Kwargs};
use super::values::{Bounds, Key};
use crate::frame::{ColumnType, Frame};

struct ColumnsMatchOrderedList {
    columns: Vec<String>,
}

pub(crate) fn columns_to_match_ordered_list(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    Ok(Box::new(ColumnsMatchOrderedList { columns: kwargs.string_list("column_list")? }))
}

impl Check for ColumnsMatchOrderedList {
    fn evaluate<'f>(&self, frame: &'f Frame) -> Result<Outcome<'f>, String> {
        let found = frame.column_names();
        let mismatched: Vec<Json> = (0..found.len().max(self.columns.len()))
            .filter(|&i| found.get(i) != self.columns.get(i))
            .map(|i| {
                json!({
                    "Expected Column Position": i,
                    "Expected": self.columns.get(i),
                    "Found": found.get(i),
                })
            })
            .collect();
        let success = mismatched.is_empty();
        Ok(Outcome::Observed {
            success,
            observed: json!(found),
            details: (!success).then(|| json!({ "mismatched": mismatched })),
        })
    }
}

struct ColumnsMatchSet {
    columns: Vec<String>,
    exact_match: bool,
}

pub(crate) fn columns_to_match_set(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    Ok(Box::new(ColumnsMatchSet {
        columns: kwargs.string_list("column_set")?,
        exact_match: kwargs.flag("exact_match", true)?,
    }))
}

impl Check for ColumnsMatchSet {
    fn evaluate<'f>(&self, frame: &'f Frame) -> Result<Outcome<'f>, String> {
        let found = frame.column_names();
        let missing: Vec<&String> = self.columns.iter().filter(|c| !found.contains(c)).collect();
        let unexpected: Vec<&String> = found.iter().filter(|c| !self.columns.contains(c)).collect();
        let success = missing.is_empty() && (unexpected.is_empty() || !self.exact_match);
        let details = (!missing.is_empty() || !unexpected.is_empty())
            .then(|| json!({ "mismatched": { "unexpected": unexpected, "missing": missing } }));
        Ok(Outcome::Observed { success, observed: json!(found), details })
    }
}

/// A count (of rows or columns) compared with `value` or with bounds.
enum CountRule {
    Equal(u64),
    Between(Bounds),
}

impl CountRule {
    fn holds(&self, count: usize) -> Result<bool, String> {
        match self {
            CountRule::Equal(value) => Ok(count as u64 == *value),
            CountRule::Between(bounds) => bounds.contains(&Key::Num(count as f64), ColumnType::Int),
        }
    }
}

struct TableCount {
    of_rows: bool,
    rule: CountRule,
}

impl Check for TableCount {
    fn evaluate<'f>(&self, frame: &'f Frame) -> Result<Outcome<'f>, String> {
        let count = if self.of_rows { frame.num_rows() } else { frame.num_columns() };
        Ok(Outcome::Observed { success: self.rule.holds(count)?, observed: json!(count), details: None })
    }
}

fn numeric_bounds(kwargs: &Kwargs<'_>) -> KwargResult<Bounds> {
    for key in ["min_value", "max_value"] {
        kwargs.opt_number(key)?;
    }
    Bounds::parse(kwargs, false)
}

pub(crate) fn column_count_to_equal(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    Ok(Box::new(TableCount { of_rows: false, rule: CountRule::Equal(kwargs.count("value")?) }))
}

pub(crate) fn column_count_to_be_between(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    Ok(Box::new(TableCount { of_rows: false, rule: CountRule::Between(numeric_bounds(kwargs)?) }))
}

pub(crate) fn row_count_to_equal(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    Ok(Box::new(TableCount { of_rows: true, rule: CountRule::Equal(kwargs.count("value")?) }))
}

pub(crate) fn row_count_to_be_between(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    Ok(Box::new(TableCount { of_rows: true, rule: CountRule::Between(numeric_bounds(kwargs)?) }))
}

struct ColumnExists {
    column: String,
    index: Option<u64>,
}

pub(crate) fn column_to_exist(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    Ok(Box::new(ColumnExists { column: kwargs.string("column")?, index: kwargs.opt_count("column_index")? }))
}

impl Check for ColumnExists {
    /// GE's result is empty; ours also reports where the column was found (or null).
    fn evaluate<'f>(&self, frame: &'f Frame) -> Result<Outcome<'f>, String> {
        let position = frame.column_names().iter().position(|c| *c == self.column);
        let success = match (position, self.index) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(found), Some(expected)) => found as u64 == expected,
        };
        Ok(Outcome::Observed { success, observed: json!(position), details: None })
    }
}
