//! The runner: runs the stages of [`crate::stages`] in order, each announced, timed and
//! recorded; gates on the raw contract; keeps the outputs of an earlier run's stages for a
//! "run from here". It computes nothing itself.

use std::sync::Arc;

use crate::contracts::{ResultFormat, Suite, ValidationOptions};
use crate::error::{Error, Result};
use crate::frame::Frame;
use crate::ingest::ReadProgress;
use crate::stages;
use crate::tracking::StageState;

use super::record::RecordDraft;
use super::{ForecastSettings, Clock, ContractOutcome, InputFile, PipelineConfig, PipelineEvent, PipelineOutcome, Stage, StageOutputs, Suites};

/// Carries a run's state from stage to stage.
pub(super) struct Runner<'a> {
    config: &'a PipelineConfig,
    suites: &'a Suites,
    clock: &'a dyn Clock,
    pub observer: &'a mut dyn FnMut(PipelineEvent),
    start_ms: f64,
    pub record: RecordDraft,
    outputs: StageOutputs,
}

/// A stage's output that a later stage needs; missing only through a bug in the ordering.
fn upstream<T: ?Sized>(output: Option<&T>, stage: Stage) -> Result<&T> {
    output.ok_or_else(|| Error::stage(stage, "the output of an earlier stage is missing"))
}

/// Posts a model's fitting steps as `stage`'s progress.
fn fit_reporter<'a>(observer: &'a mut dyn FnMut(PipelineEvent), stage: Stage) -> impl FnMut(crate::models::FitProgress) + 'a {
    move |p| {
        let note = stages::train::progress_note(&p);
        observer(PipelineEvent::Progress { stage, done: p.done, total: p.total, note });
    }
}

/// The rows of the future-weeks file among the ingested files, if one was given.
fn future_rows(ingested: &stages::ingest::Ingested) -> Result<Option<crate::forecast::TargetRows>> {
    ingested.future.as_ref().map(|(frame, name)| crate::forecast::TargetRows::future(frame, name)).transpose()
}

impl<'a> Runner<'a> {
    pub fn new(config: &'a PipelineConfig, suites: &'a Suites, clock: &'a dyn Clock, observer: &'a mut dyn FnMut(PipelineEvent)) -> Self {
        for &stage in config.plan() {
            observer(PipelineEvent::Stage { stage, state: StageState::Queued, duration_ms: None, message: String::new() });
        }
        Runner {
            config,
            suites,
            clock,
            observer,
            start_ms: clock.now_ms(),
            record: RecordDraft::new(config, suites),
            outputs: StageOutputs::default(),
        }
    }

    /// Runs one stage: announces it, times it, records its outcome.
    fn stage<T>(&mut self, stage: Stage, work: impl FnOnce(&mut Self) -> Result<(T, String)>) -> Result<T> {
        (self.observer)(PipelineEvent::Stage { stage, state: StageState::Running, duration_ms: None, message: String::new() });
        let started = self.clock.now_ms();
        let outcome = work(self);
        let duration_ms = self.clock.now_ms() - started;
        let (state, message, value) = match outcome {
            Ok((value, message)) => (StageState::Success, message, Ok(value)),
            Err(error) => (StageState::Failed, error.to_string(), Err(error)),
        };
        self.ended(stage, state, Some(duration_ms), message);
        value
    }

    /// A stage has ended (or will not run): records it and tells the observer.
    fn ended(&mut self, stage: Stage, state: StageState, duration_ms: Option<f64>, message: String) {
        self.ended_kept(stage, state, duration_ms, message, None);
    }

    fn ended_kept(&mut self, stage: Stage, state: StageState, duration_ms: Option<f64>, message: String, kept_from: Option<String>) {
        let message = self.record.stage(stage, state, duration_ms, message, kept_from).display_message();
        (self.observer)(PipelineEvent::Stage { stage, state, duration_ms, message });
    }

    /// Takes a stage's output from an earlier run instead of running it. The record names the
    /// run that computed it (the earlier run's own origin when that one kept it too).
    fn keep(&mut self, stage: Stage, previous: &PipelineOutcome) {
        let earlier = previous.record.stages.iter().find(|r| r.stage == stage);
        let duration_ms = earlier.map_or(0.0, |r| r.duration_ms);
        let summary = earlier.map_or_else(String::new, |r| r.message.clone());
        let origin = earlier.and_then(|r| r.kept_from.clone()).unwrap_or_else(|| previous.record.run_id.clone());
        self.outputs.share(stage, &previous.outputs);
        self.record.add_output(stage, &self.outputs);
        self.ended_kept(stage, StageState::Success, Some(duration_ms), summary, Some(origin));
    }

