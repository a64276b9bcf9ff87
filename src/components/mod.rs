//! Reusable views.

mod chart;
mod download;
pub mod figure;
mod histogram;
mod metrics_table;
mod progress_bar;
mod series_picker;
mod stage_table;

pub use chart::Chart;
pub use download::download;
pub use histogram::MiniHistogram;
pub use metrics_table::MetricsTable;
pub use progress_bar::ProgressBar;
pub use series_picker::SeriesPicker;
pub use stage_table::{state_name, StageGrid};
