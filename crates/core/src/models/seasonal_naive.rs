//! Seasonal naive: the value 52 weeks earlier where present and non-zero, else `lag_h`.
//!
//! In the model matrix missing lags are already 0, so "present and non-zero" is "non-zero".
//! The seasonal lag is `lag_52`; the short lag is the first `lag_*` column (`lag_h`).

use serde::{Deserialize, Serialize};

use super::{Matrix, Predictor};
use crate::error::{Error, Result};
use crate::stage::Stage;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeasonalNaive {
    pub seasonal_column: String,
    pub fallback_column: String,
}

impl SeasonalNaive {
    pub fn fit_on(x: &Matrix) -> Result<Self> {
        let fallback = x
            .names()
            .iter()
            .find(|n| n.starts_with("lag_") && n.as_str() != "lag_52")
            .ok_or_else(|| Error::stage(Stage::Train, "seasonal naive needs a lag_h column"))?;
        x.column_index("lag_52")?;
        Ok(SeasonalNaive { seasonal_column: "lag_52".into(), fallback_column: fallback.clone() })
    }
}

impl Predictor for SeasonalNaive {
    fn predict(&self, x: &Matrix) -> Result<Vec<f64>> {
        let seasonal = x.column_index(&self.seasonal_column)?;
        let fallback = x.column_index(&self.fallback_column)?;
        Ok((0..x.rows())
            .map(|r| {
                let s = x.get(r, seasonal);
                if s != 0.0 { s } else { x.get(r, fallback) }
            })
            .collect())
    }
}
