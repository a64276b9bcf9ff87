//! Scoring a file with a registered version: a labelled sales file (weeks after the model's
//! data; it gives metrics and is recorded for monitoring) or a future-weeks file (Kaggle's
//! test.csv; it gives the forecast and the submission). The file is read with its schema,
//! checked against its contract (the sales suite, or the shipped future-weeks suite) and
//! against the model's signature (only the weeks the model forecasts), and predicted through
//! the model's frozen forecast — the same code the forecast run predicted its own rows
//! with, so a scoring of the run's own weeks reproduces the run exactly. Nothing is refitted.

use std::collections::HashMap;

use arrow_array::Array;
use serde::{Deserialize, Serialize};

use crate::calendar::{format_date, parse_iso_date};
use crate::design::{scored_matrix, Missing};
use crate::features::{build_features_with, FeatureInputs};
use crate::forecast::evaluation::scores;
use crate::frame::Frame;
use crate::contracts::{ResultFormat, Suite, ValidationResult};
use crate::error::{Error, Result};
use crate::forecast::submission::{forecast_csv, submission_csv, RowIntervals};
use crate::forecast::history::sales_frame;
use crate::forecast::{Scores, TargetRows};
use crate::ingest::{decompress, read_table, ReadProgress, TEST, TRAIN};
use crate::stages::contract;
use crate::stages::forecast::{assess, weekly_totals, TotalPoint};
use super::model::{Frozen, OneStepState, StoredModel};
use super::Scoring;

/// The shipped contract of a future-weeks file (`expectations/`).
pub const FUTURE_WEEKS_SUITE_JSON: &str = include_str!("../../../../expectations/future_weeks_expectation_suite.json");

/// The shipped future-weeks suite.
pub fn future_weeks_suite() -> Suite {
    Suite::from_json("future_weeks_expectation_suite.json", FUTURE_WEEKS_SUITE_JSON).expect("the shipped future-weeks suite loads")
}

/// The file to score.
pub struct ScoreInput<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
    /// The contract of a labelled file (the sales suite).
    pub sales_suite: &'a Suite,
    /// The contract of a future-weeks file.
    pub future_suite: &'a Suite,
    /// Later weeks of sales (train.csv's columns) that extend a one-step model's stored
    /// history up to the file's first week (the CLI's `--data`).
    pub history: Option<&'a Frame>,
}

/// What a scored file was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoredKind {
    /// A sales file with Weekly_Sales: scored against its actual sales.
    Labelled,
    /// A future-weeks file (test.csv's columns): forecast, for a submission.
    FutureWeeks,
}

/// A scored file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Scored {
    pub kind: ScoredKind,
    pub file: String,
    pub sha256: String,
    pub rows: TargetRows,
    pub predicted: Vec<f64>,
    pub intervals: Option<Vec<RowIntervals>>,
    /// A labelled file's scores and its intervals' coverage.
    pub scores: Option<Scores>,
    pub coverage: Option<[f64; 2]>,
    /// Series of the file the model has no forecast of (given the model's fallback), or, for
    /// a one-step model, rows without last week's sales (scored with the lag missing).
    pub unknown_series: usize,
    /// Σ actual (labelled files) and Σ predicted per week.
    pub totals: Vec<TotalPoint>,
    /// The file's contract result.
    pub contract: ValidationResult,
}

impl Scored {
    /// What monitoring records of a labelled file's scoring.
    pub fn scoring(&self, time_ms: i64) -> Option<Scoring> {
        let scores = self.scores.as_ref()?;
        let (first, last) = (self.rows.date.iter().min()?, self.rows.date.iter().max()?);
        Some(Scoring {
            time_ms,
            file: self.file.clone(),
            sha256: self.sha256.clone(),
            rows: self.rows.len(),
            first_week: format_date(*first),
            last_week: format_date(*last),
            wmae: scores.overall.wmae,
            mae: scores.overall.mae,
        })
    }

    /// The predictions, one row per row of the file (with the actual sales and the
    /// intervals when there are).
    pub fn predictions_csv(&self) -> String {
        forecast_csv(&self.rows, &self.predicted, self.intervals.as_deref())
    }

    /// One series of the file by week: its actual sales (a labelled file), the prediction and
    /// its intervals.
    pub fn series(&self, key: crate::forecast::SeriesKey) -> Vec<TotalPoint> {
        let mut rows: Vec<usize> = (0..self.rows.len()).filter(|&i| self.rows.series[i] == key).collect();
        rows.sort_by_key(|&i| self.rows.date[i]);
        rows.into_iter()
            .map(|i| TotalPoint {
                date: format_date(self.rows.date[i]),
                actual: self.rows.actual.as_ref().map(|a| a[i]),
                forecast: Some(self.predicted[i]),
                interval: self.intervals.as_ref().map(|iv| iv[i]),
            })
            .collect()
    }

