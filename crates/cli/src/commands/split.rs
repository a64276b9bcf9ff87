//! `shelfcast split`: the split stage's rows of a feature table, written as two tables.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

use shelfcast_core::calendar::format_date;
use shelfcast_core::stages;

use crate::args::{cutoff, FeatureArgs};
use crate::files::{read_ipc, write_file};

pub fn run(features: &Path, cutoff_text: Option<&str>, train_out: &Path, test_out: &Path, feature_args: &FeatureArgs) -> Result<ExitCode> {
    let frame = read_ipc(features)?;
    let rows = stages::split::rows(&frame, &feature_args.config()?, cutoff(cutoff_text)?)?;
    let (train, test) = (frame.take(&rows.train)?, frame.take(&rows.test)?);
    write_file(train_out, &train.to_ipc()?)?;
    write_file(test_out, &test.to_ipc()?)?;
    eprintln!(
        "cutoff {}: {} training rows → {}, {} test rows → {}",
        format_date(rows.cutoff),
        train.num_rows(),
        train_out.display(),
        test.num_rows(),
        test_out.display()
    );
    Ok(ExitCode::SUCCESS)
}
