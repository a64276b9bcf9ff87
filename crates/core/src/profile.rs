//! A data set at a glance: what the app's Data page shows after a file is read.
//!
//! Rows, columns, date range, series count, a preview and a per-column profile (type, nulls,
//! min/max/mean, distinct count and a small histogram) — computed here so the page only draws.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::calendar::format_date;
use crate::frame::{ColumnType, Frame, Value};

const PREVIEW_ROWS: usize = 12;
const HISTOGRAM_BINS: usize = 20;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistogramBin {
    pub lower: f64,
    pub upper: f64,
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnProfile {
    pub name: String,
    pub column_type: ColumnType,
    pub nulls: usize,
    /// Display text of the smallest and largest value (dates as ISO text).
    pub min: Option<String>,
    pub max: Option<String>,
    pub mean: Option<f64>,
    pub distinct: usize,
    /// Equal-width bins over [min, max] for numeric and date columns.
    pub histogram: Vec<HistogramBin>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataProfile {
    pub file: String,
    pub rows: usize,
    pub columns: Vec<String>,
    pub first_date: Option<String>,
    pub last_date: Option<String>,
    /// Distinct (Store, Dept) pairs, when the table has both columns.
    pub series: Option<usize>,
    pub preview: Vec<Vec<String>>,
    pub column_profiles: Vec<ColumnProfile>,
}

pub fn profile(file: &str, frame: &Frame) -> DataProfile {
    let column_profiles: Vec<ColumnProfile> =
        frame.column_names().iter().enumerate().map(|(i, name)| column_profile(name, frame, i)).collect();
    let dates = column_profiles.iter().find(|c| c.name == "Date" && c.column_type == ColumnType::Date);
    let series = match (frame.ints("Store"), frame.ints("Dept")) {
        (Ok(store), Ok(dept)) => {
            let pairs: HashSet<(i64, i64)> = store.values().iter().copied().zip(dept.values().iter().copied()).collect();
            Some(pairs.len())
        }
        _ => None,
    };
    let preview = (0..frame.num_rows().min(PREVIEW_ROWS))
        .map(|row| (0..frame.num_columns()).map(|c| frame.column_at(c).get(row).to_string()).collect())
        .collect();
    DataProfile {
        file: file.to_string(),
        rows: frame.num_rows(),
        columns: frame.column_names(),
        first_date: dates.and_then(|d| d.min.clone()),
        last_date: dates.and_then(|d| d.max.clone()),
        series,
        preview,
        column_profiles,
    }
}

fn column_profile(name: &str, frame: &Frame, index: usize) -> ColumnProfile {
    let column = frame.column_at(index);
    let column_type = column.column_type();
    let mut nulls = 0;
    let mut numbers = Vec::with_capacity(column.len());
    let mut texts: HashSet<&str> = HashSet::new();
    for value in column.values() {
        match value {
            Value::Null => nulls += 1,
            Value::Str(s) => {
                texts.insert(s);
            }
            other => numbers.push(other.as_f64().unwrap_or(f64::NAN)),
        }
    }
    let show = |v: f64| match column_type {
        ColumnType::Date => format_date(v as i32),
        ColumnType::Int => format!("{}", v as i64),
        ColumnType::Bool => (v != 0.0).to_string(),
        _ => format!("{v}"),
    };
    if column_type == ColumnType::Str {
        let min = texts.iter().min().map(|s| s.to_string());
        let max = texts.iter().max().map(|s| s.to_string());
        return ColumnProfile { name: name.into(), column_type, nulls, min, max, mean: None, distinct: texts.len(), histogram: Vec::new() };
    }
    let (min, max) = numbers.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let has_values = !numbers.is_empty();
    let mean = has_values.then(|| numbers.iter().sum::<f64>() / numbers.len() as f64);
    let mut sorted = numbers.clone();
    sorted.sort_unstable_by(f64::total_cmp);
    sorted.dedup();
    ColumnProfile {
        name: name.into(),
        column_type,
        nulls,
        min: has_values.then(|| show(min)),
        max: has_values.then(|| show(max)),
        mean: if column_type == ColumnType::Date { None } else { mean },
        distinct: sorted.len(),
        histogram: if has_values { histogram(&numbers, min, max) } else { Vec::new() },
    }
}

/// Equal-width bins; a constant column is one bin.
pub fn histogram(values: &[f64], min: f64, max: f64) -> Vec<HistogramBin> {
    if values.is_empty() {
        return Vec::new();
    }
    let bins = if max > min { HISTOGRAM_BINS } else { 1 };
    let width = if max > min { (max - min) / bins as f64 } else { 1.0 };
    let mut counts = vec![0usize; bins];
    for &v in values {
        let bin = (((v - min) / width) as usize).min(bins - 1);
        counts[bin] += 1;
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(i, count)| HistogramBin { lower: min + width * i as f64, upper: min + width * (i + 1) as f64, count })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{read_table, TRAIN};

    #[test]
    fn profiles_a_small_table() {
        let csv = b"Store,Dept,Date,Weekly_Sales,IsHoliday\n1,1,2010-02-05,10,FALSE\n1,2,2010-02-12,NA,TRUE\n2,1,2010-02-12,30,FALSE\n";
        let table = read_table("train.csv", csv, &TRAIN, &mut |_| {}).unwrap();
        let p = profile("train.csv", &table.frame);
        assert_eq!(p.rows, 3);
        assert_eq!(p.series, Some(3));
        assert_eq!(p.first_date.as_deref(), Some("2010-02-05"));
        assert_eq!(p.last_date.as_deref(), Some("2010-02-12"));
        let sales = &p.column_profiles[3];
        assert_eq!((sales.nulls, sales.distinct, sales.mean), (1, 2, Some(20.0)));
        assert_eq!(sales.histogram.iter().map(|b| b.count).sum::<usize>(), 2);
        assert_eq!(p.preview[1][3], "null");
    }
}
