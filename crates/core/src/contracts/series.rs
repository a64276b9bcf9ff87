//! The series layout the leakage checks share: a frame's rows sorted by (series, date) and
//! cut into one range per series, with the source columns read in that order. Building it
//! costs more than a check's own work, so one validation run builds each layout once
//! ([`SeriesCache`], kept in the run's [`Shared`](super::check::Shared)).

use std::borrow::Cow;
use std::cell::{OnceCell, RefCell};
use std::ops::Range;
use std::rc::Rc;

use arrow_array::Array;
use serde_json::{Map, Value as Json};

use super::kwargs::{KwargError, KwargResult, Kwargs};
use super::values::{column, column_codes, sort_rows_by_codes};
use crate::frame::{Column, Frame};

/// Where the series are: group columns, the date column and the period length.
#[derive(Debug, Clone)]
pub(super) struct SeriesSpec {
    pub(super) source_column: String,
    pub(super) group_by: Vec<String>,
    pub(super) date_column: String,
    pub(super) period_days: i64,
}

impl SeriesSpec {
    pub(super) fn parse(kwargs: &Kwargs<'_>) -> KwargResult<Self> {
        let period_days = kwargs.opt_count("period_days")?.unwrap_or(7);
        if period_days == 0 || period_days > 100_000 {
            return Err(KwargError::new("period_days", "must be between 1 and 100000"));
        }
        Ok(SeriesSpec {
            source_column: kwargs.opt_string("source_column")?.unwrap_or_else(|| "Weekly_Sales".into()),
            group_by: kwargs.opt_string_list("group_by")?.unwrap_or_else(|| vec!["Store".into(), "Dept".into()]),
            date_column: kwargs.opt_string("date_column")?.unwrap_or_else(|| "Date".into()),
            period_days: period_days as i64,
        })
    }
}

/// The series layouts of one validation run, shared by every leakage check that asks for the
/// same group and date columns. Building a layout (codes, sort, series cuts) and reading the
/// source column in layout order cost more than a check's own work, and the shipped feature
/// suite runs seven checks on one layout. Lives in the run's
/// [`Shared`](super::check::Shared), so it never outlives its frame.
#[derive(Default)]
pub(crate) struct SeriesCache<'f> {
    pub(super) layouts: RefCell<Vec<Rc<SeriesLayout<'f>>>>,
}

impl<'f> SeriesCache<'f> {
    /// The layout of `frame` for `spec`'s group and date columns, built on first use.
    /// A layout that cannot be built is not remembered: each check reports the error.
    pub(super) fn layout(&self, frame: &'f Frame, spec: &SeriesSpec) -> Result<Rc<SeriesLayout<'f>>, String> {
        let found = self.layouts.borrow().iter().find(|l| l.group_by == spec.group_by && l.date_name == spec.date_column).cloned();
        if let Some(layout) = found {
            return Ok(layout);
        }
        let layout = Rc::new(SeriesLayout::build(frame, spec)?);
        self.layouts.borrow_mut().push(Rc::clone(&layout));
        Ok(layout)
    }
}

/// Row indices sorted by (series, date), cut into one range per series. A *position* is an
/// index into `order`; the windows below are ranges of positions, and the recomputed values
/// are kept in position order so that the scans read and write memory in order.
pub(super) struct SeriesLayout<'f> {
    pub(super) group_by: Vec<String>,
    pub(super) date_name: String,
    pub(super) order: Vec<usize>,
    pub(super) series: Vec<Range<usize>>,
    /// The date of each position (`dates[order[i]]`).
    pub(super) sorted_dates: Vec<i64>,
    /// The rows with a null date, ascending: no series holds them.
    pub(super) unplaced: Vec<usize>,
    /// Row → position (`usize::MAX` when unplaced); built when a finding is rendered.
    pub(super) positions: OnceCell<Vec<usize>>,
    /// Source columns read in position order, by name (every check of a suite reads one).
    pub(super) columns: RefCell<Vec<(String, Rc<[f64]>)>>,
    pub(super) group_columns: Vec<Column<'f>>,
    pub(super) date_column: Column<'f>,
}

