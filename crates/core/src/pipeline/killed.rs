//! A run stopped from outside before it ended.
//!
//! The app's *Cancel* replaces the worker in the middle of a stage (a busy WebAssembly worker
//! cannot be interrupted), so the run never records itself. What the page still has is the
//! stream of events the run sent, collected into its [`RunLog`]; this module turns that into
//! the run's record and detail, the same way for every shell. A stage that had ended keeps its
//! state, its summary and the run it was kept from; the stage that was running is failed with
//! the reason; the stages after it are upstream-failed. The params are its configuration's
//! (not those a stage's output adds, such as the split's cutoff and row counts: the outputs went
//! with the worker). The run is KILLED, as MLflow calls a run its user ended, and never
//! registrable.

use crate::tracking::{split_kept_from, DatasetFingerprint, RunRecord, RunStatus, StageState};

use super::detail::LogLine;
use super::record::RecordDraft;
use super::{PipelineConfig, RunDetail, RunLog, StageOutputs, Suites};

/// The record and detail of a run with `config` and `suites` that was stopped at `end_ms`,
/// having sent the events in `log`. `dataset` is what the caller knows of its files (the
/// record of a finished run computes it at ingest; a stopped one cannot).
pub fn killed(config: &PipelineConfig, suites: &Suites, log: RunLog, dataset: DatasetFingerprint, end_ms: f64) -> (RunRecord, RunDetail) {
    let start_ms = log.start_ms().unwrap_or(end_ms);
    let lines = log.into_lines();
    let mut draft = RecordDraft::new(config, suites);
    let mut stopped = None;
    for &stage in config.plan() {
        let changes: Vec<&LogLine> = lines.iter().filter(|l| l.stage == stage && l.state.is_some()).collect();
        let last = changes.last();
        let running_since = changes.iter().find(|l| l.state == Some(StageState::Running)).map(|l| l.at_ms);
        let (state, duration_ms, message, kept_from) = match (last.and_then(|l| l.state), stopped) {
            (Some(state @ (StageState::Success | StageState::Failed | StageState::Skipped | StageState::UpstreamFailed)), None) => {
                let line = last.expect("a state was found");
                let (kept_from, summary) = split_kept_from(&line.text);
                // The page's clock: from the stage's start to its end, as the events arrived.
                let duration_ms = running_since.map(|since| line.at_ms - since);
                (state, duration_ms, summary.to_string(), kept_from.map(str::to_string))
            }
            (Some(StageState::Running), None) => {
                let ran_for = running_since.map(|since| end_ms - start_ms - since);
                stopped = Some(stage);
                let seconds = ran_for.map(|ms| format!(" after {:.1} s", ms / 1000.0)).unwrap_or_default();
                (StageState::Failed, ran_for, format!("cancelled{seconds}"), None)
            }
            // Queued when it was stopped, or after the stage that was stopped.
            _ => {
                stopped.get_or_insert(stage);
                (StageState::UpstreamFailed, None, String::new(), None)
            }
        };
        draft.stage(stage, state, duration_ms, message, kept_from);
    }
    let reason = match stopped {
        Some(stage) => format!("cancelled during {}", stage.name()),
        None => "cancelled".to_string(),
    };
    let mut record = draft.finish(config, start_ms, end_ms, &StageOutputs::default(), None);
    record.dataset = dataset;
    record.run_id = crate::tracking::derive_run_id(record.start_time_ms, &record.dataset.digest, &record.params);
    record.status = RunStatus::Killed;
    record.registrable = false;
    record.error = Some(reason);
    let detail = RunDetail { log: lines, ..RunDetail::empty(&record.run_id) };
    (record, detail)
}
