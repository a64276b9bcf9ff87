//! The run record as a run builds it: the parameters its configuration implies, what each
//! stage's output adds (cutoff, row counts, metrics, the tag of a contract failure gone past),
//! the stages' records, and the record itself once the run has ended.

use std::collections::BTreeMap;

use crate::calendar::format_date;
use crate::error::Error;
use crate::metrics::MetricName;
use crate::tracking::{derive_run_id, metric_key, Part, ContractRecord, DatasetFingerprint, RunRecord, RunStatus, StageRecord, StageState, RUN_RECORD_VERSION};

use crate::forecast::evaluation::band_key;
use crate::forecast::{ForecastMethod, Scores};
use crate::tracking::{RunKind, BACKTEST_PREFIX, FORECAST_PREFIX, RUN_KIND_PARAM};

use super::{ForecastSettings, PipelineConfig, Stage, StageOutputs, Suites};

/// A run record being filled in.
pub(super) struct RecordDraft {
    pub params: BTreeMap<String, String>,
    pub metrics: BTreeMap<String, f64>,
    pub tags: BTreeMap<String, String>,
    pub stages: Vec<StageRecord>,
}

impl RecordDraft {
    /// The parameters of a run with `config` and `suites` (MLflow's params: immutable strings).
    pub fn new(config: &PipelineConfig, suites: &Suites) -> Self {
        if let Some(forecast) = &config.forecast {
            return Self::forecast(forecast, config, suites);
        }
        let mut params = BTreeMap::new();
        params.insert("model".to_string(), config.model.kind().name().to_string());
        params.extend(config.model.params());
        params.insert("horizon".into(), config.features.horizon.to_string());
        for (switch, on) in config.features.switches() {
            params.insert(switch.into(), on.to_string());
        }
        params.insert("seed".into(), config.seed.to_string());
        params.insert("raw_suite".into(), suites.raw.name().to_string());
        if let Some(suite) = &suites.features {
            params.insert("feature_suite".into(), suite.name().to_string());
        }
        params.insert("continue_on_contract_failure".into(), config.continue_on_contract_failure.to_string());
        RecordDraft { params, metrics: BTreeMap::new(), tags: BTreeMap::new(), stages: Vec::new() }
    }

    /// The parameters of a forecast run: the method and its settings, the horizon, the
    /// backtest's windows and step, and `run_kind = forecast` ([`RunKind`]).
    fn forecast(settings: &ForecastSettings, config: &PipelineConfig, suites: &Suites) -> Self {
        let mut params = BTreeMap::new();
        params.insert(RUN_KIND_PARAM.to_string(), RunKind::Forecast.name().to_string());
        params.insert("model".to_string(), settings.method.name().to_string());
        params.extend(settings.method.params());
        params.insert("forecast_horizon".into(), settings.horizon.to_string());
        params.insert("backtest_windows".into(), settings.backtest_windows.to_string());
        params.insert("backtest_step".into(), settings.step.to_string());
        if let ForecastMethod::Direct(_) = settings.method {
            params.insert("seed".into(), settings.seed.to_string());
            if let Some(suite) = &suites.features {
                params.insert("feature_suite".into(), suite.name().to_string());
            }
        }
        params.insert("raw_suite".into(), suites.raw.name().to_string());
        params.insert("continue_on_contract_failure".into(), config.continue_on_contract_failure.to_string());
        RecordDraft { params, metrics: BTreeMap::new(), tags: BTreeMap::new(), stages: Vec::new() }
    }

    /// Scores of a forecast (`forecast_*`) or a backtest (`backtest_*`) as metrics: overall,
    /// per band (`…_wmae_h01_13`) and, for the backtest, per window (`backtest_w1_wmae`) and
    /// per horizon week (`backtest_wmae_week01`).
    fn add_scores(&mut self, prefix: &str, scores: &Scores, horizon: usize) {
        for metric in MetricName::ALL {
            self.metrics.insert(format!("{prefix}_{}", metric.name()), scores.overall.value(metric));
        }
        for (band, m) in scores.bands.iter().enumerate() {
            if let Some(m) = m {
                self.metrics.insert(format!("{prefix}_wmae_{}", band_key(band, horizon)), m.wmae);
            }
        }
        if prefix == BACKTEST_PREFIX {
            for (week, wmae) in scores.weeks.iter().enumerate() {
                if let Some(wmae) = wmae {
                    self.metrics.insert(format!("{prefix}_wmae_week{:02}", week + 1), *wmae);
                }
            }
        }
    }

    /// A stage has ended (or will not run, or was kept from the run `kept_from`).
    pub fn stage(&mut self, stage: Stage, state: StageState, duration_ms: Option<f64>, message: String, kept_from: Option<String>) -> &StageRecord {
        self.stages.push(StageRecord { stage, state, duration_ms: duration_ms.unwrap_or(0.0), message, kept_from });
        self.stages.last().expect("just pushed")
    }

