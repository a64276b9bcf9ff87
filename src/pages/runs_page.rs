//! Runs: every recorded run, filtered with the core's run search, sortable; open one for its
//! details, delete it, download it.
//! Stored records that cannot be shown as runs (damaged, or written by a newer build) are
//! listed apart, with the reason, to export or delete: they never hide the good runs.

use leptos::prelude::*;
use shelfcast_core::calendar::format_timestamp_ms;
use shelfcast_core::run_search::Filter;
use shelfcast_core::tracking::{Headline, RunRecord, NOTE_TAG};

use crate::components::{download, state_name};
use crate::{model_registry, run_history};
use crate::state::{short_id, AppState};

#[derive(Clone, Copy, PartialEq, Eq)]
enum SortKey {
    Start,
    Model,
    Status,
    Wmae,
}

/// Where a run's headline sorts among other runs' for WMAE: one-step runs first, then
/// each forecast basis (e.g. 39-week forecast, 39-week backtest) by name, runs without a
/// figure last. Figures are compared only within one basis.
fn basis_rank(headline: &Option<Headline>) -> (u8, String) {
    match headline {
        Some(h) if h.basis == "one-step" => (0, String::new()),
        Some(h) => (1, h.basis.clone()),
        None => (2, String::new()),
    }
}

#[component]
pub fn RunsPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    let sort = RwSignal::new((SortKey::Start, true));
    let open = state.open_run;
    // The filter as typed, and what the core's run search makes of it.
    let filter_text = RwSignal::new(String::new());
    let filter = Memo::new(move |_| filter_text.with(|text| Filter::parse(text)));
    let sorted = move || {
        let (key, descending) = sort.get();
        let mut runs = state.runs.get();
        if let Ok(Some(filter)) = filter.get() {
            runs.retain(|run| filter.matches(run));
        }
        runs.sort_by(|a, b| {
            let order = match key {
                SortKey::Start => a.start_time_ms.cmp(&b.start_time_ms),
                SortKey::Model => a.params.get("model").cmp(&b.params.get("model")),
                SortKey::Status => format!("{:?}", a.status).cmp(&format!("{:?}", b.status)),
                SortKey::Wmae => {
                    // The basis groups stay in their order; the figures sort within each.
                    let (ha, hb) = (a.headline(), b.headline());
                    let within = ha.as_ref().map(|h| h.value).unwrap_or(0.0).total_cmp(&hb.as_ref().map(|h| h.value).unwrap_or(0.0));
                    let within = if descending { within.reverse() } else { within };
                    return basis_rank(&ha).cmp(&basis_rank(&hb)).then(within);
                }
            };
            if descending { order.reverse() } else { order }
        });
        runs
    };
    let rows = move || sorted().into_iter().map(|run| view! { <RunRow run=run open=open/> }).collect_view();
    let details = move || {
        let id = open.get()?;
        let run = state.runs.with(|runs| runs.iter().find(|r| r.run_id == id).cloned())?;
        Some(view! { <RunDetails run=run/> })
    };
    let caption = move || {
        let total = state.runs.with(Vec::len);
        let kept = match total { 1 => "1 run kept in this browser".to_string(), n => format!("{n} runs kept in this browser") };
        match filter.get() {
            Ok(Some(f)) => format!("{} of {kept}", state.runs.with(|runs| runs.iter().filter(|r| f.matches(r)).count())),
            _ => kept,
        }
    };
    view! {
        <section class="controls" aria-label="Filter runs">
            <label>
                "Filter "
                <input id="runs-filter" type="search" size="60" placeholder="params.model = 'gbdt' AND (metrics.test_wmae < 1400 OR tags.best = 'yes')"
                    prop:value=move || filter_text.get() on:input=move |ev| filter_text.set(event_target_value(&ev))/>
            </label>
            <span class="hint">"MLflow's search syntax (metrics., params., tags., attributes.; = != < <= > >= LIKE ILIKE IN), with OR and parentheses."</span>
            {move || filter.get().err().map(|e| view! { <p id="runs-filter-error" class="error" role="alert">{e.to_string()}</p> })}
        </section>
        <table id="runs" class="runs">
            <caption>{caption}</caption>
            <thead>
                <tr>
                    <SortHeader key=SortKey::Start label="started" sort=sort/>
                    <th>"run"</th>
                    <SortHeader key=SortKey::Model label="model" sort=sort/>
                    <SortHeader key=SortKey::Status label="status" sort=sort/>
                    <SortHeader key=SortKey::Wmae label="WMAE" sort=sort/>
                    <th title="One-step figures know last week's sales; forecast figures score every week from an origin over a horizon. They are never compared.">"measured on"</th>
                    <th>"dataset"</th>
                    <th></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        <DamagedRecords/>
        {details}
    }
}

