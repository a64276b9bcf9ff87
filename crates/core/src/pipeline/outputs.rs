//! What each stage of a run produced. A [`PipelineOutcome`] is a run's record and outputs,
//! and the checkpoint a later "run from here" starts from.

use std::sync::Arc;

use crate::contracts::ValidationResult;
use crate::error::Error;
use crate::frame::Frame;
use crate::models::FittedModel;
use crate::tracking::RunRecord;

use crate::stages::forecast::{Backtest, Forecast};

use super::{ContractOutcome, Evaluation, Ingested, PipelineConfig, SplitParts, Stage};

/// What each stage produced, kept so that a later run can start from any stage with the
/// outputs upstream of it (Airflow's "clear downstream and run": upstream tasks are not run
/// again). Large outputs are shared, not copied, between runs.
#[derive(Debug, Clone, Default)]
pub struct StageOutputs {
    pub ingest: Option<Arc<Ingested>>,
    pub raw_contract: Option<Arc<ContractOutcome>>,
    pub features: Option<Frame>,
    /// `None` inside when the run had no feature suite.
    pub feature_contract: Option<Arc<Option<ContractOutcome>>>,
    pub split: Option<Arc<SplitParts>>,
    pub model: Option<Arc<FittedModel>>,
    pub evaluation: Option<Arc<Evaluation>>,
    pub backtest: Option<Arc<Backtest>>,
    pub forecast: Option<Arc<Forecast>>,
}

impl StageOutputs {
    /// Takes `stage`'s output from `other` (shared, not copied).
    pub(super) fn share(&mut self, stage: Stage, other: &StageOutputs) {
        match stage {
            Stage::Ingest => self.ingest.clone_from(&other.ingest),
            Stage::RawContract => self.raw_contract.clone_from(&other.raw_contract),
            Stage::Features => self.features.clone_from(&other.features),
            Stage::FeatureContract => self.feature_contract.clone_from(&other.feature_contract),
            Stage::Split => self.split.clone_from(&other.split),
            Stage::Train => self.model.clone_from(&other.model),
            Stage::Evaluate => self.evaluation.clone_from(&other.evaluation),
            Stage::Backtest => self.backtest.clone_from(&other.backtest),
            Stage::Forecast => self.forecast.clone_from(&other.forecast),
        }
    }

    pub(super) fn has(&self, stage: Stage) -> bool {
        match stage {
            Stage::Ingest => self.ingest.is_some(),
            Stage::RawContract => self.raw_contract.is_some(),
            Stage::Features => self.features.is_some(),
            Stage::FeatureContract => self.feature_contract.is_some(),
            Stage::Split => self.split.is_some(),
            Stage::Train => self.model.is_some(),
            Stage::Evaluate => self.evaluation.is_some(),
            Stage::Backtest => self.backtest.is_some(),
            Stage::Forecast => self.forecast.is_some(),
        }
    }
}

/// Everything a run produced. The pipeline never panics and never returns early without a
/// record: a failure is in `error` and in the record's status and stages. An outcome is also
/// the checkpoint a later [`run_from`] starts from.
#[derive(Debug)]
pub struct PipelineOutcome {
    pub record: RunRecord,
    pub config: PipelineConfig,
    /// The first stage that ran; the ones before it were kept from an earlier run.
    pub started_at: Stage,
    pub outputs: StageOutputs,
    pub error: Option<Error>,
}

impl PipelineOutcome {
    /// True when the run stopped because a data contract failed.
    pub fn contract_failed(&self) -> bool {
        matches!(self.error, Some(Error::ContractFailed { .. }))
    }

    /// The ingested sales table (for the app's profile and preview).
    pub fn sales(&self) -> Option<&Frame> {
        self.outputs.ingest.as_deref().map(|i| &i.sales)
    }

    pub fn raw_validation(&self) -> Option<&ValidationResult> {
        self.outputs.raw_contract.as_deref().map(|c| &c.validation)
    }

    pub fn feature_validation(&self) -> Option<&ValidationResult> {
        self.outputs.feature_contract.as_deref().and_then(Option::as_ref).map(|c| &c.validation)
    }

    pub fn model(&self) -> Option<&FittedModel> {
        self.outputs.model.as_deref()
    }

    pub fn evaluation(&self) -> Option<&Evaluation> {
        self.outputs.evaluation.as_deref()
    }

    pub fn backtest(&self) -> Option<&Backtest> {
        self.outputs.backtest.as_deref()
    }

    pub fn forecast(&self) -> Option<&Forecast> {
        self.outputs.forecast.as_deref()
    }
}
