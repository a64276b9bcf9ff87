//! Evaluate: a fitted model scored on both sides of the split, and the test part row by row
//! for the app's charts.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::calendar::format_date;
use crate::design::ModelData;
use crate::error::{Error, Result};
use crate::stage::Stage;
use crate::frame::Frame;
use crate::metrics::{score as score_predictions, Metrics};
use crate::models::FittedModel;

use super::design::SplitParts;

/// Scores of the fitted model and what the app plots from them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Evaluation {
    pub train: Metrics,
    pub test: Metrics,
    pub test_rows: TestRows,
}

/// The test part row by row: keys, actual and predicted sales.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TestRows {
    pub store: Vec<i64>,
    pub dept: Vec<i64>,
    pub date: Vec<i32>,
    pub holiday: Vec<bool>,
    pub actual: Vec<f64>,
    pub predicted: Vec<f64>,
}

/// One point of an actual-vs-predicted chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesPoint {
    pub date: String,
    pub actual: f64,
    pub predicted: f64,
}

/// One store's test weeks summed, actual and predicted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoreTotal {
    pub store: i64,
    pub actual: f64,
    pub predicted: f64,
}

impl TestRows {
    fn points(&self, keep: impl Fn(usize) -> bool) -> Vec<SeriesPoint> {
        let mut by_date: BTreeMap<i32, (f64, f64)> = BTreeMap::new();
        for i in (0..self.actual.len()).filter(|&i| keep(i)) {
            let entry = by_date.entry(self.date[i]).or_default();
            entry.0 += self.actual[i];
            entry.1 += self.predicted[i];
        }
        by_date
            .into_iter()
            .map(|(date, (actual, predicted))| SeriesPoint { date: format_date(date), actual, predicted })
            .collect()
    }

    /// Total sales per test week, actual and predicted.
    pub fn totals_by_date(&self) -> Vec<SeriesPoint> {
        self.points(|_| true)
    }

    /// One store/department's test weeks, actual and predicted.
    pub fn series(&self, store: i64, dept: i64) -> Vec<SeriesPoint> {
        self.points(|i| self.store[i] == store && self.dept[i] == dept)
    }

    /// Σ actual and Σ predicted per store over the test part, by store.
    pub fn totals_by_store(&self) -> Vec<StoreTotal> {
        let mut by_store: BTreeMap<i64, (f64, f64)> = BTreeMap::new();
        for i in 0..self.store.len() {
            let entry = by_store.entry(self.store[i]).or_default();
            entry.0 += self.actual[i];
            entry.1 += self.predicted[i];
        }
        by_store.into_iter().map(|(store, (actual, predicted))| StoreTotal { store, actual, predicted }).collect()
    }

    /// The (Store, Dept) pairs of the test part, sorted.
    pub fn series_keys(&self) -> Vec<(i64, i64)> {
        let mut keys: Vec<(i64, i64)> = self.store.iter().copied().zip(self.dept.iter().copied()).collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }

    /// The distribution of residuals (actual − predicted) on the test part.
    pub fn residual_histogram(&self) -> Vec<crate::profile::HistogramBin> {
        let residuals: Vec<f64> = self.actual.iter().zip(&self.predicted).map(|(a, p)| a - p).collect();
        // Clip the display range to the 0.5–99.5 % quantiles so a few outliers do not flatten it.
        let mut sorted = residuals.clone();
        sorted.sort_unstable_by(f64::total_cmp);
        let at = |q: f64| sorted.get(((sorted.len() as f64 - 1.0) * q) as usize).copied().unwrap_or(0.0);
        let (lo, hi) = (at(0.005), at(0.995));
        let clipped: Vec<f64> = residuals.iter().map(|r| r.clamp(lo, hi)).collect();
        crate::profile::histogram(&clipped, lo, hi)
    }
}

/// The model's predictions on `data` and their scores.
pub fn score(model: &FittedModel, data: &ModelData) -> Result<(Metrics, Vec<f64>)> {
    let predicted = model.predict(&data.x)?;
    Ok((score_predictions(&data.y, &predicted, &data.weights)?, predicted))
}

/// Scores on both sides of `split`, and the test rows (`features` is the table `split` came
/// from).
pub fn evaluate(model: &FittedModel, split: &SplitParts, features: &Frame) -> Result<Evaluation> {
    let (train, _) = score(model, &split.train)?;
    let (test, predicted) = score(model, &split.test)?;
    let test_rows = test_rows(features, &split.test_rows_at, &split.test, predicted)?;
    Ok(Evaluation { train, test, test_rows })
}

/// The stage's summary line.
pub fn summary(test: &Metrics) -> String {
    format!("test WMAE {:.3}, MAE {:.3}, RMSE {:.3}", test.wmae, test.mae, test.rmse)
}

/// The test part's rows: `rows` are its indices in `features`.
fn test_rows(features: &Frame, rows: &[u32], test: &ModelData, predicted: Vec<f64>) -> Result<TestRows> {
    // `model_data_at` keeps the rows with lag_h and the target present; the split kept only
    // those, so each test row has its matrix row.
    let store = features.ints("Store")?;
    let dept = features.ints("Dept")?;
    let holiday = features.bools("IsHoliday")?;
    if rows.len() != test.y.len() {
        return Err(Error::stage(Stage::Evaluate, "test rows and predictions are misaligned"));
    }
    let at = |i: &u32| *i as usize;
    Ok(TestRows {
        store: rows.iter().map(|i| store.value(at(i))).collect(),
        dept: rows.iter().map(|i| dept.value(at(i))).collect(),
        date: test.dates.clone(),
        holiday: rows.iter().map(|i| holiday.value(at(i))).collect(),
        actual: test.y.clone(),
        predicted,
    })
}

