//! Runs kept in the browser: the glue between the pages and the IndexedDB store.
//!
//! Every finished run (failed ones too, as MLflow keeps them) is written to IndexedDB with its
//! model, and the list in [`AppState::runs`] is refreshed from it, so it survives a reload. Storage errors
//! go on screen; they never discard what is already stored. Other tabs hear of each change
//! (`tab_sync`) and read the store again.

use leptos::prelude::*;
use shelfcast_core::tracking::{RunRecord, RunStore};

use crate::state::AppState;
use crate::tab_sync::{self, Changed};
use crate::storage::{request_persistence, IndexedDbStore, DATABASE_NAME as DATABASE};

async fn refresh(state: AppState, store: &IndexedDbStore) {
    match store.list_runs().await {
        Ok(listing) => {
            state.runs.set(listing.runs);
            state.damaged.set(listing.damaged);
        }
        Err(e) => state.error.set(Some(format!("cannot list the stored runs: {e}"))),
    }
}

/// Loads the stored runs at start-up, and asks the browser not to evict them.
pub async fn load(state: AppState) {
    reload(state).await;
    let _ = request_persistence().await;
}

/// Reads the stored runs again (another tab changed them).
pub async fn reload(state: AppState) {
    match IndexedDbStore::open(DATABASE).await {
        Ok(store) => refresh(state, &store).await,
        Err(e) => state.error.set(Some(format!("cannot open the run store: {e}"))),
    }
}

/// Keeps a finished run, and its model first (a listed run whose model is missing would look
/// registrable).
pub async fn save(state: AppState, record: RunRecord, model: Option<String>) {
    let mut store = match IndexedDbStore::open(DATABASE).await {
        Ok(store) => store,
        Err(e) => return state.error.set(Some(format!("cannot open the run store: {e}"))),
    };
    if let Some(model) = model {
        if let Err(e) = store.put_model_json(&record.run_id, &model).await {
            state.error.set(Some(format!("cannot store the model of run {}: {e}", record.run_id)));
        }
    }
    if let Err(e) = store.put_run(&record).await {
        state.error.set(Some(format!("cannot store run {}: {e}", record.run_id)));
    }
    refresh(state, &store).await;
    tab_sync::announce(Changed::Runs);
}

/// Deletes what is stored under `key`: a run by its id, or a damaged record by its key.
pub async fn delete(state: AppState, key: String) {
    let mut store = match IndexedDbStore::open(DATABASE).await {
        Ok(store) => store,
        Err(e) => return state.error.set(Some(format!("cannot open the run store: {e}"))),
    };
    if let Err(e) = store.delete_run(&key).await {
        state.error.set(Some(format!("cannot delete {key}: {e}")));
    }
    refresh(state, &store).await;
    tab_sync::announce(Changed::Runs);
}
