//! Data: load the CSVs (or the sample) and see what was read.

use leptos::prelude::*;

use std::sync::Arc;

use shelfcast_core::profile::{ColumnProfile, DataProfile};

use leptos::task::spawn_local;

use crate::components::MiniHistogram;
use crate::kept_data::{self, megabytes};
use crate::state::AppState;
use crate::worker_client::Engine;

fn files_of(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    list.map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect()).unwrap_or_default()
}

#[component]
pub fn DataPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <DataInputs/>
        {move || state.profile.get().map(|profile| view! { <DataProfileView profile=profile/> })}
    }
}

/// The sample button, the file inputs, the drop zone and the list of files the engine holds.
#[component]
fn DataInputs() -> impl IntoView {
    let state = expect_context::<AppState>();
    let engine = expect_context::<Engine>();
    let picked = |ev: &leptos::ev::Event| -> Vec<web_sys::File> {
        let input: web_sys::HtmlInputElement = event_target(ev);
        let files = files_of(input.files());
        // Picking the same file again after fixing it must fire again.
        input.set_value("");
        files
    };
    let on_files = move |ev: leptos::ev::Event| {
        let files = picked(&ev);
        if !files.is_empty() {
            engine.run_files(files);
        }
    };
    let on_join_files = move |ev: leptos::ev::Event| {
        let files = picked(&ev);
        if !files.is_empty() {
            engine.add_side_files(files);
        }
    };
    let dragging = RwSignal::new(false);
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        let files = files_of(ev.data_transfer().and_then(|t| t.files()));
        if !files.is_empty() && !state.busy.get_untracked() {
            engine.run_files(files);
        }
    };
    view! {
        <section
            class="controls drop-zone"
            class:dragging=move || dragging.get()
            aria-label="Data"
            on:dragover=move |ev: leptos::ev::DragEvent| {
                ev.prevent_default();
                dragging.set(true);
            }
            on:dragleave=move |_| dragging.set(false)
            on:drop=on_drop
        >
            <button id="use-sample" on:click=move |_| engine.run_sample() disabled=move || state.busy.get()>
                "Use sample data"
            </button>
            <label>
                "Or load train.csv (.csv or .csv.gz) "
                <input id="train-file" type="file" accept=".csv,.gz" multiple on:change=on_files disabled=move || state.busy.get()/>
            </label>
            <label>
                "Optional: features.csv, stores.csv (for the joins), test.csv (the weeks to forecast) "
                <input id="join-files" type="file" accept=".csv,.gz" multiple on:change=on_join_files disabled=move || state.busy.get()/>
            </label>
            <p class="hint">"Or drop the files here (train.csv with features.csv and stores.csv if you like). \
                Files are read in this browser only; nothing is uploaded anywhere. \
                The joins are switched on under Train & evaluate; test.csv is forecast on the Forecast page."</p>
            {move || {
                let files = state.inputs.get();
                (!files.is_empty()).then(|| view! { <p id="inputs">"Loaded: " {files.join(", ")}</p> })
            }}
        </section>
        <KeptFilesView/>
    }
}

