//! Direct forecasts with a one-step model: the horizon is cut into bands of 13 weeks, and
//! for each band the model is fitted on the history's feature table built with the band's
//! last week as the feature gap — every lag and rolling window at least that old, so no
//! feature of a forecast week reaches the origin — and scores the band's rows. The feature
//! contract's leakage checks run on each band's table at its gap, and a failure stops the
//! forecast. Training rows follow the design matrix's training-row rule; every forecast row
//! is scored (the scored-row rule), whether or not its series has history.

use std::collections::HashMap;

use arrow_array::{BooleanArray, Date32Array, Float64Array, Int64Array};

use crate::contracts::{ResultFormat, Suite};
use crate::design::{model_data_at, scored_matrix, Missing};
use crate::error::{Error, Result};
use crate::features::{build_features_with, FeatureConfig, FeatureInputs};
use crate::forecast::evaluation::BAND_WEEKS;
use crate::forecast::history::{sales_frame, SalesColumns};
use crate::forecast::{SeriesKey, TargetRows};
use crate::frame::Frame;
use crate::models::{FitProgress, ModelSpec};
use crate::stage::Stage;
use crate::stages::{contract, train};

/// How a direct model's matrices write a missing value: 0 for every model. Measured with the
/// gbdt on the validation windows (backtest WMAE): 2116.8 zero-filled against 2781.6 with
/// missing values kept (on the reference window 1691.9 against 1867.7) — unlike one step
/// ahead, where keeping them is better for the trees; the gain does not carry over to
/// features 13–39 weeks old.
pub const DIRECT_MISSING: Missing = Missing::Zero;

/// The feature settings of band `band` of a horizon: the band's last week as the gap, and
/// each series' statistics from before the origin.
pub fn band_features(band: usize, horizon: usize) -> FeatureConfig {
    FeatureConfig { horizon: ((band + 1) * BAND_WEEKS).min(horizon), series_stats: true, ..FeatureConfig::default() }
}

/// The forecast of each of `rows` (all dated in `[origin, origin + 7·horizon)`) by `spec`,
/// fitted per band on the rows of `sales` dated before `origin`; `suite` is the feature
/// contract whose leakage checks each band's table must pass.
#[allow(clippy::too_many_arguments)]
pub fn predict(
    sales: &Frame,
    spec: &ModelSpec,
    seed: u64,
    origin: i32,
    horizon: usize,
    rows: &TargetRows,
    suite: Option<&Suite>,
    progress: &mut dyn FnMut(FitProgress),
) -> Result<Vec<f64>> {
    let table = history_and_targets(sales, origin, rows)?;
    let mut predicted = vec![f64::NAN; rows.len()];
    let bands = horizon.div_ceil(BAND_WEEKS);
    for band in 0..bands {
        let config = band_features(band, horizon);
        let features = build_features_with(&table, &config, &FeatureInputs { cutoff: Some(origin), ..FeatureInputs::default() })?;
        let dates = features.dates("Date")?;
        let (mut before, mut scored) = (Vec::new(), Vec::new());
        let (from, to) = (origin + 7 * (band * BAND_WEEKS) as i32, origin + 7 * config.horizon as i32);
        for (i, date) in dates.values().iter().enumerate() {
            if *date < origin {
                before.push(i as u32);
            } else if *date >= from && *date < to {
                scored.push(i as u32);
            }
        }
        if let Some(suite) = suite {
            let history = features.take(&before)?;
            let options = contract::options(ResultFormat::Summary, None, None, config.horizon);
            let outcome = contract::validate(suite, &history, &options);
            if !outcome.validation.success {
                return Err(Error::stage(
                    Stage::Forecast,
                    format!("the features of horizon band {} fail the feature contract: {}", band + 1, contract::summary(suite, &outcome.validation)),
                ));
            }
        }
        let missing = DIRECT_MISSING;
        let training = model_data_at(&features, &config, &before, missing)?;
        let model = train::fit(spec, seed, &training, &mut |p| progress(FitProgress { done: band * p.total + p.done, total: bands * p.total }))?;
        let x = scored_matrix(&features, &config, &scored, missing)?;
        let values = model.predict(&x)?;
        let index = target_index(rows);
        let cols = SalesColumns::of(&features, false)?;
        for (&row, value) in scored.iter().zip(values) {
            let r = row as usize;
            if let Some(&target) = index.get(&(cols.key(r), cols.date.value(r))) {
                predicted[target] = value;
            }
        }
    }
    if let Some(missing) = predicted.iter().position(|p| p.is_nan()) {
        return Err(Error::stage(Stage::Forecast, format!("forecast row {} got no forecast from its horizon band", missing + 1)));
    }
    Ok(predicted)
}

fn target_index(rows: &TargetRows) -> HashMap<(SeriesKey, i32), usize> {
    (0..rows.len()).map(|i| ((rows.series[i], rows.date[i]), i)).collect()
}

/// The rows of `sales` dated before `origin`, then `rows` with no sales: the table the
/// features are built on. Nothing dated on or after the origin keeps its sales.
fn history_and_targets(sales: &Frame, origin: i32, rows: &TargetRows) -> Result<Frame> {
    let cols = SalesColumns::of(sales, true)?;
    let values = cols.sales.expect("read with sales");
    let before: Vec<usize> = (0..sales.num_rows()).filter(|&r| cols.is_complete(r) && cols.date.value(r) < origin).collect();
    let n = before.len() + rows.len();
    let mut store = Vec::with_capacity(n);
    let mut dept = Vec::with_capacity(n);
    let mut date = Vec::with_capacity(n);
    let mut target: Vec<Option<f64>> = Vec::with_capacity(n);
    let mut holiday = Vec::with_capacity(n);
    for &r in &before {
        let key = cols.key(r);
        store.push(key.store);
        dept.push(key.dept);
        date.push(cols.date.value(r));
        target.push(Some(values.value(r)));
        holiday.push(Some(cols.is_holiday(r)));
    }
    for i in 0..rows.len() {
        store.push(rows.series[i].store);
        dept.push(rows.series[i].dept);
        date.push(rows.date[i]);
        target.push(None);
        holiday.push(Some(rows.holiday[i]));
    }
    sales_frame(Int64Array::from(store), Int64Array::from(dept), Date32Array::from(date), Float64Array::from(target), BooleanArray::from(holiday))
}
