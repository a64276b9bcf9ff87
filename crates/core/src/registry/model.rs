//! A run's model as the registry keeps it: what scoring needs, frozen, and the signature a
//! scored file is checked against. Stored apart from the run record (a forecast's frozen
//! grid is a megabyte; listing runs must not read it), keyed by the run's id.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::calendar::format_date;
use crate::design::ModelArtifact;
use crate::error::{Error, Result};
use arrow_array::Array;

use crate::features::{frozen_series_stats, FeatureConfig, FrozenStats, SEASONAL_LAG, WINDOWS};
use crate::forecast::{ForecastMethod, SeriesKey};
use crate::frame::Frame;
use crate::models::ModelSpec;
use crate::pipeline::PipelineOutcome;
use crate::stages::forecast::FrozenForecast;
use crate::tracking::{RunKind, RunStatus};

/// The version of [`StoredModel`]'s JSON this build writes (and the only one it reads).
pub const MODEL_FORMAT_VERSION: u32 = 1;

/// The columns a forecast model reads: the sales file's (its history panel's).
pub const SALES_COLUMNS: [&str; 5] = ["Store", "Dept", "Date", "Weekly_Sales", "IsHoliday"];

/// A suite a run validated its data with, by name and digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuiteDigest {
    pub suite: String,
    pub digest: String,
}

/// What a model is and what it was fitted on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signature {
    pub kind: RunKind,
    /// The model's or the forecast method's name.
    pub family: String,
    /// The run's parameters, as text (the record's `params`).
    pub params: BTreeMap<String, String>,
    /// The forecast method, typed (forecast models).
    pub method: Option<ForecastMethod>,
    /// The model and its checked hyperparameters, typed (one-step models).
    pub model: Option<ModelSpec>,
    /// The feature settings its design matrix needs (one-step models).
    pub features: Option<FeatureConfig>,
    /// Weeks ahead it forecasts: the forecast's horizon, or the features' gap.
    pub horizon: usize,
    /// A forecast model's origin (its first forecast week) or a one-step model's cutoff.
    pub cutoff: String,
    /// The first week after the data the model saw: a forecast's origin, or the week after
    /// a one-step model's sales data ends (the first week it can score).
    pub data_end: String,
    /// The design matrix's columns in order (a one-step model), or the columns its history
    /// panel reads (a forecast model).
    pub columns: Vec<String>,
    /// The training data's fingerprint (`DatasetFingerprint::digest`).
    pub training_data: String,
    pub suites: Vec<SuiteDigest>,
}

/// What scoring reads: nothing is refitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "frozen", rename_all = "snake_case")]
pub enum Frozen {
    /// A forecast run's point forecasts per series and week, scales and calibration.
    Forecast(FrozenForecast),
    /// A one-step run's fitted model and what its features read.
    OneStep(OneStepState),
}

/// A one-step model frozen: the fitted model and its feature settings, the tail of the sales
/// its lags and rolling windows read (every row of the last [`TAIL_WEEKS`] weeks of the
/// data), each series' statistics from the training part, and the rows of the join files
/// from the tail's first week on. A labelled file of the weeks after the data is scored one
/// week ahead, each week's lags read from the tail and the file's earlier weeks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OneStepState {
    pub artifact: ModelArtifact,
    #[serde(with = "crate::codec::frame_packed")]
    pub tail: Frame,
    /// The series whose statistics are kept, and their values (mean, median, std per series).
    pub stats_series: Vec<SeriesKey>,
    #[serde(with = "crate::codec::f64_base64")]
    pub stats: Vec<f64>,
    #[serde(with = "crate::codec::frame_packed_opt")]
    pub store_weeks: Option<Frame>,
    #[serde(with = "crate::codec::frame_packed_opt")]
    pub stores: Option<Frame>,
}

/// Weeks of sales a one-step model keeps: its farthest lag (53 weeks with the seasonal lags)
/// and longest rolling window behind its gap, with room.
pub const TAIL_WEEKS: i32 = (SEASONAL_LAG + 2 + WINDOWS[WINDOWS.len() - 1]) as i32;

impl OneStepState {
    /// The statistics as the features stage takes them.
    pub fn frozen_stats(&self) -> FrozenStats {
        self.stats_series.iter().zip(self.stats.chunks_exact(3)).map(|(k, v)| ((k.store, k.dept), [v[0], v[1], v[2]])).collect()
    }
}

/// The rows of `frame` dated on or after `from` (all its rows when it has no Date column).
fn rows_from(frame: &Frame, from: i32) -> Option<Frame> {
    let dates = frame.dates("Date").ok()?;
    let keep: Vec<u32> = (0..frame.num_rows()).filter(|&r| dates.is_valid(r) && dates.value(r) >= from).map(|r| r as u32).collect();
    frame.take(&keep).ok()
}