    /// Runs every stage in order; with `resume = Some((start, previous))` the stages before
    /// `start` are kept from `previous`.
    pub fn stages_from(&mut self, inputs: &[InputFile], resume: Option<(Stage, &PipelineOutcome)>) -> Result<()> {
        for &stage in self.config.plan() {
            if let Some((start, previous)) = resume {
                if stage < start {
                    self.keep(stage, previous);
                    continue;
                }
            }
            match stage {
                Stage::Ingest => {
                    let ingested = self.stage(stage, |run| run.ingest(inputs))?;
                    self.outputs.ingest = Some(Arc::new(ingested));
                }
                Stage::RawContract => {
                    let ingested = Arc::clone(upstream(self.outputs.ingest.as_ref(), stage)?);
                    let outcome = self.stage(stage, |run| run.raw_contract(&ingested.sales))?;
                    self.outputs.raw_contract = Some(Arc::new(outcome));
                }
                Stage::Features => {
                    let ingested = Arc::clone(upstream(self.outputs.ingest.as_ref(), stage)?);
                    let features = self.stage(stage, |run| {
                        let features = stages::features::build(&ingested, &run.config.features, run.config.cutoff)?;
                        let summary = stages::features::summary(&features);
                        Ok((features, summary))
                    })?;
                    self.outputs.features = Some(features);
                }
                Stage::FeatureContract => {
                    let features = upstream(self.outputs.features.as_ref(), stage)?.clone();
                    let outcome = self.stage(stage, |run| Ok(run.feature_contract(&features)))?;
                    self.outputs.feature_contract = Some(Arc::new(outcome));
                }
                Stage::Split => {
                    let features = upstream(self.outputs.features.as_ref(), stage)?.clone();
                    let parts = self.stage(stage, |run| {
                        let rows = stages::split::rows(&features, &run.config.features, run.config.cutoff)?;
                        let missing = crate::design::Missing::for_model(run.config.model.kind());
                        let parts = stages::design::parts(&features, &run.config.features, rows, missing)?;
                        let summary = stages::split::summary(parts.cutoff, parts.train.y.len(), parts.test.y.len());
                        Ok((parts, summary))
                    })?;
                    self.outputs.split = Some(Arc::new(parts));
                }
                Stage::Train => {
                    let split = Arc::clone(upstream(self.outputs.split.as_ref(), stage)?);
                    let model = self.stage(stage, |run| {
                        // Progress goes out while the model fits (the worker posts it to the page at once).
                        let mut report = fit_reporter(&mut *run.observer, Stage::Train);
                        let model = stages::train::fit(&run.config.model, run.config.seed, &split.train, &mut report)?;
                        let summary = stages::train::summary(&model, &split.train);
                        Ok((model, summary))
                    })?;
                    self.outputs.model = Some(Arc::new(model));
                }
                Stage::Evaluate => {
                    let split = Arc::clone(upstream(self.outputs.split.as_ref(), stage)?);
                    let model = Arc::clone(upstream(self.outputs.model.as_ref(), stage)?);
                    let features = upstream(self.outputs.features.as_ref(), stage)?.clone();
                    let evaluation = self.stage(stage, |_| {
                        let evaluation = stages::evaluate::evaluate(&model, &split, &features)?;
                        let summary = stages::evaluate::summary(&evaluation.test);
                        Ok((evaluation, summary))
                    })?;
                    self.outputs.evaluation = Some(Arc::new(evaluation));
                }
                Stage::Backtest => {
                    let ingested = Arc::clone(upstream(self.outputs.ingest.as_ref(), stage)?);
                    let backtest = self.stage(stage, |run| {
                        let settings = run.forecast_settings()?;
                        let future = future_rows(&ingested)?;
                        let origin = settings.origin_for(&ingested.sales, &ingested.sales_name, future.as_ref())?;
                        let observer = &mut *run.observer;
                        let mut report = |done: usize, total: usize| {
                            let note = format!("{done} of {total} backtest windows fitted");
                            observer(PipelineEvent::Progress { stage: Stage::Backtest, done, total, note });
                        };
                        let suite = run.suites.features.as_ref();
                        let backtest = stages::forecast::backtest(&ingested.sales, &ingested.sales_name, &settings, origin, suite, &mut report)?;
                        let summary = stages::forecast::backtest_summary(&backtest);
                        Ok((backtest, summary))
                    })?;
                    self.outputs.backtest = Some(Arc::new(backtest));
                }
                Stage::Forecast => {
                    let ingested = Arc::clone(upstream(self.outputs.ingest.as_ref(), stage)?);
                    let backtest = Arc::clone(upstream(self.outputs.backtest.as_ref(), stage)?);
                    let forecast = self.stage(stage, |run| {
                        let settings = run.forecast_settings()?;
                        let future = future_rows(&ingested)?;
                        let origin = backtest.origin;
                        let suite = run.suites.features.as_ref();
                        let mut report = fit_reporter(&mut *run.observer, Stage::Forecast);
                        let forecast = stages::forecast::forecast(&ingested.sales, &ingested.sales_name, future, &settings, origin, &backtest, suite, &mut report)?;
                        let summary = stages::forecast::forecast_summary(&forecast);
                        Ok((forecast, summary))
                    })?;
                    self.outputs.forecast = Some(Arc::new(forecast));
                }
            }
            self.record.add_output(stage, &self.outputs);
        }
        Ok(())
    }