    /// What `stage`'s output in `outputs` adds to the record, whether it ran now or was kept.
    pub fn add_output(&mut self, stage: Stage, outputs: &StageOutputs) {
        match stage {
            Stage::RawContract => {
                if let Some(raw) = outputs.raw_contract.as_deref() {
                    if !raw.record.success {
                        self.tags.insert("contract_failure_continued".into(), raw.record.suite.clone());
                    }
                }
            }
            Stage::Split => {
                if let Some(split) = outputs.split.as_deref() {
                    self.params.insert("cutoff".into(), format_date(split.cutoff));
                    self.params.insert("train_rows".into(), split.train.y.len().to_string());
                    self.params.insert("test_rows".into(), split.test.y.len().to_string());
                }
            }
            Stage::Evaluate => {
                if let Some(evaluation) = outputs.evaluation.as_deref() {
                    for (part, m) in [(Part::Train, &evaluation.train), (Part::Test, &evaluation.test)] {
                        for metric in MetricName::ALL {
                            self.metrics.insert(metric_key(part, metric), m.value(metric));
                        }
                    }
                }
            }
            Stage::Backtest => {
                if let Some(backtest) = outputs.backtest.as_deref() {
                    let horizon = self.params.get("forecast_horizon").and_then(|h| h.parse().ok()).unwrap_or(0);
                    if let Some(pooled) = &backtest.pooled {
                        self.add_scores(BACKTEST_PREFIX, pooled, horizon);
                    }
                    for (i, window) in backtest.windows.iter().enumerate() {
                        self.metrics.insert(format!("{BACKTEST_PREFIX}_w{}_wmae", i + 1), window.scores.overall.wmae);
                        self.params.insert(format!("backtest_w{}_origin", i + 1), format_date(window.origin));
                    }
                }
            }
            Stage::Forecast => {
                if let Some(forecast) = outputs.forecast.as_deref() {
                    self.params.insert("origin".into(), format_date(forecast.origin));
                    self.params.insert("forecast_rows".into(), forecast.rows.len().to_string());
                    self.params.insert("series_without_history".into(), forecast.series_without_history.to_string());
                    if let Some(scores) = &forecast.scores {
                        self.add_scores(FORECAST_PREFIX, scores, forecast.horizon);
                    }
                    if let Some([c80, c95]) = forecast.coverage {
                        self.metrics.insert(format!("{FORECAST_PREFIX}_coverage_80"), c80);
                        self.metrics.insert(format!("{FORECAST_PREFIX}_coverage_95"), c95);
                    }
                    for (band, coverage) in forecast.band_coverage.iter().enumerate() {
                        if let Some([c80, c95]) = coverage {
                            let band = band_key(band, forecast.horizon);
                            self.metrics.insert(format!("{FORECAST_PREFIX}_coverage_80_{band}"), *c80);
                            self.metrics.insert(format!("{FORECAST_PREFIX}_coverage_95_{band}"), *c95);
                        }
                    }
                }
            }
            Stage::Ingest | Stage::Features | Stage::FeatureContract | Stage::Train => {}
        }
    }

    /// The record of a run that started at `start_ms` and ended at `end_ms` with `outputs`
    /// and `error`.
    pub fn finish(self, config: &PipelineConfig, start_ms: f64, end_ms: f64, outputs: &StageOutputs, error: Option<&Error>) -> RunRecord {
        let start_time_ms = start_ms as i64;
        let dataset = outputs.ingest.as_deref().map_or_else(|| DatasetFingerprint::new(Vec::new()), |i| i.dataset.clone());
        let mut contracts: Vec<ContractRecord> = outputs.raw_contract.iter().map(|c| c.record.clone()).collect();
        contracts.extend(outputs.feature_contract.as_deref().and_then(Option::as_ref).map(|c| c.record.clone()));
        // Registrable: finished, and every suite passed (a raw contract that failed but was
        // continued past, or a failed feature contract, makes a run that cannot be registered).
        let registrable = error.is_none() && contracts.iter().all(|c| c.success);
        RunRecord {
            schema_version: RUN_RECORD_VERSION,
            run_id: derive_run_id(start_time_ms, &dataset.digest, &self.params),
            experiment_id: config.experiment_id.clone(),
            experiment: config.experiment.clone(),
            status: if error.is_some() { RunStatus::Failed } else { RunStatus::Finished },
            start_time_ms,
            end_time_ms: Some(end_ms as i64),
            params: self.params,
            metrics: self.metrics,
            tags: self.tags,
            stages: self.stages,
            dataset,
            contracts,
            registrable,
            error: error.map(ToString::to_string),
        }
    }
}
