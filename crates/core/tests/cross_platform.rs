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

/// The comparison itself can fail: a changed prediction, a fit the fixture lacks and a
/// fixture entry nothing produced are each reported.
#[test]
fn the_comparison_reports_every_kind_of_difference() {
    use std::collections::BTreeMap;
    let fixture = r#"{"kept": [1.0, 2.0], "orphan": [3.0]}"#;
    let actual = BTreeMap::from([("kept".to_string(), vec![1.0, 2.5]), ("new".to_string(), vec![4.0])]);
    assert_eq!(
        cross_platform::differences_from(fixture, &actual),
        ["orphan: in the fixture, but no fit produced it", "kept: row 1 predicts 2.5, the fixture 2", "new: not in the fixture"]
    );
    let same = BTreeMap::from([("kept".to_string(), vec![1.0, 2.0 + 1e-12]), ("orphan".to_string(), vec![3.0])]);
    assert!(cross_platform::differences_from(fixture, &same).is_empty());
}
