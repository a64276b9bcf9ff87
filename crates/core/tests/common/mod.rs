//! What the integration tests share: the real data, read from `SHELFCAST_DATA_DIR` (default
//! `../shared/data/walmart` beside the repository). When it is absent, `real_train` says so on
//! stderr and returns `None`, and the test returns without asserting — unless
//! `SHELFCAST_REQUIRE_DATA=1` (CI sets it), when the absence fails the test.

use std::path::PathBuf;

use shelfcast_core::ingest::{read_table, TRAIN};
use shelfcast_core::Frame;

pub fn data_dir() -> PathBuf {
    std::env::var_os("SHELFCAST_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/walmart"))
}

/// The real train.csv (plain preferred over .gz), ingested.
pub fn real_train() -> Option<Frame> {
    let dir = data_dir();
    let Some(path) = ["train.csv", "train.csv.gz"].iter().map(|n| dir.join(n)).find(|p| p.exists()) else {
        let absent = format!("the real Walmart data is absent (looked for train.csv[.gz] in {}; set SHELFCAST_DATA_DIR)", dir.display());
        assert!(!data_required(), "SHELFCAST_REQUIRE_DATA is set and {absent}");
        eprintln!("SKIPPED: {absent}");
        return None;
    };
    let bytes = std::fs::read(&path).expect("readable data file");
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    Some(read_table(&name, &bytes, &TRAIN, &mut |_| {}).expect("the real train.csv ingests").frame)
}

/// Whether a missing real-data file fails the test (`SHELFCAST_REQUIRE_DATA=1`) instead of
/// skipping it.
pub fn data_required() -> bool {
    std::env::var("SHELFCAST_REQUIRE_DATA").is_ok_and(|v| v == "1")
}
