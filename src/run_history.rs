//! Runs kept in the browser: the glue between the pages and the IndexedDB store.
//!
//! Every finished run (failed ones too, as MLflow keeps them) is written to IndexedDB with its
//! detail and its model, and the list in [`AppState::runs`] is refreshed from it, so it
//! survives a reload; opening a stored run reads its detail back and puts it on screen.
//! Experiments are kept beside the runs, and the one new runs go into is remembered in
//! `localStorage`. Storage errors go on screen; they never discard what is already stored.
//! Other tabs hear of each change (`tab_sync`) and read the store again.

use std::sync::Arc;

use leptos::prelude::*;
use shelfcast_app::protocol::RunResult;
use shelfcast_core::pipeline::{RunDetail, RunDetailStore};
use shelfcast_core::tracking::{experiments_of, RunRecord, RunStore};

use crate::state::{short_id, AppState};
use crate::storage::{is_storage_full, request_persistence, IndexedDbStore, DATABASE_NAME as DATABASE};
use crate::tab_sync::{self, Changed};

/// What the page says while an older build's tab keeps the database from being upgraded.
const WAITING_FOR_OLD_TAB: &str = "Another tab has this app's stored runs open with an older version of Shelfcast; \
     close or reload that tab and this one goes on by itself (nothing stored is lost)";

/// Where the chosen experiment is remembered across reloads.
const EXPERIMENT_KEY: &str = "shelfcast.experiment";

async fn refresh(state: AppState, store: &mut IndexedDbStore) {
    let listing = match store.list_runs().await {
        Ok(listing) => listing,
        Err(e) => return state.error.set(Some(format!("cannot list the stored runs: {e}"))),
    };
    match experiments_of(store, &listing.runs).await {
        Ok(experiments) => {
            // An experiment remembered from a store since cleared falls back to the default.
            if experiments.get(&state.experiment.get_untracked()).is_none() {
                state.experiment.set(shelfcast_core::tracking::DEFAULT_EXPERIMENT_ID.into());
            }
            state.experiments.set(experiments);
        }
        Err(e) => state.error.set(Some(format!("cannot read the experiments: {e}"))),
    }
    state.runs.set(listing.runs);
    state.damaged.set(listing.damaged);
}

/// The app's database, or `None` with the reason on screen ("cannot open the `what`: …").
pub(crate) async fn open_store_for(state: AppState, what: &str) -> Option<IndexedDbStore> {
    // An older build's tab that holds the database open delays the upgrade: say so, and go
    // on once it lets go.
    let label = what.to_string();
    let blocked = move || state.error.set(Some(format!("{WAITING_FOR_OLD_TAB} (to open the {label})")));
    match IndexedDbStore::open_waiting(DATABASE, blocked).await {
        Ok(store) => {
            if state.error.with_untracked(|e| e.as_ref().is_some_and(|e| e.starts_with(WAITING_FOR_OLD_TAB))) {
                state.error.set(None);
            }
            Some(store)
        }
        Err(e) => {
            state.error.set(Some(format!("cannot open the {what}: {e}")));
            None
        }
    }
}

