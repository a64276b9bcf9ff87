//! Scoring a file with a registered version: a labelled sales file (weeks after the model's
//! data; it gives metrics and is recorded for monitoring) or a future-weeks file (Kaggle's
//! test.csv; it gives the forecast and the submission). The file is read with its schema,
//! checked against its contract (the sales suite, or the shipped future-weeks suite) and
//! against the model's signature (only the weeks the model forecasts), and predicted through
//! the model's frozen forecast — the same code the forecast run predicted its own rows
//! with, so a scoring of the run's own weeks reproduces the run exactly. Nothing is refitted.

use serde::{Deserialize, Serialize};

use crate::calendar::format_date;
use crate::contracts::{ResultFormat, Suite, ValidationResult};
use crate::error::{Error, Result};
use crate::forecast::submission::{forecast_csv, submission_csv, RowIntervals};
use crate::forecast::{Scores, TargetRows};
use crate::ingest::{decompress, read_table, ReadProgress, TEST, TRAIN};
use crate::stages::contract;
use crate::stages::forecast::{assess, weekly_totals, TotalPoint};
use crate::tracking::RunKind;

use super::model::{Frozen, StoredModel};
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
    /// Series of the file the model has no forecast of (given the model's fallback).
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

    /// Kaggle's submission (`Id,Weekly_Sales`, every row of the file).
    pub fn submission_csv(&self) -> String {
        submission_csv(&self.rows, &self.predicted)
    }
}

/// Scores `input` with `model`. Refused, with the reason: a one-step model (it needs last
/// week's sales for every week it scores), a file that fails its contract, a week the model
/// does not forecast.
pub fn score(model: &StoredModel, input: &ScoreInput, progress: &mut dyn FnMut(ReadProgress)) -> Result<Scored> {
    let frozen = match &model.frozen {
        Frozen::Forecast(frozen) => frozen,
        Frozen::OneStep(_) => {
            return Err(Error::Registry(format!(
                "the model of run {} is a one-step model ({}): it predicts a week only from the week before's actual sales, so it cannot forecast the weeks of {}; register a forecast run's model to score files",
                model.run_id, model.signature.family, input.name
            )))
        }
    };
    debug_assert_eq!(model.signature.kind, RunKind::Forecast);
    let data = decompress(input.name, input.bytes)?;
    let header = data.split(|&b| b == b'\n' || b == b'\r').next().unwrap_or_default();
    let labelled = String::from_utf8_lossy(header).contains("Weekly_Sales");
    let (kind, schema, suite) =
        if labelled { (ScoredKind::Labelled, &TRAIN, input.sales_suite) } else { (ScoredKind::FutureWeeks, &TEST, input.future_suite) };
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
    frozen.check_rows(&rows).map_err(|e| {
        Error::Registry(format!(
            "{e}: the model of run {} forecasts {} weeks after its data ends ({})",
            model.run_id, model.signature.horizon, model.signature.data_end
        ))
    })?;
    let (predicted, intervals) = frozen.predict(&rows);
    if let Some(i) = predicted.iter().position(|p| !p.is_finite()) {
        return Err(Error::Registry(format!("{}, line {}: the model's forecast is not a finite number", input.name, i + 2)));
    }
    let assessment = assess(&rows, &predicted, intervals.as_deref(), frozen.grid.origin, frozen.grid.horizon)?;
    let actual = rows.actual.clone().unwrap_or_else(|| vec![f64::NAN; rows.len()]);
    let totals = weekly_totals(&rows.date, &actual, &predicted)
        .into_iter()
        .map(|(date, (y, p))| TotalPoint { date: format_date(date), actual: y.is_finite().then_some(y), forecast: Some(p), interval: None })
        .collect();
    Ok(Scored {
        kind,
        file: input.name.to_string(),
        sha256: table.fingerprint.sha256,
        unknown_series: frozen.unknown_series(&rows),
        predicted,
        intervals,
        scores: assessment.as_ref().map(|a| a.scores.clone()),
        coverage: assessment.and_then(|a| a.coverage),
        totals,
        rows,
        contract: outcome.validation,
    })
}
