//! The pipeline's stages by name, on the ground floor: records, events and the runner all
//! speak of stages, and none of them needs the others to.

use serde::{Deserialize, Serialize};

/// The stages, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Ingest,
    RawContract,
    Features,
    FeatureContract,
    Split,
    Train,
    Evaluate,
    /// A forecast run's rolling-origin evaluation before its origin.
    Backtest,
    /// A forecast run's forecast from its origin.
    Forecast,
}

impl Stage {
    /// A one-step run's stages, in order.
    pub const ALL: [Stage; 7] =
        [Stage::Ingest, Stage::RawContract, Stage::Features, Stage::FeatureContract, Stage::Split, Stage::Train, Stage::Evaluate];

    /// A forecast run's stages, in order.
    pub const FORECAST: [Stage; 4] = [Stage::Ingest, Stage::RawContract, Stage::Backtest, Stage::Forecast];

    pub fn name(self) -> &'static str {
        match self {
            Stage::Ingest => "ingest",
            Stage::RawContract => "raw_contract",
            Stage::Features => "features",
            Stage::FeatureContract => "feature_contract",
            Stage::Split => "split",
            Stage::Train => "train",
            Stage::Evaluate => "evaluate",
            Stage::Backtest => "backtest",
            Stage::Forecast => "forecast",
        }
    }
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
