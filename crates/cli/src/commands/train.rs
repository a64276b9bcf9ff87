//! `shelfcast train`: the design matrix of a training table and the train stage, saved as a
//! model file.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

use shelfcast_core::design::{Missing, ModelArtifact};
use shelfcast_core::stages;

use crate::args::{FeatureArgs, ModelArgs};
use crate::files::{read_ipc, write_file};

pub fn run(train: &Path, model: &ModelArgs, features: &FeatureArgs, out: &Path) -> Result<ExitCode> {
    let config = features.config()?;
    let spec = model.spec()?;
    let data = stages::design::matrix(&read_ipc(train)?, &config, Missing::for_model(spec.kind()))?;
    let fitted = stages::train::fit(&spec, model.seed, &data, &mut |_| {})?;
    write_file(out, ModelArtifact::new(config, fitted).to_json().as_bytes())?;
    eprintln!("wrote {} ({} fitted on {} rows)", out.display(), spec.kind().name(), data.y.len());
    Ok(ExitCode::SUCCESS)
}