impl<'f> SeriesLayout<'f> {
    pub(super) fn build(frame: &'f Frame, spec: &SeriesSpec) -> Result<Self, String> {
        let group_columns: Vec<Column<'f>> = spec.group_by.iter().map(|c| column(frame, c)).collect::<Result<_, _>>()?;
        let date_column = column(frame, &spec.date_column)?;
        let Column::Date(date_array) = date_column else {
            return Err(format!("date column \"{}\" is {}, not a date column", spec.date_column, date_column.column_type().pandas_name()));
        };
        let rows = frame.num_rows();
        let mut codes: Vec<Cow<'_, [i64]>> = group_columns.iter().map(|c| column_codes(*c)).collect();
        codes.push((0..rows).map(|row| if date_array.is_valid(row) { i64::from(date_array.value(row)) } else { 0 }).collect());
        let (mut order, unplaced): (Vec<usize>, Vec<usize>) = (0..rows).partition(|&row| date_array.is_valid(row));
        sort_rows_by_codes(&mut order, &codes);
        let (groups, dates) = codes.split_at(codes.len() - 1);
        let same_series = |a: usize, b: usize| groups.iter().all(|c| c[a] == c[b]);
        let mut series = Vec::new();
        let mut start = 0;
        for i in 1..=order.len() {
            if i == order.len() || !same_series(order[start], order[i]) {
                series.push(start..i);
                start = i;
            }
        }
        let sorted_dates = order.iter().map(|&row| dates[0][row]).collect();
        Ok(SeriesLayout {
            group_by: spec.group_by.clone(),
            date_name: spec.date_column.clone(),
            order,
            series,
            sorted_dates,
            unplaced,
            positions: OnceCell::new(),
            columns: RefCell::new(Vec::new()),
            group_columns,
            date_column,
        })
    }

    /// `(series key…, date)` of a row as JSON, in `group_by` order.
    pub(super) fn describe(&self, row: usize) -> Map<String, Json> {
        let mut object: Map<String, Json> =
            self.group_by.iter().cloned().zip(self.group_columns.iter().map(|c| c.get(row).to_json())).collect();
        object.insert(self.date_name.clone(), self.date_column.get(row).to_json());
        object
    }

    /// The position of `row`, `None` when its date is null.
    pub(super) fn position(&self, row: usize) -> Option<usize> {
        let positions = self.positions.get_or_init(|| {
            // Every row is either placed (in `order`) or unplaced.
            let mut positions = vec![usize::MAX; self.order.len() + self.unplaced.len()];
            for (position, &row) in self.order.iter().enumerate() {
                positions[row] = position;
            }
            positions
        });
        Some(positions[row]).filter(|&p| p != usize::MAX)
    }

    /// A source column's cells as [`numbers`] in position order, read once per layout.
    pub(super) fn sorted_numbers(&self, name: &str, col: Column<'_>) -> Rc<[f64]> {
        if let Some((_, values)) = self.columns.borrow().iter().find(|(n, _)| n == name) {
            return Rc::clone(values);
        }
        let values: Rc<[f64]> = numbers(col, &self.order).into();
        self.columns.borrow_mut().push((name.to_string(), Rc::clone(&values)));
        values
    }

    /// For each position, calls `visit` with the position and the positions of its series
    /// whose dates are in `[date − from_offset, date − to_offset]` (a range, as positions
    /// are sorted by date within a series).
    pub(super) fn for_each_window(&self, from_offset: i64, to_offset: i64, mut visit: impl FnMut(usize, Range<usize>)) {
        for range in &self.series {
            let (mut lo, mut hi) = (range.start, range.start);
            for position in range.clone() {
                let date = self.sorted_dates[position];
                let (start, end) = (date - from_offset, date - to_offset);
                while lo < range.end && self.sorted_dates[lo] < start {
                    lo += 1;
                }
                hi = hi.max(lo);
                while hi < range.end && self.sorted_dates[hi] <= end {
                    hi += 1;
                }
                visit(position, lo..hi);
            }
        }
    }

    /// `f(window)` for each position, in position order.
    pub(super) fn map_windows(&self, from_offset: i64, to_offset: i64, mut f: impl FnMut(Range<usize>) -> f64) -> Vec<f64> {
        let mut out = vec![f64::NAN; self.order.len()];
        self.for_each_window(from_offset, to_offset, |position, window| out[position] = f(window));
        out
    }
}

/// A numeric column's cells at `rows` as `f64`, read from the typed array so that the loops
/// below do no per-cell dispatch. A missing cell (null, or NaN, which counts as null as in
/// [`Column::get`]) is NaN; [`present`] turns it back into `None`.
pub(super) fn numbers(col: Column<'_>, rows: &[usize]) -> Vec<f64> {
    match col {
        Column::Int(a) => rows.iter().map(|&r| if a.is_valid(r) { a.value(r) as f64 } else { f64::NAN }).collect(),
        Column::Float(a) => rows.iter().map(|&r| if a.is_valid(r) { a.value(r) } else { f64::NAN }).collect(),
        _ => rows.iter().map(|&r| cell(col, r)).collect(),
    }
}

/// One cell as [`numbers`] reads it.
pub(super) fn cell(col: Column<'_>, row: usize) -> f64 {
    col.get(row).as_f64().unwrap_or(f64::NAN)
}