/// A column header that sorts by `key`: descending first, the other way on a second click.
#[component]
fn SortHeader(key: SortKey, label: &'static str, sort: RwSignal<(SortKey, bool)>) -> impl IntoView {
    let direction = move || match sort.get() {
        (k, true) if k == key => Some(true),
        (k, false) if k == key => Some(false),
        _ => None,
    };
    view! {
        <th aria-sort=move || match direction() { Some(true) => "descending", Some(false) => "ascending", None => "none" }>
            <button class="sort" on:click=move |_| sort.update(|(k, d)| if *k == key { *d = !*d } else { *k = key; *d = true })>
                {label}{move || match direction() { Some(true) => " ▼", Some(false) => " ▲", None => "" }}
            </button>
        </th>
    }
}

/// One stored run: what it was, and open, download, delete.
#[component]
fn RunRow(run: RunRecord, open: RwSignal<Option<String>>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let id = run.run_id.clone();
    let (id_open, id_delete) = (id.clone(), id.clone());
    let headline = run.headline();
    let wmae = headline.as_ref().map(|h| format!("{:.3}", h.value)).unwrap_or_default();
    let basis = headline.map(|h| h.basis).unwrap_or_default();
    let record = run.clone();
    view! {
        <tr class="run" data-run-id=id.clone()>
            <td>{format_timestamp_ms(run.start_time_ms)}</td>
            <td><code>{short_id(&id)}</code></td>
            <td>{run.params.get("model").cloned().unwrap_or_default()}</td>
            <td>{format!("{:?}", run.status).to_uppercase()}</td>
            <td class="num">{wmae}</td>
            <td class="basis">{basis}</td>
            <td>{run.dataset.digest.get(..12).unwrap_or_default().to_string()}</td>
            <td class="actions">
                <button on:click=move |_| open.set(Some(id_open.clone()))>"Open"</button>
                <button on:click=move |_| download(&format!("shelfcast-run-{}.json", record.run_id), &record.to_json(), "application/json")>"Download JSON"</button>
                <button class="danger" on:click=move |_| leptos::task::spawn_local(run_history::delete(state, id_delete.clone()))>"Delete"</button>
            </td>
        </tr>
    }
}

/// Everything a run recorded: experiment, status, data, parameters, metrics, stages.
#[component]
fn RunDetails(run: RunRecord) -> impl IntoView {
    let params = run.params.iter().map(|(k, v)| view! { <tr><td>{k.clone()}</td><td>{v.clone()}</td></tr> }).collect_view();
    let metrics = run.metrics.iter().map(|(k, v)| view! { <tr><td>{k.clone()}</td><td class="num">{format!("{v:.4}")}</td></tr> }).collect_view();
    let stages = run
        .stages
        .iter()
        .map(|s| view! { <tr><td>{s.stage.name()}</td><td>{state_name(s.state)}</td><td class="num">{format!("{:.1} ms", s.duration_ms)}</td><td>{s.display_message()}</td></tr> })
        .collect_view();
    let files = run.dataset.files.iter().map(|f| view! { <li>{format!("{}: {} rows, sha256 {}", f.name, f.rows, f.sha256)}</li> }).collect_view();
    let summary = format!(
        "Experiment {} · {:?} · started {} · {}",
        run.experiment,
        run.status,
        format_timestamp_ms(run.start_time_ms),
        if run.registrable { "registrable" } else { "not registrable" }
    );
    view! {
        <section id="run-details" class="details">
            <h2>{format!("Run {}", run.run_id)}</h2>
            <p>{summary}</p>
            {run.error.clone().map(|e| view! { <p class="error">{e}</p> })}
            <p>"Dataset digest " <code>{run.dataset.digest.clone()}</code></p>
            <ul>{files}</ul>
            <table><caption>"Parameters"</caption><tbody>{params}</tbody></table>
            <table><caption>"Metrics"</caption><tbody>{metrics}</tbody></table>
            <table><caption>"Stages"</caption><tbody>{stages}</tbody></table>
            <RegisterRun run=run.clone()/>
            <RunTags run=run.clone()/>
        </section>
    }
}

