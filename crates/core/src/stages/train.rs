//! Train: a model fitted on a design matrix.

use crate::design::ModelData;
use crate::error::Result;
use crate::models::{FitContext, FitProgress, FittedModel, ModelSpec, TrainingSet};

/// Fits `spec` on `data` with `seed`, once the spec has been checked ([`ModelSpec::checked`]);
/// `progress` hears of every fitting step.
pub fn fit(spec: &ModelSpec, seed: u64, data: &ModelData, progress: &mut dyn FnMut(FitProgress)) -> Result<FittedModel> {
    let spec = spec.checked()?;
    let mut ctx = FitContext { seed, progress };
    spec.fit(TrainingSet { x: &data.x, y: &data.y, weights: &data.weights, time: Some(&data.dates) }, &mut ctx)
}

/// The stage's summary line.
pub fn summary(model: &FittedModel, data: &ModelData) -> String {
    format!("{} fitted on {} rows", model.kind().name(), data.y.len())
}

/// How a fitting step is shown to a person.
pub fn progress_note(progress: &FitProgress) -> String {
    format!("{} of {} fitting steps", progress.done, progress.total)
}
