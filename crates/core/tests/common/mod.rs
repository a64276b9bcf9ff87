//! What the integration tests share: the real data, read from `SHELFCAST_DATA_DIR` (default
//! `../shared/data/walmart` beside the repository). When a file is absent, [`real_file`] says
//! so on stderr and returns `None`, and the test returns without asserting — unless
//! `SHELFCAST_REQUIRE_DATA=1` (CI sets it), when the absence fails the test. The CLI's tests
//! include this module by path, so both crates follow the one rule.

#![allow(dead_code)] // each test crate uses part of it

use std::path::{Path, PathBuf};

/// The environment variable that turns a missing real-data file into a failure.
pub const REQUIRE_DATA: &str = "SHELFCAST_REQUIRE_DATA";

pub fn data_dir() -> PathBuf {
    std::env::var_os("SHELFCAST_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/walmart"))
}

/// Whether a missing real-data file fails the test instead of skipping it.
pub fn data_required() -> bool {
    std::env::var(REQUIRE_DATA).is_ok_and(|v| v == "1")
}

/// The real file `name` in the data directory, plain preferred over `.gz`; `None` (said on
/// stderr) when neither is there, a failed test when the data is required.
pub fn real_file(name: &str) -> Option<PathBuf> {
    let dir = data_dir();
    if let Some(path) = [name.to_string(), format!("{name}.gz")].iter().map(|n| dir.join(n)).find(|p| p.is_file()) {
        return Some(path);
    }
    let absent = format!("the real Walmart data is absent (looked for {name}[.gz] in {}; set SHELFCAST_DATA_DIR)", dir.display());
    assert!(!data_required(), "{REQUIRE_DATA} is set and {absent}");
    eprintln!("SKIPPED: {absent}");
    None
}

/// The real train.csv, ingested.
pub fn real_train() -> Option<shelfcast_core::Frame> {
    let path = real_file("train.csv")?;
    let bytes = std::fs::read(&path).expect("readable data file");
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let table = shelfcast_core::ingest::read_table(&name, &bytes, &shelfcast_core::ingest::TRAIN, &mut |_| {});
    Some(table.expect("the real train.csv ingests").frame)
}
