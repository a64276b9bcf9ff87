//! `shelfcast features`: the ingest and features stages, written as an Arrow IPC table.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

use shelfcast_core::stages;

use crate::args::{cutoff, FeatureArgs};
use crate::files::{read_inputs, write_file};

pub fn run(data: &Path, out: &Path, features: &FeatureArgs, cutoff_text: Option<&str>) -> Result<ExitCode> {
    let config = features.config()?;
    let ingested = stages::ingest::read(&read_inputs(data, &config)?, &config, &mut |_| {})?;
    let frame = stages::features::build(&ingested, &config, cutoff(cutoff_text)?)?;
    write_file(out, &frame.to_ipc()?)?;
    eprintln!("wrote {} ({} rows × {} columns)", out.display(), frame.num_rows(), frame.num_columns());
    Ok(ExitCode::SUCCESS)
}
