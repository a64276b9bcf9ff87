//! Reusable views.

mod metrics_table;
mod stage_table;

pub use metrics_table::MetricsTable;
pub use stage_table::StageTable;
