//! `shelfcast validate`: a suite on any CSV (types inferred) or Arrow IPC table, through the
//! contract stage.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

use shelfcast_core::pipeline::Clock;
use shelfcast_core::stages;

use super::SystemClock;
use crate::args::{Format, ResultFormatArg};
use crate::files::{read_any_table, read_suite};
use crate::output;

pub fn run(suite: &Path, data: &Path, result_format: ResultFormatArg, horizon: usize, format: Format) -> Result<ExitCode> {
    let suite = read_suite(suite)?;
    let (frame, digest) = read_any_table(data)?;
    let options = stages::contract::options(result_format.format(), Some(SystemClock.now_ms() as i64), Some(digest), horizon);
    let result = stages::contract::validate(&suite, &frame, &options).validation;
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&result)?),
        Format::Text => output::print_validation(&suite, &result),
    }
    Ok(if result.success { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
