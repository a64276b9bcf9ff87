//! The sales history before an origin as a dense panel (series × weeks), and the labelled
//! rows of a window after it. Every forecast method reads the panel; nothing dated on or
//! after the origin ever enters it, which is what makes a forecast honest by construction.

use std::collections::HashMap;

use crate::calendar::format_date;
use crate::error::{Error, Result};
use crate::frame::Frame;
use crate::stage::Stage;

/// A store-department series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub struct SeriesKey {
    pub store: i64,
    pub dept: i64,
}

/// The weekly sales before `origin`, one row of `weeks` values per series (NaN where a
/// series has no row that week). Week `w` is dated `first + 7·w`; the last week is the one
/// before the origin.
#[derive(Debug, Clone)]
pub struct History {
    pub origin: i32,
    pub first: i32,
    pub weeks: usize,
    pub series: Vec<SeriesKey>,
    values: Vec<f64>,
    index: HashMap<SeriesKey, usize>,
}

/// The columns of a sales table, typed once.
pub(crate) struct SalesColumns<'a> {
    pub store: &'a arrow_array::Int64Array,
    pub dept: &'a arrow_array::Int64Array,
    pub date: &'a arrow_array::Date32Array,
    pub sales: Option<&'a arrow_array::Float64Array>,
    pub holiday: &'a arrow_array::BooleanArray,
}

impl<'a> SalesColumns<'a> {
    pub fn of(frame: &'a Frame, with_sales: bool) -> Result<Self> {
        Ok(SalesColumns {
            store: frame.ints("Store")?,
            dept: frame.ints("Dept")?,
            date: frame.dates("Date")?,
            sales: if with_sales { Some(frame.floats("Weekly_Sales")?) } else { None },
            holiday: frame.bools("IsHoliday")?,
        })
    }

    pub fn key(&self, row: usize) -> SeriesKey {
        SeriesKey { store: self.store.value(row), dept: self.dept.value(row) }
    }

    pub fn is_holiday(&self, row: usize) -> bool {
        use arrow_array::Array;
        self.holiday.is_valid(row) && self.holiday.value(row)
    }

    /// Whether the row has every key and, if read, its sales.
    pub fn is_complete(&self, row: usize) -> bool {
        use arrow_array::Array;
        self.store.is_valid(row)
            && self.dept.is_valid(row)
            && self.date.is_valid(row)
            && self.sales.is_none_or(|s| s.is_valid(row) && s.value(row).is_finite())
    }
}

/// A sales table (train.csv's columns, in its order) from its columns.
pub fn sales_frame(
    store: arrow_array::Int64Array,
    dept: arrow_array::Int64Array,
    date: arrow_array::Date32Array,
    sales: arrow_array::Float64Array,
    holiday: arrow_array::BooleanArray,
) -> Result<Frame> {
    use std::sync::Arc;
    Frame::new(vec![
        ("Store".into(), Arc::new(store) as arrow_array::ArrayRef),
        ("Dept".into(), Arc::new(dept)),
        ("Date".into(), Arc::new(date)),
        ("Weekly_Sales".into(), Arc::new(sales)),
        ("IsHoliday".into(), Arc::new(holiday)),
    ])
}

impl History {
    /// The history of `sales` (train.csv's columns) before `origin`. Rows with a missing key,
    /// date or sales value are left out (the raw contract reports them); two rows of one
    /// series in one week, or a date off the weekly grid, are errors naming them.
    pub fn before(sales: &Frame, file: &str, origin: i32) -> Result<History> {
        let cols = SalesColumns::of(sales, true)?;
        let values_of = cols.sales.expect("read with sales");
        let rows: Vec<usize> =
            (0..sales.num_rows()).filter(|&r| cols.is_complete(r) && cols.date.value(r) < origin).collect();
        let Some(first) = rows.iter().map(|&r| cols.date.value(r)).min() else {
            return Err(Error::stage(
                Stage::Forecast,
                format!("{file} has no sales dated before the origin {}", format_date(origin)),
            ));
        };
        check_on_grid(origin, first, file, "the origin")?;
        let weeks = ((origin - first) / 7) as usize;
        let mut series: Vec<SeriesKey> = rows.iter().map(|&r| cols.key(r)).collect();
        series.sort_unstable();
        series.dedup();
        let index: HashMap<SeriesKey, usize> = series.iter().enumerate().map(|(i, k)| (*k, i)).collect();
        let mut values = vec![f64::NAN; series.len() * weeks];
        for &r in &rows {
            let date = cols.date.value(r);
            check_on_grid(date, first, file, "the date")?;
            let key = cols.key(r);
            let cell = &mut values[index[&key] * weeks + ((date - first) / 7) as usize];
            if !cell.is_nan() {
                return Err(Error::stage(
                    Stage::Forecast,
                    format!("{file} has two rows for store {}, dept {} on {}", key.store, key.dept, format_date(date)),
                ));
            }
            *cell = values_of.value(r);
        }
        Ok(History { origin, first, weeks, series, values, index })
    }

    /// A history from values laid out series-major (NaN = no row), for tests and methods.
    pub fn from_values(origin: i32, weeks: usize, series: Vec<SeriesKey>, values: Vec<f64>) -> History {
        assert_eq!(values.len(), series.len() * weeks, "a value per series and week");
        let index = series.iter().enumerate().map(|(i, k)| (*k, i)).collect();
        History { origin, first: origin - 7 * weeks as i32, weeks, series, values, index }
    }

    pub fn values(&self, series: usize) -> &[f64] {
        &self.values[series * self.weeks..(series + 1) * self.weeks]
    }

