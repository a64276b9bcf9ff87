//! The loaded files kept in this browser, as the pages use them: kept once a run has read
//! them (or the worker has taken a file beside the sales), given back to the worker at
//! start-up, moved when the setting changes, forgotten on request; and how much storage the
//! app uses (`navigator.storage.estimate()`).
//!
//! Where they are kept is `storage::kept_files`. A refusal for quota goes on screen naming
//! what did not fit; the files and runs kept before are untouched (every write is
//! all-or-nothing).

use leptos::prelude::*;
use shelfcast_app::storage::kept_files::{fresh_name, FileKeeper, KeptFile, KeptFiles, Keeper, KEEP_IN_INDEXEDDB, KEEP_IN_KEY};
use shelfcast_app::storage::is_storage_full;

use crate::state::{AppState, KeptView};
use crate::worker_client::{Engine, HeldFile};

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Megabytes, as the pages write sizes.
pub fn megabytes(bytes: f64) -> String {
    format!("{:.1} MB", bytes / 1_000_000.0)
}

async fn keeper(state: AppState) -> Keeper {
    Keeper::chosen(state.keep_in_indexeddb.get_untracked()).await
}

/// At start-up: reads the setting, gives the worker the kept files, if any, and reads the
/// storage estimate.
pub async fn restore(engine: Engine, state: AppState) {
    let forced = local_storage().and_then(|s| s.get_item(KEEP_IN_KEY).ok().flatten()).is_some_and(|v| v == KEEP_IN_INDEXEDDB);
    state.keep_in_indexeddb.set(forced);
    let keeper = keeper(state).await;
    match keeper.kept().await {
        Ok((manifest, pairs)) if !pairs.is_empty() => {
            let names: Vec<String> = manifest.files.iter().map(|f| f.name.clone()).collect();
            state.kept.set(Some(KeptView { files: manifest, place: keeper.place() }));
            let held = pairs.into_iter().map(|(file, blob)| HeldFile { name: file.name, blob, fingerprint: file.fingerprint }).collect();
            engine.load(held);
            state.status.set(format!("{} kept in this browser: loaded again, no need to read it.", names.join(", ")));
        }
        Ok(_) => {}
        Err(e) => state.error.set(Some(format!("the files kept in this browser cannot be read ({e}); load them again, or Forget data"))),
    }
    refresh_estimate(state).await;
}

/// Keeps `files` for the next visit, in place of the kept files of their roles. A file kept
/// already (same name, size and fingerprint) is not written again.
pub async fn keep(state: AppState, files: Vec<HeldFile>) {
    let keeper = keeper(state).await;
    // A damaged list is replaced: what it named cannot be given back anyway.
    let current = keeper.kept().await.map(|(manifest, _)| manifest).unwrap_or_default();
    let now = js_sys::Date::now();
    let fresh: Vec<&HeldFile> = files
        .iter()
        .filter(|f| {
            let size = f.blob.size();
            !current.files.iter().any(|k| k.name == f.name && k.size == size && k.fingerprint.is_some() && k.fingerprint == f.fingerprint)
        })
        .collect();
    if fresh.is_empty() {
        return refresh_estimate(state).await;
    }
    let added: Vec<KeptFile> = fresh
        .iter()
        .map(|f| KeptFile { name: f.name.clone(), stored_as: fresh_name(&f.name, now), size: f.blob.size(), fingerprint: f.fingerprint.clone(), kept_at_ms: now })
        .collect();
    let manifest = current.with(&added);
    let new: Vec<(String, web_sys::Blob)> = added.iter().zip(&fresh).map(|(k, f)| (k.stored_as.clone(), f.blob.clone())).collect();
    match keeper.replace(&manifest, &new).await {
        Ok(()) => state.kept.set(Some(KeptView { files: manifest, place: keeper.place() })),
        Err(e) => {
            let names = added.iter().map(|f| format!("{} ({})", f.name, megabytes(f.size))).collect::<Vec<_>>().join(", ");
            let reason = if is_storage_full(&e) {
                "the browser's storage for this site is full".to_string()
            } else {
                e.to_string()
            };
            state.error.set(Some(format!(
                "{names} could not be kept in this browser: {reason}. It stays loaded until this page closes; \
                 the files and runs kept before are untouched. Deleting old runs on the Runs page makes room."
            )));
        }
    }
    refresh_estimate(state).await;
}

/// *Forget data*: deletes the kept files (in both places) and the worker lets go of its data.
/// Runs and models stay.
pub async fn forget(engine: Engine, state: AppState) {
    let keeper = keeper(state).await;
    let mut failure = keeper.forget().await.err();
    if let Some(other) = keeper.other().await {
        failure = failure.or(other.forget().await.err());
    }
    engine.unload();
    state.profile.set(None);
    match failure {
        None => {
            state.kept.set(None);
            state.error.set(None);
            state.status.set("The loaded files are forgotten: nothing of them is kept in this browser. Runs and models stay.".into());
        }
        Some(e) => state.error.set(Some(format!("cannot forget the kept files: {e}"))),
    }
    refresh_estimate(state).await;
}

/// The Data page's setting: keep the files in IndexedDB (`true`) or in the Origin Private File
/// System. The files kept now move to the new place; if they cannot, they stay where they are.
pub async fn set_keep_in_indexeddb(state: AppState, on: bool) {
    let from = keeper(state).await;
    if let Some(storage) = local_storage() {
        let _ = if on { storage.set_item(KEEP_IN_KEY, KEEP_IN_INDEXEDDB) } else { storage.remove_item(KEEP_IN_KEY) };
    }
    state.keep_in_indexeddb.set(on);
    let to = keeper(state).await;
    if from.place() == to.place() {
        return;
    }
    let moved = async {
        let (manifest, pairs) = from.kept().await?;
        let blobs: Vec<(String, web_sys::Blob)> = pairs.into_iter().map(|(file, blob)| (file.stored_as, blob)).collect();
        to.replace(&manifest, &blobs).await?;
        from.forget().await?;
        Ok::<KeptFiles, shelfcast_core::Error>(manifest)
    };
    match moved.await {
        Ok(manifest) if manifest.files.is_empty() => state.kept.set(None),
        Ok(manifest) => state.kept.set(Some(KeptView { files: manifest, place: to.place() })),
        Err(e) => state.error.set(Some(format!("cannot move the kept files to {}: {e}; they stay in {}", to.place(), from.place()))),
    }
    refresh_estimate(state).await;
}

/// Reads `navigator.storage.estimate()` into the state (nothing where the API is missing).
pub async fn refresh_estimate(state: AppState) {
    if let Some(estimate) = shelfcast_app::storage::storage_estimate().await {
        state.storage_use.set(Some(estimate));
    }
}
