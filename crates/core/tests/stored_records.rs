//! Run records written by earlier builds, read through the in-memory store (the app's browser
//! tests read the same fixtures through IndexedDB).

#[path = "common/stored_records.rs"]
mod stored_records;

use shelfcast_core::tracking::{ready, MemoryRunStore, RunStore};

#[test]
fn records_written_by_earlier_builds_read_back_upgraded_and_intact() {
    let mut store = MemoryRunStore::default();
    for fixture in &stored_records::FIXTURES {
        store.put_raw(&stored_records::run_id(fixture.stored), fixture.stored.to_string());
    }
    let listing = ready(store.list_runs()).unwrap();
    assert_eq!(listing.damaged, []);
    assert_eq!(listing.runs.len(), stored_records::FIXTURES.len());
    for fixture in &stored_records::FIXTURES {
        let run_id = stored_records::run_id(fixture.stored);
        let run = ready(store.get_run(&run_id)).unwrap().expect("the stored run is found");
        fixture.check(&run);
        assert!(listing.runs.contains(&run));
        // Saved again, it is written in this build's version and reads back equal.
        ready(store.put_run(&run)).unwrap();
        assert_eq!(ready(store.get_run(&run_id)).unwrap(), Some(run));
    }
}
