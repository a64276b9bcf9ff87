//! The registry kept in the browser: the glue between the Runs and Models pages and the
//! IndexedDB store. Every change is one of the core's registry operations
//! (`shelfcast_core::registry::update`), written back whole for the one model it changed; a
//! refused change writes nothing and says why on screen.

use leptos::prelude::*;
use shelfcast_core::registry::{update, ModelHead, ModelStore, ModelUri, Registry, Scoring};
use shelfcast_core::tracking::RunStore;

use crate::state::AppState;
use crate::tab_sync::{self, Changed};
use crate::storage::IndexedDbStore;
use crate::worker_client::Engine;

fn now() -> i64 {
    js_sys::Date::now() as i64
}

async fn open(state: AppState) -> Option<IndexedDbStore> {
    crate::run_history::open_store_for(state, "model store").await
}

async fn refresh(state: AppState, store: &IndexedDbStore) {
    match store.registry().await {
        Ok(registry) => state.registry.set(registry.models.into_values().collect()),
        Err(e) => state.error.set(Some(format!("cannot read the registry: {e}"))),
    }
}

/// Loads the registry at start-up.
pub async fn load(state: AppState) {
    if let Some(store) = open(state).await {
        refresh(state, &store).await;
    }
}

/// Applies `change` to the registry and keeps the model `name`, then shows `done`'s message.
async fn change<T>(state: AppState, name: &str, change: impl FnOnce(&mut Registry) -> shelfcast_core::Result<T>, done: impl FnOnce(T) -> String) {
    let Some(mut store) = open(state).await else { return };
    match update(&mut store, name, change).await {
        Ok(out) => {
            state.error.set(None);
            state.status.set(done(out));
        }
        Err(e) => state.error.set(Some(e.to_string())),
    }
    refresh(state, &store).await;
    tab_sync::announce(Changed::Registry);
}

/// Registers run `run_id`'s stored model under `name`.
pub async fn register(state: AppState, run_id: String, name: String) {
    let Some(store) = open(state).await else { return };
    let run = match store.get_run(&run_id).await {
        Ok(Some(run)) => run,
        Ok(None) => return state.error.set(Some(format!("run {run_id} is not stored"))),
        Err(e) => return state.error.set(Some(e.to_string())),
    };
    let head = match store.get_model_json(&run_id).await {
        Ok(json) => json.map(|json| ModelHead::from_json(&json, &format!("the model of run {run_id}"))).transpose(),
        Err(e) => Err(e),
    };
    let head = match head {
        Ok(head) => head,
        Err(e) => return state.error.set(Some(e.to_string())),
    };
    drop(store);
    let label = name.clone();
    change(state, &name.clone(), move |r| r.register(&name, &run, head.as_ref(), now()), move |v| format!("Registered {label} version {v}.")).await;
}

pub async fn set_alias(state: AppState, name: String, alias: String, version: u32) {
    let message = format!("{name}@{alias} now points at version {version}.");
    change(state, &name.clone(), move |r| r.set_alias(&name, &alias, version, now()), move |_| message).await;
}

pub async fn delete_version(state: AppState, name: String, version: u32) {
    let message = format!("Deleted {name} version {version}.");
    change(state, &name.clone(), move |r| r.delete_version(&name, version, now()), move |_| message).await;
}

pub async fn set_alert_ratio(state: AppState, name: String, ratio: f64) {
    let message = format!("{name}: a version is flagged when its scored WMAE exceeds {ratio}× its training WMAE.");
    change(state, &name.clone(), move |r| r.set_alert_ratio(&name, ratio, now()), move |_| message).await;
}

/// Sets the description of a model (`version` `None`) or of one of its versions.
pub async fn set_description(state: AppState, name: String, version: Option<u32>, text: String) {
    let message = format!("{name}: description saved.");
    change(state, &name.clone(), move |r| r.set_description(&name, version, &text, now()), move |_| message).await;
}

/// Sets (or, with an empty value, removes) a tag of a model or one of its versions.
pub async fn set_tag(state: AppState, name: String, version: Option<u32>, key: String, value: String) {
    let message = format!("{name}: tag {key:?} {}.", if value.is_empty() { "removed" } else { "set" });
    change(state, &name.clone(), move |r| r.set_tag(&name, version, &key, &value, now()), move |_| message).await;
}

pub async fn record_scoring(state: AppState, name: String, version: u32, scoring: Scoring) {
    let Some(mut store) = open(state).await else { return };
    if let Err(e) = update(&mut store, &name, |r| r.record_scoring(&name, version, scoring)).await {
        state.error.set(Some(format!("cannot record the scoring on {name} version {version}: {e}")));
    }
    refresh(state, &store).await;
    tab_sync::announce(Changed::Registry);
}

/// Scores `file` with the version `uri` names: its stored model goes to the worker.
pub async fn score(state: AppState, engine: Engine, uri: String, file: web_sys::File) {
    let registry = Registry::from_models(state.registry.get_untracked());
    let version = match ModelUri::parse(&uri).and_then(|u| registry.resolve(&u).cloned().map(|v| (u.name, v))) {
        Ok(found) => found,
        Err(e) => return state.error.set(Some(e.to_string())),
    };
    let (name, version) = version;
    let Some(store) = open(state).await else { return };
    match store.get_model_json(&version.run_id).await {
        Ok(Some(model)) => engine.score(model, name, version.version, file),
        Ok(None) => state.error.set(Some(format!("the model of run {} ({name} version {}) is not stored in this browser", version.run_id, version.version))),
        Err(e) => state.error.set(Some(e.to_string())),
    }
}
