//! Features: the feature table of the ingested tables (see [`crate::features`]).

use crate::error::Result;
use crate::features::{build_features_with, FeatureConfig, FeatureInputs};
use crate::frame::Frame;

use super::ingest::Ingested;

/// The feature table; `cutoff` is the split's, for the series statistics (`None`: the
/// default cutoff of the sales dates).
pub fn build(ingested: &Ingested, config: &FeatureConfig, cutoff: Option<i32>) -> Result<Frame> {
    let inputs = FeatureInputs { store_weeks: ingested.store_weeks.as_ref(), stores: ingested.stores.as_ref(), cutoff, ..FeatureInputs::default() };
    build_features_with(&ingested.sales, config, &inputs)
}

/// The stage's summary line.
pub fn summary(features: &Frame) -> String {
    format!("{} rows × {} columns", features.num_rows(), features.num_columns())
}
