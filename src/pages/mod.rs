//! One file per page.

mod contracts_page;
mod data_page;
mod forecast_page;
mod models_page;
mod pipeline_page;
mod compare_view;
mod runs_page;
mod train_page;

pub use contracts_page::ContractsPage;
pub use data_page::DataPage;
pub use forecast_page::ForecastPage;
pub use models_page::ModelsPage;
pub use pipeline_page::PipelinePage;
pub use runs_page::RunsPage;
pub use train_page::TrainPage;
