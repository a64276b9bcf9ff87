//! `shelfcast`: the Shelfcast pipeline, headless.
//!
//! `run` executes the whole pipeline, exactly as the browser's worker does; `validate`,
//! `features`, `split`, `train` and `evaluate` run one stage each, reading and writing files
//! (tables as Arrow IPC, models as JSON) so a scheduler such as Airflow can chain them.
//!
//! Exit codes: 0 success, 1 a data contract failed, 2 bad usage or unreadable/invalid input.

/// mimalloc instead of the system allocator: a run allocates ~170 MB of short-lived columns
/// and matrices, and glibc hands each large one fresh pages from the kernel (a page fault per
/// 4 KiB) where mimalloc reuses what the previous stage freed. Measured on the real train.csv
/// with Ridge, 10 alternating runs each: sum of stages median 276 ms against 313 ms.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod commands;
mod output;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = commands::Cli::parse();
    match commands::execute(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(commands::exit_code_of(&error))
        }
    }
}
