//! `shelfcast sample`: the built-in synthetic sample as a file (or on stdout).

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};

use shelfcast_core::synthetic;

use crate::files::write_file;

pub fn run(out: Option<&Path>) -> Result<ExitCode> {
    let sample = synthetic::sample_train_csv(synthetic::DEFAULT_SEED);
    match out {
        Some(path) => write_file(path, &sample)?,
        None => std::io::Write::write_all(&mut std::io::stdout().lock(), &sample).context("cannot write to stdout")?,
    }
    Ok(ExitCode::SUCCESS)
}