async fn open_store(state: AppState) -> Option<IndexedDbStore> {
    open_store_for(state, "run store").await
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Loads the stored runs at start-up, and asks the browser not to evict them.
pub async fn load(state: AppState) {
    if let Some(id) = local_storage().and_then(|s| s.get_item(EXPERIMENT_KEY).ok().flatten()) {
        state.experiment.set(id);
    }
    reload(state).await;
    let _ = request_persistence().await;
}

/// Reads the stored runs again (another tab changed them).
pub async fn reload(state: AppState) {
    if let Some(mut store) = open_store(state).await {
        refresh(state, &mut store).await;
    }
}

/// Keeps a run: its model and its detail first (a listed run whose model is missing would
/// look registrable, one whose detail is missing would open empty), then the record.
/// All three in one transaction: a refusal (a full quota) stores none of them and leaves every
/// earlier run as it was.
pub async fn save(state: AppState, record: RunRecord, detail: Option<RunDetail>, model: Option<String>) {
    let Some(mut store) = open_store(state).await else { return };
    if let Err(e) = store.put_run_whole(&record, detail.as_ref(), model.as_deref()).await {
        let run = short_id(&record.run_id);
        state.error.set(Some(if is_storage_full(&e) {
            let size = record.to_json().len() + detail.as_ref().map_or(0, |d| d.to_json().len()) + model.as_ref().map_or(0, String::len);
            format!(
                "run {run} could not be stored ({}: its record, what it showed and its model): the browser's storage for this site is full. \
                 Every run stored before is untouched; delete runs you no longer need, or Forget data, and run again.",
                crate::kept_data::megabytes(size as f64)
            )
        } else {
            format!("cannot store run {run}: {e}")
        }));
    }
    refresh(state, &mut store).await;
    tab_sync::announce(Changed::Runs);
    crate::kept_data::refresh_estimate(state).await;
}

/// Keeps a run's detail again (a series was opened).
pub async fn save_detail(state: AppState, detail: RunDetail) {
    let Some(mut store) = open_store(state).await else { return };
    if let Err(e) = store.put_detail(&detail).await {
        state.error.set(Some(format!("cannot store what run {} showed: {e}", detail.run_id)));
    }
}

/// Opens a stored run: reads its detail and puts the run on screen (Contracts, Train and
/// Forecast pages), as it was when it finished.
pub async fn open(state: AppState, run_id: String) {
    state.open_run.set(Some(run_id.clone()));
    let Some(store) = open_store(state).await else { return };
    let record = match store.get_run(&run_id).await {
        Ok(Some(record)) => record,
        Ok(None) => return state.error.set(Some(format!("run {} is no longer stored", short_id(&run_id)))),
        Err(e) => return state.error.set(Some(format!("cannot read run {}: {e}", short_id(&run_id)))),
    };
    match store.get_detail(&run_id).await {
        Ok(Some(detail)) => {
            state.show_result(Arc::new(RunResult { record, detail }));
            state.status.set(format!("Showing stored run {}.", short_id(&run_id)));
        }
        Ok(None) => state.status.set(format!("Run {} was stored before runs kept their charts and contract results: its summary is below.", short_id(&run_id))),
        Err(e) => state.error.set(Some(format!("cannot read what run {} showed: {e}", short_id(&run_id)))),
    }
}

/// Deletes what is stored under `key`: a run by its id (with its detail), or a damaged
/// record by its key.
pub async fn delete(state: AppState, key: String) {
    let Some(mut store) = open_store(state).await else { return };
    if let Err(e) = store.delete_run(&key).await {
        state.error.set(Some(format!("cannot delete {key}: {e}")));
    }
    refresh(state, &mut store).await;
    tab_sync::announce(Changed::Runs);
}

/// New runs go into experiment `experiment_id` (remembered across reloads).
pub fn switch_experiment(state: AppState, experiment_id: String) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(EXPERIMENT_KEY, &experiment_id);
    }
    state.experiment.set(experiment_id);
}

/// Creates an experiment and switches to it.
pub async fn create_experiment(state: AppState, name: String) {
    let mut experiments = state.experiments.get_untracked();
    let created = match experiments.create(&name, js_sys::Date::now() as i64) {
        Ok(created) => created,
        Err(e) => return state.error.set(Some(e.to_string())),
    };
    let Some(mut store) = open_store(state).await else { return };
    if let Err(e) = store.put_experiment(&created).await {
        return state.error.set(Some(format!("cannot store experiment {name:?}: {e}")));
    }
    state.error.set(None);
    switch_experiment(state, created.experiment_id);
    refresh(state, &mut store).await;
    tab_sync::announce(Changed::Runs);
}

/// Renames an experiment; its runs stay in it.
pub async fn rename_experiment(state: AppState, experiment_id: String, name: String) {
    let mut experiments = state.experiments.get_untracked();
    let renamed = match experiments.rename(&experiment_id, &name, js_sys::Date::now() as i64) {
        Ok(renamed) => renamed,
        Err(e) => return state.error.set(Some(e.to_string())),
    };
    let Some(mut store) = open_store(state).await else { return };
    if let Err(e) = store.put_experiment(&renamed).await {
        return state.error.set(Some(format!("cannot rename the experiment: {e}")));
    }
    state.error.set(None);
    refresh(state, &mut store).await;
    tab_sync::announce(Changed::Runs);
}

/// The stored details of `run_ids` (those that have one), in that order.
pub async fn details(state: AppState, run_ids: Vec<String>) -> Vec<RunDetail> {
    let Some(store) = open_store(state).await else { return Vec::new() };
    let mut found = Vec::new();
    for run_id in run_ids {
        match store.get_detail(&run_id).await {
            Ok(Some(detail)) => found.push(detail),
            Ok(None) => {}
            Err(e) => state.error.set(Some(format!("cannot read what run {} showed: {e}", short_id(&run_id)))),
        }
    }
    found
}