    /// The series of the file, sorted.
    pub fn series_keys(&self) -> Vec<crate::forecast::SeriesKey> {
        let mut keys = self.rows.series.clone();
        keys.sort_unstable();
        keys.dedup();
        keys
    }

    /// Kaggle's submission (`Id,Weekly_Sales`, every row of the file).
    pub fn submission_csv(&self) -> String {
        submission_csv(&self.rows, &self.predicted)
    }
}

/// Scores `input` with `model`. Refused, with the reason: a future-weeks file for a one-step
/// model (it needs last week's sales for every week it scores), a file that fails its
/// contract, a week the model does not forecast or that is not after its data.
pub fn score(model: &StoredModel, input: &ScoreInput, progress: &mut dyn FnMut(ReadProgress)) -> Result<Scored> {
    let data = decompress(input.name, input.bytes)?;
    let header = data.split(|&b| b == b'\n' || b == b'\r').next().unwrap_or_default();
    let labelled = String::from_utf8_lossy(header).contains("Weekly_Sales");
    let kind = if labelled { ScoredKind::Labelled } else { ScoredKind::FutureWeeks };
    if let (Frozen::OneStep(_), ScoredKind::FutureWeeks) = (&model.frozen, kind) {
        return Err(Error::Registry(format!(
            "the model of run {} is a one-step model ({}): it predicts a week only from the week before's actual sales, so it cannot forecast the weeks of {}, which have none; register a forecast run's model to score future weeks",
            model.run_id, model.signature.family, input.name
        )));
    }
    let (schema, suite) = match kind {
        ScoredKind::Labelled => (&TRAIN, input.sales_suite),
        ScoredKind::FutureWeeks => (&TEST, input.future_suite),
    };
    let table = read_table(input.name, &data, schema, progress)?;
    let options = contract::options(ResultFormat::Summary, None, Some(table.fingerprint.sha256.clone()), model.signature.horizon);
    let outcome = contract::validate(suite, &table.frame, &options);
    if !outcome.validation.success {
        return Err(Error::Registry(format!("{} does not fit: {}", input.name, contract::summary(suite, &outcome.validation))));
    }
    let rows = match kind {
        ScoredKind::Labelled => TargetRows::of_sales(&table.frame, input.name)?,
        ScoredKind::FutureWeeks => TargetRows::future(&table.frame, input.name)?,
    };
    let (predicted, intervals, assessment, unknown_series) = match &model.frozen {
        Frozen::Forecast(frozen) => {
            if input.history.is_some() {
                return Err(Error::Registry(format!(
                    "the model of run {} is a forecast frozen at its origin {}: later weeks of history cannot change it; run a forecast on the longer history and register that run",
                    model.run_id, model.signature.data_end
                )));
            }
            frozen.check_rows(&rows).map_err(|e| {
                Error::Registry(format!("{e}: the model of run {} forecasts {} weeks after its data ends ({})", model.run_id, model.signature.horizon, model.signature.data_end))
            })?;
            let (predicted, intervals) = frozen.predict(&rows);
            let assessment = assess(&rows, &predicted, intervals.as_deref(), frozen.grid.origin, frozen.grid.horizon)?;
            let (scores, coverage) = assessment.map_or((None, None), |a| (Some(a.scores), a.coverage));
            (predicted, intervals, (scores, coverage), frozen.unknown_series(&rows))
        }
        Frozen::OneStep(state) => {
            let (predicted, without_lag) = one_step(model, state, &table.frame, &rows, input)?;
            let actual = rows.actual.as_ref().expect("labelled rows");
            let scores = scores(actual, &predicted, &rows.weights(), &vec![0; rows.len()], 1)?;
            (predicted, None, (Some(scores), None), without_lag)
        }
    };
    if let Some(i) = predicted.iter().position(|p| !p.is_finite()) {
        return Err(Error::Registry(format!("{}, line {}: the model's prediction is not a finite number", input.name, i + 2)));
    }
    let actual = rows.actual.clone().unwrap_or_else(|| vec![f64::NAN; rows.len()]);
    let totals = weekly_totals(&rows.date, &actual, &predicted)
        .into_iter()
        .map(|(date, (y, p))| TotalPoint { date: format_date(date), actual: y.is_finite().then_some(y), forecast: Some(p), interval: None })
        .collect();
    Ok(Scored {
        kind,
        file: input.name.to_string(),
        sha256: table.fingerprint.sha256,
        unknown_series,
        predicted,
        intervals,
        scores: assessment.0,
        coverage: assessment.1,
        totals,
        rows,
        contract: outcome.validation,
    })
}