    fn forecast_settings(&self) -> Result<ForecastSettings> {
        self.config.forecast.clone().ok_or_else(|| Error::stage(Stage::Forecast, "the run has no forecast settings"))
    }

    fn ingest(&mut self, inputs: &[InputFile]) -> Result<(stages::ingest::Ingested, String)> {
        let mut report = |p: ReadProgress| {
            let note = format!("{} rows read", p.rows);
            (self.observer)(PipelineEvent::Progress { stage: Stage::Ingest, done: p.bytes_read, total: p.bytes_total, note })
        };
        let ingested = stages::ingest::read(inputs, &self.config.features, &mut report)?;
        let summary = stages::ingest::summary(&ingested);
        Ok((ingested, summary))
    }

    fn validation_options(&self) -> ValidationOptions {
        let digest = self.outputs.ingest.as_deref().map(|i| i.dataset.digest.clone());
        stages::contract::options(ResultFormat::Summary, Some(self.start_ms as i64), digest, self.config.features.horizon)
    }

    fn validate(&self, suite: &Suite, frame: &Frame) -> (ContractOutcome, String) {
        let outcome = stages::contract::validate(suite, frame, &self.validation_options());
        let summary = stages::contract::summary(suite, &outcome.validation);
        (outcome, summary)
    }

    /// The raw contract, and its gate: a failure stops the run unless the config continues.
    fn raw_contract(&mut self, sales: &Frame) -> Result<(ContractOutcome, String)> {
        let suite = &self.suites.raw;
        let (outcome, summary) = self.validate(suite, sales);
        if outcome.validation.success {
            return Ok((outcome, summary));
        }
        if self.config.continue_on_contract_failure {
            return Ok((outcome, format!("{summary}; continuing as asked (run not registrable)")));
        }
        let stats = &outcome.validation.statistics;
        let error = Error::ContractFailed {
            suite: suite.name().to_string(),
            failed: stats.unsuccessful_expectations,
            evaluated: stats.evaluated_expectations,
        };
        // The failed validation stays in the outputs: the page shows which expectations failed.
        self.outputs.raw_contract = Some(Arc::new(outcome));
        Err(error)
    }

    /// The feature contract: a failure lets the run finish, not registrable.
    fn feature_contract(&mut self, features: &Frame) -> (Option<ContractOutcome>, String) {
        let Some(suite) = &self.suites.features else {
            return (None, "no feature suite".into());
        };
        let (outcome, mut summary) = self.validate(suite, features);
        if !outcome.validation.success {
            summary.push_str("; the run is not registrable");
        }
        (Some(outcome), summary)
    }

    pub fn finish(mut self, started_at: Stage, result: Result<()>) -> PipelineOutcome {
        let end_ms = self.clock.now_ms();
        let state = if result.is_err() { StageState::UpstreamFailed } else { StageState::Skipped };
        for &stage in self.config.plan().iter().skip(self.record.stages.len()) {
            self.ended(stage, state, None, String::new());
        }
        let error = result.err();
        let record = self.record.finish(self.config, self.start_ms, end_ms, &self.outputs, error.as_ref());
        PipelineOutcome { record, config: self.config.clone(), started_at, outputs: self.outputs, error }
    }
}
