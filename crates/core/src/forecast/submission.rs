//! The files a forecast is downloaded as: Kaggle's submission (`Id,Weekly_Sales`, `Id` =
//! `Store_Dept_Date`, one row per row of the future-weeks file in its order) and the forecast
//! file with the intervals. Numbers are written in Rust's shortest round-trip form, so the
//! CLI's file and the browser's are byte-identical for the same forecast.

use std::fmt::Write;

use crate::calendar::format_date;

use super::history::TargetRows;

/// Kaggle's `Id` of a row.
pub fn kaggle_id(store: i64, dept: i64, date: i32) -> String {
    format!("{store}_{dept}_{}", format_date(date))
}

/// The submission CSV.
pub fn submission_csv(rows: &TargetRows, predicted: &[f64]) -> String {
    let mut out = String::with_capacity(rows.len() * 28 + 20);
    out.push_str("Id,Weekly_Sales\n");
    for (i, p) in predicted.iter().enumerate() {
        let key = rows.series[i];
        let _ = writeln!(out, "{},{}", kaggle_id(key.store, key.dept, rows.date[i]), p);
    }
    out
}

/// The intervals of each row: `[lower_80, upper_80, lower_95, upper_95]`.
pub type RowIntervals = [f64; 4];

/// The forecast CSV: keys, the forecast, the intervals (empty without a backtest) and the
/// actual sales where they are known.
pub fn forecast_csv(rows: &TargetRows, predicted: &[f64], intervals: Option<&[RowIntervals]>) -> String {
    let mut out = String::with_capacity(rows.len() * 80 + 100);
    out.push_str("Store,Dept,Date,IsHoliday,Forecast,Lower_80,Upper_80,Lower_95,Upper_95");
    if rows.actual.is_some() {
        out.push_str(",Weekly_Sales");
    }
    out.push('\n');
    for (i, p) in predicted.iter().enumerate() {
        let key = rows.series[i];
        let holiday = if rows.holiday[i] { "TRUE" } else { "FALSE" };
        let _ = write!(out, "{},{},{},{holiday},{p}", key.store, key.dept, format_date(rows.date[i]));
        match intervals {
            Some(bounds) => {
                for b in bounds[i] {
                    let _ = write!(out, ",{b}");
                }
            }
            None => out.push_str(",,,,"),
        }
        if let Some(actual) = &rows.actual {
            let _ = write!(out, ",{}", actual[i]);
        }
        out.push('\n');
    }
    out
}