/// A labelled file scored one week ahead by a one-step model: the features are built on the
/// stored tail of its history, the later weeks `input.history` adds, and the file itself, so
/// each week's lags read the weeks before it. Returns the predictions in the file's order and
/// how many rows had no sales the week before.
fn one_step(model: &StoredModel, state: &OneStepState, file: &Frame, rows: &TargetRows, input: &ScoreInput) -> Result<(Vec<f64>, usize)> {
    let data_end = parse_date(&model.signature.data_end)?;
    let Some(&first) = rows.date.iter().min() else {
        return Err(Error::Registry(format!("{} has no rows to score", input.name)));
    };
    if let Some(i) = rows.date.iter().position(|&d| d < data_end) {
        return Err(Error::Registry(format!(
            "{}, line {}: {} is not after the model's data, which ends the week before {}",
            input.name,
            i + 2,
            format_date(rows.date[i]),
            model.signature.data_end
        )));
    }
    // The later weeks of history, up to the file's first week (the file's own rows win).
    let later = match input.history {
        Some(history) => {
            let dates = history.dates("Date")?;
            let keep: Vec<u32> = (0..history.num_rows()).filter(|&r| dates.is_valid(r) && dates.value(r) >= data_end && dates.value(r) < first).map(|r| r as u32).collect();
            Some(history.take(&keep)?)
        }
        None => None,
    };
    let history_end = later.as_ref().and_then(|l| l.dates("Date").ok()?.iter().flatten().max()).map_or(data_end, |last| last + 7);
    let gap = model.signature.horizon as i32;
    if first > history_end + 7 * (gap - 1) {
        return Err(Error::Registry(format!(
            "{} starts on {}, but the history the model can read ends the week before {}: the weeks between have no sales for its lags; give them with the later weeks of history (`--data`)",
            input.name,
            format_date(first),
            format_date(history_end)
        )));
    }
    let parts: Vec<&Frame> = [Some(&state.tail), later.as_ref(), Some(file)].into_iter().flatten().collect();
    let table = concat_sales(&parts)?;
    let config = &state.artifact.features;
    let stats = state.frozen_stats();
    let inputs = FeatureInputs {
        store_weeks: state.store_weeks.as_ref(),
        stores: state.stores.as_ref(),
        cutoff: Some(parse_date(&model.signature.cutoff)?),
        frozen_stats: Some(&stats),
    };
    let features = build_features_with(&table, config, &inputs)?;
    let (store, dept, date) = (features.ints("Store")?, features.ints("Dept")?, features.dates("Date")?);
    let index: HashMap<(i64, i64, i32), u32> = (0..features.num_rows()).map(|r| ((store.value(r), dept.value(r), date.value(r)), r as u32)).collect();
    let at: Vec<u32> = (0..rows.len()).map(|i| index[&(rows.series[i].store, rows.series[i].dept, rows.date[i])]).collect();
    let lag = features.floats(&config.required_lag_column())?;
    let without_lag = at.iter().filter(|&&r| lag.is_null(r as usize)).count();
    let fitted = &state.artifact.model;
    let x = scored_matrix(&features, config, &at, Missing::for_model(fitted.kind()))?;
    Ok((fitted.predict(&x)?, without_lag))
}

/// The sales tables one after the other (train.csv's columns). Written out rather than with
/// arrow's `concat_batches`, whose code for every type would add 120 KB to the worker.
fn concat_sales(parts: &[&Frame]) -> Result<Frame> {
    use arrow_array::{BooleanArray, Date32Array, Float64Array, Int64Array};
    let (mut store, mut dept, mut date, mut sales, mut holiday) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for part in parts {
        store.extend(part.ints("Store")?.iter());
        dept.extend(part.ints("Dept")?.iter());
        date.extend(part.dates("Date")?.iter());
        sales.extend(part.floats("Weekly_Sales")?.iter());
        holiday.extend(part.bools("IsHoliday")?.iter());
    }
    sales_frame(Int64Array::from(store), Int64Array::from(dept), Date32Array::from(date), Float64Array::from(sales), BooleanArray::from(holiday))
}

fn parse_date(text: &str) -> Result<i32> {
    parse_iso_date(text.as_bytes()).ok_or_else(|| Error::artifact("a stored model", format!("{text:?} is not a date")))
}