/// A run's model, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredModel {
    pub format_version: u32,
    pub run_id: String,
    pub signature: Signature,
    pub frozen: Frozen,
}

/// A stored model's identity and signature without its frozen state: what registering
/// needs, read from the stored JSON without decoding the state (the page registers; only the
/// worker scores).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelHead {
    pub run_id: String,
    pub signature: Signature,
}

impl ModelHead {
    /// The head of a stored model's JSON; the frozen state is skipped, not decoded.
    pub fn from_json(text: &str, what: &str) -> Result<ModelHead> {
        check_format(text, what)?;
        serde_json::from_str(text).map_err(|e| Error::artifact(what, format!("a damaged stored model: {e}")))
    }
}

fn check_format(text: &str, what: &str) -> Result<()> {
    #[derive(Deserialize)]
    struct Version {
        format_version: u32,
    }
    let version: Version = serde_json::from_str(text).map_err(|e| Error::artifact(what, format!("not a stored model: {e}")))?;
    if version.format_version != MODEL_FORMAT_VERSION {
        return Err(Error::artifact(
            what,
            format!("stored model format {} is not one this build reads (it reads {MODEL_FORMAT_VERSION})", version.format_version),
        ));
    }
    Ok(())
}

impl StoredModel {
    pub fn head(&self) -> ModelHead {
        ModelHead { run_id: self.run_id.clone(), signature: self.signature.clone() }
    }

    /// The model of a run that finished, or `None` (a failed run has none; a run resumed
    /// from an earlier one has the model its outputs hold).
    pub fn of_outcome(outcome: &PipelineOutcome) -> Option<StoredModel> {
        let record = &outcome.record;
        if record.status != RunStatus::Finished || outcome.error.is_some() {
            return None;
        }
        let suites = record.contracts.iter().map(|c| SuiteDigest { suite: c.suite.clone(), digest: c.suite_digest.clone() }).collect();
        let (signature, frozen) = match (outcome.forecast(), outcome.model(), outcome.outputs.split.as_deref()) {
            (Some(forecast), _, _) => {
                let method = forecast.method.clone();
                let signature = Signature {
                    kind: RunKind::Forecast,
                    family: method.name().to_string(),
                    params: record.params.clone(),
                    method: Some(method),
                    model: None,
                    features: None,
                    horizon: forecast.horizon,
                    cutoff: format_date(forecast.origin),
                    data_end: format_date(forecast.origin),
                    columns: SALES_COLUMNS.iter().map(|c| c.to_string()).collect(),
                    training_data: record.dataset.digest.clone(),
                    suites,
                };
                (signature, Frozen::Forecast(forecast.model.clone()))
            }
            (None, Some(model), Some(split)) => {
                let features = outcome.config.features.clone();
                let ingested = outcome.outputs.ingest.as_deref()?;
                let table = outcome.outputs.features.as_ref()?;
                let dates = ingested.sales.dates("Date").ok()?;
                let data_end = dates.iter().flatten().max()? + 7;
                let tail_from = data_end - 7 * (TAIL_WEEKS + features.horizon as i32);
                let stats = frozen_series_stats(table).ok()?;
                let mut stats_series: Vec<SeriesKey> = stats.keys().map(|&(store, dept)| SeriesKey { store, dept }).collect();
                stats_series.sort_unstable();
                let stats_values = stats_series.iter().flat_map(|k| stats[&(k.store, k.dept)]).collect();
                let state = OneStepState {
                    artifact: ModelArtifact::new(features.clone(), model.clone()),
                    tail: rows_from(&ingested.sales, tail_from)?,
                    stats_series,
                    stats: stats_values,
                    store_weeks: ingested.store_weeks.as_ref().filter(|_| features.join_features).and_then(|f| rows_from(f, tail_from)),
                    stores: ingested.stores.clone().filter(|_| features.join_stores),
                };
                let signature = Signature {
                    kind: RunKind::OneStep,
                    family: model.kind().name().to_string(),
                    params: record.params.clone(),
                    method: None,
                    model: Some(outcome.config.model.clone()),
                    features: Some(features.clone()),
                    horizon: features.horizon,
                    cutoff: format_date(split.cutoff),
                    data_end: format_date(data_end),
                    columns: features.model_columns(),
                    training_data: record.dataset.digest.clone(),
                    suites,
                };
                (signature, Frozen::OneStep(state))
            }
            _ => return None,
        };
        Some(StoredModel { format_version: MODEL_FORMAT_VERSION, run_id: record.run_id.clone(), signature, frozen })
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("stored models serialize")
    }

    /// Reads a stored model; `what` names where it was stored (for the error).
    pub fn from_json(text: &str, what: &str) -> Result<StoredModel> {
        check_format(text, what)?;
        serde_json::from_str(text).map_err(|e| Error::artifact(what, format!("a damaged stored model: {e}")))
    }
}
