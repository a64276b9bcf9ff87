//! Column pair and multicolumn map expectations: a yes/no question per row over several
//! columns.
//!
//! Which rows are considered follows GE's `ignore_row_if`: for column pairs the default is
//! `both_values_are_missing` (also `either_value_is_missing`, `neither`); for multicolumn
//! expectations it is `all_values_are_missing` (also `any_value_is_missing`, `never`).
//! Note that with GE's default a row with *some* nulls is still considered; for
//! `compound_columns_to_be_unique` nulls then compare equal to each other, as in pandas'
//! `duplicated`. Ignored rows count as missing. In a considered pair row, a null on one side
//! makes the comparison false (pandas compares NaN as false), so the row is unexpected.

use serde_json::{Map, Value as Json};

use super::check::{column, Check, Outcome};
use super::kwargs::{KwargError, KwargResult, Kwargs};
use super::result::MapFindings;
use super::values::{column_codes, sort_rows_by_codes, Key};
use crate::frame::{Column, ColumnType, Frame, Value};

/// Loaded columns with their names, for rendering unexpected rows as `{column: value}`.
struct Columns<'f> {
    names: Vec<String>,
    columns: Vec<Column<'f>>,
}

impl<'f> Columns<'f> {
    fn load(frame: &'f Frame, names: &[String]) -> Result<Self, String> {
        let columns = names.iter().map(|n| column(frame, n)).collect::<Result<_, _>>()?;
        Ok(Columns { names: names.to_vec(), columns })
    }

    fn row(&self, row: usize) -> impl Iterator<Item = Value<'f>> + '_ {
        self.columns.iter().map(move |c| c.get(row))
    }

    fn findings(self, frame: &Frame, considered: usize, unexpected_rows: Vec<usize>, mostly: f64, as_list: bool) -> Outcome<'f> {
        let element_count = frame.num_rows();
        Outcome::Map(MapFindings {
            element_count,
            considered_count: Some(considered),
            unexpected_rows,
            render: Box::new(move |row| {
                if as_list {
                    Json::Array(self.row(row).map(|v| v.to_json()).collect())
                } else {
                    Json::Object(self.names.iter().cloned().zip(self.row(row).map(|v| v.to_json())).collect::<Map<_, _>>())
                }
            }),
            mostly,
            details: None,
        })
    }
}

#[derive(Clone, Copy, PartialEq)]
enum IgnoreRow {
    /// All (both) values missing.
    AllMissing,
    /// Any (either) value missing.
    AnyMissing,
    Never,
}

impl IgnoreRow {
    fn multicolumn(kwargs: &Kwargs<'_>) -> KwargResult<Self> {
        Ok(match kwargs.choice("ignore_row_if", &["all_values_are_missing", "any_value_is_missing", "never"], "all_values_are_missing")? {
            "all_values_are_missing" => IgnoreRow::AllMissing,
            "any_value_is_missing" => IgnoreRow::AnyMissing,
            _ => IgnoreRow::Never,
        })
    }

    fn pair(kwargs: &Kwargs<'_>) -> KwargResult<Self> {
        Ok(match kwargs.choice("ignore_row_if", &["both_values_are_missing", "either_value_is_missing", "neither"], "both_values_are_missing")? {
            "both_values_are_missing" => IgnoreRow::AllMissing,
            "either_value_is_missing" => IgnoreRow::AnyMissing,
            _ => IgnoreRow::Never,
        })
    }

    fn ignores(self, values: &[Value<'_>]) -> bool {
        match self {
            IgnoreRow::AllMissing => values.iter().all(Value::is_null),
            IgnoreRow::AnyMissing => values.iter().any(Value::is_null),
            IgnoreRow::Never => false,
        }
    }
}

/// Runs `unexpected` on every considered row's values; returns the considered count and
/// the unexpected rows.
fn scan_rows<'f>(
    columns: &Columns<'f>,
    rows: usize,
    ignore: IgnoreRow,
    mut unexpected: impl FnMut(usize, &[Value<'f>]) -> Result<bool, String>,
) -> Result<(usize, Vec<usize>), String> {
    let mut considered = 0;
    let mut bad = Vec::new();
    let mut values = Vec::with_capacity(columns.columns.len());
    for row in 0..rows {
        values.clear();
        values.extend(columns.row(row));
        if ignore.ignores(&values) {
            continue;
        }
        considered += 1;
        if unexpected(row, &values)? {
            bad.push(row);
        }
    }
    Ok((considered, bad))
}

fn column_list(kwargs: &Kwargs<'_>) -> KwargResult<Vec<String>> {
    let list = kwargs.string_list("column_list")?;
    if list.is_empty() {
        return Err(KwargError::new("column_list", "must name at least one column"));
    }
    Ok(list)
}

struct CompoundUnique {
    columns: Vec<String>,
    ignore: IgnoreRow,
    mostly: f64,
}

pub(crate) fn compound_columns_to_be_unique(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    Ok(Box::new(CompoundUnique { columns: column_list(kwargs)?, ignore: IgnoreRow::multicolumn(kwargs)?, mostly: kwargs.mostly()? }))
}

impl Check for CompoundUnique {
    /// Every considered row whose combination occurs more than once is unexpected.
    fn evaluate<'f>(&self, frame: &'f Frame) -> Result<Outcome<'f>, String> {
        let columns = Columns::load(frame, &self.columns)?;
        // Without a missing cell (a null, or a float NaN) no row can be ignored.
        let no_missing = columns.columns.iter().all(|c| c.null_count() == 0 && c.column_type() != ColumnType::Float);
        let mut rows = Vec::new();
        let considered = if no_missing {
            rows.extend(0..frame.num_rows());
            rows.len()
        } else {
            scan_rows(&columns, frame.num_rows(), self.ignore, |row, _| {
                rows.push(row);
                Ok(false)
            })?
            .0
        };
        let codes: Vec<_> = columns.columns.iter().map(|c| column_codes(*c)).collect();
        sort_rows_by_codes(&mut rows, &codes);
        let same = |a: usize, b: usize| codes.iter().all(|c| c[a] == c[b]);
        let mut unexpected = Vec::new();
        let mut start = 0;
        for i in 1..=rows.len() {
            if i == rows.len() || !same(rows[start], rows[i]) {
                if i - start > 1 {
                    unexpected.extend_from_slice(&rows[start..i]);
                }
                start = i;
            }
        }
        unexpected.sort_unstable();
        Ok(columns.findings(frame, considered, unexpected, self.mostly, false))
    }
}

