//! Forecast accuracy: MAE, RMSE, R² and the competition's WMAE (holiday weeks weigh 5).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::stage::Stage;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub mae: f64,
    pub rmse: f64,
    pub r2: f64,
    pub wmae: f64,
    pub rows: usize,
}

/// One of the scores of [`Metrics`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricName {
    Mae,
    Rmse,
    R2,
    Wmae,
}

impl MetricName {
    pub const ALL: [MetricName; 4] = [MetricName::Mae, MetricName::Rmse, MetricName::R2, MetricName::Wmae];

    pub fn name(self) -> &'static str {
        match self {
            MetricName::Mae => "mae",
            MetricName::Rmse => "rmse",
            MetricName::R2 => "r2",
            MetricName::Wmae => "wmae",
        }
    }
}

impl Metrics {
    pub fn value(&self, metric: MetricName) -> f64 {
        match metric {
            MetricName::Mae => self.mae,
            MetricName::Rmse => self.rmse,
            MetricName::R2 => self.r2,
            MetricName::Wmae => self.wmae,
        }
    }
}

/// Scores predictions; `weights` are WMAE's (5 on holiday weeks, else 1).
pub fn score(actual: &[f64], predicted: &[f64], weights: &[f64]) -> Result<Metrics> {
    let n = actual.len();
    if predicted.len() != n || weights.len() != n {
        return Err(Error::stage(Stage::Evaluate, format!("{n} actual values, {} predictions, {} weights", predicted.len(), weights.len())));
    }
    if n == 0 {
        return Err(Error::stage(Stage::Evaluate, "nothing to score: no rows"));
    }
    let mean = actual.iter().sum::<f64>() / n as f64;
    let (mut abs, mut sq, mut total, mut wabs, mut wsum) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for ((&y, &p), &w) in actual.iter().zip(predicted).zip(weights) {
        let e = y - p;
        abs += e.abs();
        sq += e * e;
        total += (y - mean) * (y - mean);
        wabs += w * e.abs();
        wsum += w;
    }
    Ok(Metrics {
        mae: abs / n as f64,
        rmse: (sq / n as f64).sqrt(),
        r2: if total > 0.0 { 1.0 - sq / total } else { f64::NAN },
        wmae: wabs / wsum,
        rows: n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed() {
        let m = score(&[1.0, 2.0, 3.0, 4.0], &[1.0, 3.0, 3.0, 2.0], &[1.0, 5.0, 1.0, 1.0]).unwrap();
        assert_eq!(m.mae, 0.75);
        assert!((m.rmse - (5.0f64 / 4.0).sqrt()).abs() < 1e-12);
        assert!((m.r2 - (1.0 - 5.0 / 5.0)).abs() < 1e-12);
        assert!((m.wmae - 7.0 / 8.0).abs() < 1e-12);
        assert_eq!(score(&[], &[], &[]).unwrap_err().to_string(), "evaluate: nothing to score: no rows");
    }
}
