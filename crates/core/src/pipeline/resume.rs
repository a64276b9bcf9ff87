//! Where a "run from here" really has to start: a stage whose settings changed, or that did
//! not succeed in the run it would be kept from, runs again, and so does everything after it.

use crate::contracts::Suite;
use crate::design::Missing;
use crate::tracking::StageState;

use super::{PipelineConfig, PipelineOutcome, Stage, Suites};

impl PipelineOutcome {
    /// Where a run from `requested` on top of this outcome really has to start with `config`
    /// and `suites`: a stage whose settings changed, or that did not succeed here, has to run
    /// again and so has everything after it. Returns the stage and, when it is earlier than
    /// the requested one, why.
    pub fn resume_stage(&self, requested: Stage, config: &PipelineConfig, suites: &Suites) -> (Stage, Option<String>) {
        let previous = &self.config;
        let suite_changed = |index: usize, suite: Option<&Suite>| {
            self.record.contracts.get(index).map(|c| c.suite_digest.clone()) != suite.map(Suite::digest)
        };
        let mut reasons: Vec<(Stage, String)> = Vec::new();
        let plan = config.plan();
        if let Some(stage) = plan.iter().copied().find(|&s| {
            let succeeded = self.record.stages.iter().any(|r| r.stage == s && r.state == StageState::Success);
            !(succeeded && self.outputs.has(s))
        }) {
            reasons.push((stage, format!("{} did not complete in run {}", stage.name(), self.record.run_id)));
        }
        if previous.continue_on_contract_failure != config.continue_on_contract_failure || suite_changed(0, Some(&suites.raw)) {
            reasons.push((Stage::RawContract, "the raw contract's settings changed".into()));
        }
        let (was, now) = (&previous.features, &config.features);
        if (was.join_features, was.join_stores) != (now.join_features, now.join_stores) {
            // Ingest reads the joined files only when a join is on.
            reasons.push((Stage::Ingest, "the joins changed: the files they use are read at ingest".into()));
        }
        if was != now {
            reasons.push((Stage::Features, "the feature settings changed".into()));
        }
        if now.series_stats && previous.cutoff != config.cutoff {
            reasons.push((Stage::Features, "the series statistics depend on the cutoff, which changed".into()));
        }
        let feature_suite_ran = self.outputs.feature_contract.as_deref().is_some_and(Option::is_some);
        if feature_suite_ran != suites.features.is_some() || (feature_suite_ran && suite_changed(1, suites.features.as_ref())) {
            reasons.push((Stage::FeatureContract, "the feature suite changed".into()));
        }
        if previous.cutoff != config.cutoff {
            reasons.push((Stage::Split, "the cutoff changed".into()));
        }
        if Missing::for_model(previous.model.kind()) != Missing::for_model(config.model.kind()) {
            reasons.push((Stage::Split, "the new model reads missing values another way: the matrices are built again".into()));
        }
        if previous.model != config.model || previous.seed != config.seed {
            reasons.push((Stage::Train, "the model settings changed".into()));
        }
        if previous.forecast != config.forecast {
            let first_after_contract = plan[2];
            let why = if previous.plan() != plan { "the run's kind changed" } else { "the forecast settings changed" };
            reasons.push((first_after_contract, why.into()));
        }
        match reasons.into_iter().filter(|(stage, _)| *stage < requested && plan.contains(stage)).min_by_key(|(stage, _)| *stage) {
            Some((stage, reason)) => (stage, Some(format!("starting at {} instead of {}: {reason}", stage.name(), requested.name()))),
            None => (requested, None),
        }
    }
}

