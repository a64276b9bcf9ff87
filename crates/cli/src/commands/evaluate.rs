//! `shelfcast evaluate`: a saved model scored on a test table by the evaluate stage.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};

use shelfcast_core::design::{Missing, ModelArtifact};
use shelfcast_core::stages;

use crate::args::Format;
use crate::files::read_ipc;
use crate::output;

pub fn run(model: &Path, test: &Path, format: Format) -> Result<ExitCode> {
    let text = std::fs::read_to_string(model).with_context(|| format!("cannot read {}", model.display()))?;
    let artifact = ModelArtifact::from_json(&text, &model.display().to_string())?;
    let data = stages::design::matrix(&read_ipc(test)?, &artifact.features, Missing::for_model(artifact.model.kind()))?;
    let (scores, _) = stages::evaluate::score(&artifact.model, &data)?;
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&scores)?),
        Format::Text => output::print_metrics("test", &scores),
    }
    Ok(ExitCode::SUCCESS)
}