#[derive(Clone, Copy)]
enum PairRule {
    Greater { or_equal: bool },
    Equal,
}

struct Pair {
    column_a: String,
    column_b: String,
    rule: PairRule,
    ignore: IgnoreRow,
    mostly: f64,
}

fn pair(kwargs: &Kwargs<'_>, rule: PairRule) -> KwargResult<Box<dyn Check>> {
    Ok(Box::new(Pair {
        column_a: kwargs.string("column_A")?,
        column_b: kwargs.string("column_B")?,
        rule,
        ignore: IgnoreRow::pair(kwargs)?,
        mostly: kwargs.mostly()?,
    }))
}

pub(crate) fn pair_a_greater_than_b(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    pair(kwargs, PairRule::Greater { or_equal: kwargs.flag("or_equal", false)? })
}

pub(crate) fn pair_equal(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    pair(kwargs, PairRule::Equal)
}

impl Check for Pair {
    /// Unexpected values are listed as `[A, B]` pairs.
    fn evaluate<'f>(&self, frame: &'f Frame) -> Result<Outcome<'f>, String> {
        let columns = Columns::load(frame, &[self.column_a.clone(), self.column_b.clone()])?;
        let (considered, unexpected) = scan_rows(&columns, frame.num_rows(), self.ignore, |_, values| {
            let (a, b) = (Key::from(values[0]), Key::from(values[1]));
            if matches!(a, Key::Null) || matches!(b, Key::Null) {
                return Ok(true);
            }
            let order = a.partial_order(&b).ok_or_else(|| {
                format!("cannot compare {} values of \"{}\" with {} values of \"{}\"", a.kind_name(), self.column_a, b.kind_name(), self.column_b)
            })?;
            Ok(match self.rule {
                PairRule::Greater { or_equal } => !(order.is_gt() || (or_equal && order.is_eq())),
                PairRule::Equal => !order.is_eq(),
            })
        })?;
        Ok(columns.findings(frame, considered, unexpected, self.mostly, true))
    }
}

struct SumToEqual {
    columns: Vec<String>,
    total: f64,
    ignore: IgnoreRow,
    mostly: f64,
}

pub(crate) fn sum_to_equal(kwargs: &Kwargs<'_>) -> KwargResult<Box<dyn Check>> {
    Ok(Box::new(SumToEqual {
        columns: column_list(kwargs)?,
        total: kwargs.number("sum_total")?,
        ignore: IgnoreRow::multicolumn(kwargs)?,
        mostly: kwargs.mostly()?,
    }))
}

impl Check for SumToEqual {
    /// Each considered row's sum (nulls as 0, as pandas' `sum(axis=1)`) must equal
    /// `sum_total` exactly.
    fn evaluate<'f>(&self, frame: &'f Frame) -> Result<Outcome<'f>, String> {
        let columns = Columns::load(frame, &self.columns)?;
        for (name, col) in columns.names.iter().zip(&columns.columns) {
            if !matches!(col.column_type(), ColumnType::Int | ColumnType::Float | ColumnType::Bool) {
                return Err(format!("column \"{name}\" is {}, not numeric", col.column_type().pandas_name()));
            }
        }
        let (considered, unexpected) = scan_rows(&columns, frame.num_rows(), self.ignore, |_, values| {
            let sum: f64 = values.iter().filter_map(Value::as_f64).sum();
            Ok(sum != self.total)
        })?;
        Ok(columns.findings(frame, considered, unexpected, self.mostly, false))
    }
}