/// Registers the run's model under a name (an existing one, or a new one), as its next
/// version; the registry refuses a run it cannot take and says why.
#[component]
fn RegisterRun(run: RunRecord) -> impl IntoView {
    let state = expect_context::<AppState>();
    let name = RwSignal::new(state.registry.with_untracked(|r| r.first().map(|m| m.name.clone())).unwrap_or_else(|| "walmart".into()));
    let names = move || state.registry.with(|r| r.iter().map(|m| view! { <option value=m.name.clone()></option> }).collect_view());
    let versions = {
        let run_id = run.run_id.clone();
        move || {
            state.registry.with(|r| {
                r.iter()
                    .flat_map(|m| m.versions.iter().filter(|v| v.run_id == run_id).map(|v| format!("{} version {}", m.name, v.version)))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
        }
    };
    let run_id = run.run_id.clone();
    view! {
        <p class="controls" id="register">
            <label>"Register as " <input id="register-name" list="model-names" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/></label>
            <datalist id="model-names">{names}</datalist>
            <button id="register-run" on:click=move |_| leptos::task::spawn_local(model_registry::register(state, run_id.clone(), name.get_untracked()))>"Register model"</button>
            <span id="registered-as" class="hint">{move || { let v = versions(); if v.is_empty() { String::new() } else { format!("registered: {v}") } }}</span>
        </p>
    }
}

/// A run's tags and note, to change: MLflow's mutable part of a run, kept with the record
/// and searchable with the filter (`tags.KEY`, ``tags.`mlflow.note.content` ``).
#[component]
fn RunTags(run: RunRecord) -> impl IntoView {
    let state = expect_context::<AppState>();
    // Sets `key` to `value` on the run as last read from the store (not the one this view was
    // drawn from, which an earlier save may have changed) and stores it again; an empty value
    // removes the tag.
    let save = move |run: &RunRecord, key: &str, value: &str| {
        let latest = state.runs.with_untracked(|runs| runs.iter().find(|r| r.run_id == run.run_id).cloned());
        let mut changed = latest.unwrap_or_else(|| run.clone());
        match changed.set_tag(key, value) {
            Ok(()) => leptos::task::spawn_local(run_history::save(state, changed, None)),
            Err(e) => state.error.set(Some(e.to_string())),
        }
    };
    let rows = run
        .tags
        .iter()
        .filter(|(key, _)| key.as_str() != NOTE_TAG)
        .map(|(key, value)| {
            let (run, key_remove) = (run.clone(), key.clone());
            view! {
                <tr data-tag=key.clone()>
                    <td>{key.clone()}</td><td>{value.clone()}</td>
                    <td><button class="remove-tag" on:click=move |_| save(&run, &key_remove, "")>"Remove"</button></td>
                </tr>
            }
        })
        .collect_view();
    let (key, value) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let note = RwSignal::new(run.note().to_string());
    let (run_tag, run_note) = (run.clone(), run.clone());
    view! {
        <table id="run-tags"><caption>"Tags"</caption><tbody>{rows}</tbody></table>
        <p class="controls">
            <input id="tag-key" placeholder="key" prop:value=move || key.get() on:input=move |ev| key.set(event_target_value(&ev))/>
            <input id="tag-value" placeholder="value" prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
            <button id="set-tag" on:click=move |_| save(&run_tag, &key.get_untracked(), &value.get_untracked())>"Set tag"</button>
        </p>
        <label class="note">
            "Note "
            <textarea id="run-note" rows="3" cols="60" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))></textarea>
        </label>
        <button id="save-note" on:click=move |_| save(&run_note, NOTE_TAG, &note.get_untracked())>"Save note"</button>
    }
}

/// The stored records that cannot be shown as runs, with why, to export or delete; nothing
/// when there are none.
#[component]
fn DamagedRecords() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        let records = state.damaged.get();
        (!records.is_empty()).then(|| {
            let count = records.len();
            let rows = records
                .into_iter()
                .map(|record| {
                    let (key_export, key_delete) = (record.key.clone(), record.key.clone());
                    let stored = record.stored.clone();
                    view! {
                        <tr class="damaged" data-key=record.key.clone()>
                            <td><code>{record.key.clone()}</code></td>
                            <td class="problem">{record.problem.to_string()}</td>
                            <td class="actions">
                                <button on:click=move |_| download(&format!("shelfcast-stored-{key_export}.json"), &stored, "application/json")>"Export"</button>
                                <button class="danger" on:click=move |_| leptos::task::spawn_local(run_history::delete(state, key_delete.clone()))>"Delete"</button>
                            </td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <table id="damaged-records" class="runs">
                    <caption>{if count == 1 { "1 stored record cannot be shown as a run".to_string() } else { format!("{count} stored records cannot be shown as runs") }}</caption>
                    <thead><tr><th>"key"</th><th>"why"</th><th></th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            }
        })
    }
}
