//! Native half of the cross-platform determinism check (see `common/cross_platform.rs`).

#[path = "common/cross_platform.rs"]
mod cross_platform;

#[test]
fn native_fits_match_the_fixture_the_browser_is_checked_against() {
    let actual = cross_platform::predictions();
    if std::env::var_os("SHELFCAST_BLESS").is_some() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/cross_platform_predictions.json");
        std::fs::write(path, serde_json::to_string_pretty(&actual).unwrap() + "\n").expect("the fixture is writable");
        eprintln!("wrote the fixture; rebuild and run again to compare");
        return;
    }
    // Two fits in one process agree exactly.
    assert_eq!(actual, cross_platform::predictions());
    let differences = cross_platform::differences(&actual);
    assert!(differences.is_empty(), "native predictions differ from the fixture (SHELFCAST_BLESS=1 rewrites it after a deliberate change):\n{}", differences.join("\n"));
}
