//! Tabs of the app agree: after a tab writes runs or the registry to IndexedDB it says so on a
//! `BroadcastChannel` (same origin only, nothing leaves the browser), and every other tab
//! reads the store again. A message is only a hint of what changed; the data is always read
//! from IndexedDB, so a lost or forged message can make a tab refresh, never show wrong data.

use std::cell::RefCell;

use gloo_events::EventListener;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use web_sys::{BroadcastChannel, MessageEvent};

use crate::state::AppState;
use crate::{model_registry, run_history};

/// The channel's name.
const CHANNEL: &str = "shelfcast-store";

/// What changed in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changed {
    Runs,
    Registry,
}

impl Changed {
    fn text(self) -> &'static str {
        match self {
            Changed::Runs => "runs",
            Changed::Registry => "registry",
        }
    }
}

thread_local! {
    static CHANNEL_HANDLE: RefCell<Option<BroadcastChannel>> = const { RefCell::new(None) };
}

/// Opens the channel and refreshes this tab's runs or registry when another tab changed them.
/// Where the browser has no `BroadcastChannel`, tabs simply do not hear each other.
pub fn start(state: AppState) {
    let Ok(channel) = BroadcastChannel::new(CHANNEL) else { return };
    EventListener::new(&channel, "message", move |event| {
        match event.unchecked_ref::<MessageEvent>().data().as_string().as_deref() {
            Some("runs") => spawn_local(run_history::reload(state)),
            Some("registry") => spawn_local(model_registry::load(state)),
            _ => {}
        }
    })
    .forget();
    CHANNEL_HANDLE.with(|c| *c.borrow_mut() = Some(channel));
}

/// Tells the other tabs that this tab changed the store.
pub fn announce(changed: Changed) {
    CHANNEL_HANDLE.with(|c| {
        if let Some(channel) = c.borrow().as_ref() {
            let _ = channel.post_message(&changed.text().into());
        }
    });
}