    pub fn values_mut(&mut self, series: usize) -> &mut [f64] {
        let weeks = self.weeks;
        &mut self.values[series * weeks..(series + 1) * weeks]
    }

    pub fn position(&self, key: SeriesKey) -> Option<usize> {
        self.index.get(&key).copied()
    }

    /// The series' last value before the origin, if it has any.
    pub fn last_value(&self, series: usize) -> Option<f64> {
        self.values(series).iter().rev().find(|v| !v.is_nan()).copied()
    }

    /// The date of week `w` (negative and past-the-end weeks extend the grid).
    pub fn date_of(&self, week: i64) -> i32 {
        self.first + 7 * week as i32
    }
}

/// Fails unless `origin` is one of the weeks of `sales` (a whole number of weeks from its
/// first date), naming the nearest ones.
pub fn check_origin(sales: &Frame, file: &str, origin: i32) -> Result<()> {
    let first = sales.dates("Date")?.iter().flatten().min();
    match first {
        Some(first) => check_on_grid(origin, first, file, "the origin"),
        None => Err(Error::stage(Stage::Forecast, format!("{file} has no rows"))),
    }
}

fn check_on_grid(date: i32, first: i32, file: &str, what: &str) -> Result<()> {
    if (date - first).rem_euclid(7) != 0 {
        let before = date - (date - first).rem_euclid(7);
        return Err(Error::stage(
            Stage::Forecast,
            format!(
                "{what} {} is not one of {file}'s weeks (every date is a whole number of weeks after {}); the nearest are {} and {}",
                format_date(date),
                format_date(first),
                format_date(before),
                format_date(before + 7)
            ),
        ));
    }
    Ok(())
}

/// Rows to forecast: keys, dates and holiday flags, with the actual sales when they are
/// known (a window inside the data) and `None` for future weeks.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct TargetRows {
    /// The future-weeks file the rows come from (its errors name it), if any.
    #[serde(default)]
    pub file: Option<String>,
    pub series: Vec<SeriesKey>,
    pub date: Vec<i32>,
    pub holiday: Vec<bool>,
    pub actual: Option<Vec<f64>>,
}

impl TargetRows {
    /// The rows of `sales` dated in `[origin, origin + 7·horizon)`, with their sales, in the
    /// table's order.
    pub fn labelled(sales: &Frame, origin: i32, horizon: usize) -> Result<TargetRows> {
        let cols = SalesColumns::of(sales, true)?;
        let end = origin + 7 * horizon as i32;
        let values = cols.sales.expect("read with sales");
        let mut rows = TargetRows { actual: Some(Vec::new()), ..TargetRows::default() };
        for r in (0..sales.num_rows()).filter(|&r| cols.is_complete(r)) {
            let date = cols.date.value(r);
            if date >= origin && date < end {
                rows.push(cols.key(r), date, cols.is_holiday(r));
                rows.actual.as_mut().expect("labelled").push(values.value(r));
            }
        }
        Ok(rows)
    }

    /// Every row of a future-weeks file (test.csv's columns), in its order. A row with a
    /// missing key or date is an error naming its line.
    pub fn future(weeks: &Frame, file: &str) -> Result<TargetRows> {
        let cols = SalesColumns::of(weeks, false)?;
        let mut rows = TargetRows { file: Some(file.to_string()), ..TargetRows::default() };
        for r in 0..weeks.num_rows() {
            if !cols.is_complete(r) {
                return Err(Error::stage(Stage::Forecast, format!("{file}, line {}: Store, Dept and Date must all be given", r + 2)));
            }
            rows.push(cols.key(r), cols.date.value(r), cols.is_holiday(r));
        }
        Ok(rows)
    }

    /// Every row of a sales file with its sales, in its order (a labelled file a registered
    /// model scores). A row with a missing key, date or sales is an error naming its line.
    pub fn of_sales(sales: &Frame, file: &str) -> Result<TargetRows> {
        let cols = SalesColumns::of(sales, true)?;
        let values = cols.sales.expect("read with sales");
        let mut rows = TargetRows { file: Some(file.to_string()), actual: Some(Vec::with_capacity(sales.num_rows())), ..TargetRows::default() };
        for r in 0..sales.num_rows() {
            if !cols.is_complete(r) {
                return Err(Error::stage(Stage::Forecast, format!("{file}, line {}: Store, Dept, Date and Weekly_Sales must all be given", r + 2)));
            }
            rows.push(cols.key(r), cols.date.value(r), cols.is_holiday(r));
            rows.actual.as_mut().expect("labelled").push(values.value(r));
        }
        Ok(rows)
    }

    fn push(&mut self, key: SeriesKey, date: i32, holiday: bool) {
        self.series.push(key);
        self.date.push(date);
        self.holiday.push(holiday);
    }

    pub fn len(&self) -> usize {
        self.date.len()
    }

    pub fn is_empty(&self) -> bool {
        self.date.is_empty()
    }

    /// WMAE's weights of the rows.
    pub fn weights(&self) -> Vec<f64> {
        self.holiday.iter().map(|&h| crate::design::holiday_weight(h)).collect()
    }

    /// The rows at `keep`, in that order.
    pub fn select(&self, keep: &[usize]) -> TargetRows {
        TargetRows {
            file: self.file.clone(),
            series: keep.iter().map(|&i| self.series[i]).collect(),
            date: keep.iter().map(|&i| self.date[i]).collect(),
            holiday: keep.iter().map(|&i| self.holiday[i]).collect(),
            actual: self.actual.as_ref().map(|a| keep.iter().map(|&i| a[i]).collect()),
        }
    }
}