/// What is kept in this browser for the next visit, where, how much storage the app uses, and
/// the actions on it.
#[component]
fn KeptFilesView() -> impl IntoView {
    let state = expect_context::<AppState>();
    let engine = expect_context::<Engine>();
    let kept = move || {
        state.kept.get().map(|kept| {
            let rows = kept.files.files.iter().map(|f| {
                let fingerprint = f.fingerprint.as_ref().map(|p| format!("sha256 {}…, {} rows", p.sha256.chars().take(12).collect::<String>(), p.rows)).unwrap_or_else(|| "not read by a run yet".into());
                let when = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(f.kept_at_ms)).to_iso_string().as_string().unwrap_or_default();
                view! {
                    <tr data-name=f.name.clone()>
                        <td>{f.name.clone()}</td>
                        <td class="num">{megabytes(f.size)}</td>
                        <td>{fingerprint}</td>
                        <td>{when.chars().take(16).collect::<String>().replace('T', " ")}</td>
                    </tr>
                }
            }).collect_view();
            view! {
                <table id="kept-files" data-place=kept.place>
                    <caption>{format!("Kept in this browser ({}) for your next visit", kept.place)}</caption>
                    <thead><tr><th>"file"</th><th>"size"</th><th>"fingerprint"</th><th>"kept (UTC)"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            }
        })
    };
    let estimate = move || {
        state.storage_use.get().map(|(usage, quota)| {
            view! { <p id="storage-estimate">{format!("This app uses {} of the {} this browser grants it.", megabytes(usage), megabytes(quota))}</p> }
        })
    };
    view! {
        <section class="controls kept" aria-label="Kept data">
            {kept}
            {estimate}
            <label>
                <input id="keep-in-indexeddb" type="checkbox" prop:checked=move || state.keep_in_indexeddb.get()
                    on:change=move |ev| spawn_local(kept_data::set_keep_in_indexeddb(state, event_target_checked(&ev)))/>
                " Keep the files in IndexedDB instead of the Origin Private File System"
            </label>
            <button id="forget-data" on:click=move |_| spawn_local(kept_data::forget(engine, state))
                disabled=move || state.busy.get() || (state.kept.get().is_none() && state.inputs.get().is_empty())>
                "Forget data"
            </button>
            <p class="hint">"Loaded files are kept in this browser so that they are back after a reload; Forget data deletes them (runs and models stay)."</p>
        </section>
    }
}

/// What was read: the summary line, the first rows and every column's profile.
#[component]
fn DataProfileView(profile: Arc<DataProfile>) -> impl IntoView {
    let p = profile;
    let summary = format!(
        "{}: {} rows, {} columns{}{}",
        p.file,
        p.rows,
        p.columns.len(),
        match (&p.first_date, &p.last_date) { (Some(a), Some(b)) => format!(", {a} to {b}"), _ => String::new() },
        p.series.map(|s| format!(", {s} store-department series")).unwrap_or_default()
    );
    let header = p.columns.iter().map(|c| view! { <th>{c.clone()}</th> }).collect_view();
    let preview = p.preview.iter().map(|row| {
        view! { <tr>{row.iter().map(|cell| view! { <td>{cell.clone()}</td> }).collect_view()}</tr> }
    }).collect_view();
    let profiles = p.column_profiles.iter().map(|c| view! { <ColumnProfileRow column=c.clone()/> }).collect_view();
    view! {
        <p id="data-summary">{summary}</p>
        <table class="preview"><caption>"First rows"</caption><thead><tr>{header}</tr></thead><tbody>{preview}</tbody></table>
        <table id="profile" class="profile">
            <caption>"Column profile"</caption>
            <thead><tr><th>"column"</th><th>"type"</th><th>"nulls"</th><th>"min"</th><th>"max"</th><th>"mean"</th><th>"distinct"</th><th>"histogram"</th></tr></thead>
            <tbody>{profiles}</tbody>
        </table>
    }
}

/// One column of the profile: type, nulls, range, mean, distinct values, a small histogram.
#[component]
fn ColumnProfileRow(column: ColumnProfile) -> impl IntoView {
    let c = column;
    view! {
        <tr>
            <td>{c.name.clone()}</td>
            <td>{format!("{:?}", c.column_type).to_lowercase()}</td>
            <td class="num">{c.nulls}</td>
            <td class="num">{c.min.clone().unwrap_or_default()}</td>
            <td class="num">{c.max.clone().unwrap_or_default()}</td>
            <td class="num">{c.mean.map(|m| format!("{m:.2}")).unwrap_or_default()}</td>
            <td class="num">{c.distinct}</td>
            <td><MiniHistogram bins=c.histogram.clone()/></td>
        </tr>
    }
}
