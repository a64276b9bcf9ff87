//! Runs: every recorded run, by experiment, filtered with the core's run search, sorted by any
//! column, with the columns chosen; rows are drawn as they scroll into view, so a thousand
//! runs list as fast as ten. Open one for what it showed (read from its stored detail), pick
//! 2–20 to compare, delete or download one.
//! Stored records that cannot be shown as runs (damaged, or written by a newer build) are
//! listed apart, with the reason, to export or delete: they never hide the good runs.

use std::cmp::Ordering;
use std::sync::Arc;

use leptos::prelude::*;
use crate::components::figure::{Layout, Mode, Plot, Trace};
use shelfcast_app::protocol::RunResult;
use shelfcast_core::calendar::format_timestamp_ms;
use shelfcast_core::run_search::{Filter, SearchError};
use shelfcast_core::tracking::compare::{Field, COMPARE_RUNS};
use shelfcast_core::tracking::{Experiments, Headline, RunRecord, NOTE_TAG};

use super::compare_view::CompareView;
use super::contracts_page::suite_table;
use crate::components::{download, state_name, Chart};
use crate::{model_registry, run_history};
use crate::state::{short_id, AppState};

/// How tall a row of the runs table is, in CSS pixels (`tr.run` in `style.css`): the table
/// draws only the rows in view, and places them by this.
const ROW_HEIGHT: f64 = 36.0;
/// Rows drawn above and below the ones in view, so a scroll shows no gap.
const OVERSCAN: usize = 10;
/// Rows in view at most (the scroll box is at most 70 % of a tall window).
const VIEW_ROWS: usize = 30;

/// A column of the runs table.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Column {
    Started,
    Experiment,
    Model,
    Status,
    Wmae,
    Basis,
    Dataset,
    /// A param or a metric, as the search names it.
    Field(Field),
}

impl Column {
    const BASE: [Column; 7] = [Column::Started, Column::Experiment, Column::Model, Column::Status, Column::Wmae, Column::Basis, Column::Dataset];

    fn label(&self) -> String {
        match self {
            Column::Started => "started".into(),
            Column::Experiment => "experiment".into(),
            Column::Model => "model".into(),
            Column::Status => "status".into(),
            Column::Wmae => "WMAE".into(),
            Column::Basis => "measured on".into(),
            Column::Dataset => "dataset".into(),
            Column::Field(field) => field.name(),
        }
    }

    /// The cell's text for `run`.
    fn cell(&self, run: &RunRecord, experiments: &Experiments) -> String {
        match self {
            Column::Started => format_timestamp_ms(run.start_time_ms),
            Column::Experiment => experiments.name_of(run).to_string(),
            Column::Model => run.params.get("model").cloned().unwrap_or_default(),
            Column::Status => format!("{:?}", run.status).to_uppercase(),
            Column::Wmae => run.headline().map(|h| format!("{:.3}", h.value)).unwrap_or_default(),
            Column::Basis => run.headline().map(|h| h.basis).unwrap_or_default(),
            Column::Dataset => run.dataset.digest.get(..12).unwrap_or_default().to_string(),
            Column::Field(field) => field.text(run).unwrap_or_default(),
        }
    }

    /// `ascending` turned round; for WMAE only within a basis (the groups keep their order).
    fn descending(&self, ascending: Ordering, a: &RunRecord, b: &RunRecord) -> Ordering {
        match self {
            Column::Wmae if basis_rank(&a.headline()) != basis_rank(&b.headline()) => ascending,
            _ => ascending.reverse(),
        }
    }

    /// The cells' class: `col-` and the column's name (a param or metric: `col-field`).
    fn class(&self) -> &'static str {
        match self {
            Column::Started => "col-started",
            Column::Experiment => "col-experiment",
            Column::Model => "col-model",
            Column::Status => "col-status",
            Column::Wmae => "col-wmae num",
            Column::Basis => "col-basis",
            Column::Dataset => "col-dataset",
            Column::Field(Field::Metric(_)) => "col-field num",
            Column::Field(Field::Param(_)) => "col-field",
        }
    }

    fn numeric(&self) -> bool {
        matches!(self, Column::Wmae | Column::Field(Field::Metric(_)))
    }

    /// The order of two runs by this column, ascending.
    fn order(&self, a: &RunRecord, b: &RunRecord, experiments: &Experiments) -> Ordering {
        match self {
            Column::Started => a.start_time_ms.cmp(&b.start_time_ms),
            Column::Wmae => {
                // The basis groups stay in their order; the figures sort within each.
                let (ha, hb) = (a.headline(), b.headline());
                basis_rank(&ha).cmp(&basis_rank(&hb)).then_with(|| value_of(&ha).total_cmp(&value_of(&hb)))
            }
            Column::Field(Field::Metric(name)) => {
                let value = |r: &RunRecord| r.metrics.get(name).copied().unwrap_or(f64::INFINITY);
                value(a).total_cmp(&value(b))
            }
            _ => self.cell(a, experiments).cmp(&self.cell(b, experiments)),
        }
    }
}

fn value_of(headline: &Option<Headline>) -> f64 {
    headline.as_ref().map_or(f64::INFINITY, |h| h.value)
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
    // The column sorted by, and whether descending (the WMAE basis groups never flip).
    let sort = RwSignal::new((Column::Started, true));
    let columns = RwSignal::new(Column::BASE.to_vec());
    let all_experiments = RwSignal::new(false);
    let comparing = RwSignal::new(false);
    let open = state.open_run;
    // The filter as typed, and what the core's run search makes of it.
    let filter_text = RwSignal::new(String::new());
    let filter = Memo::new(move |_| filter_text.with(|text| Filter::parse(text)));
    // The listed runs as indexes into `state.runs`, filtered and sorted: rows are drawn from
    // it as they scroll into view, so no task touches every row's view.
    let listed = Memo::new(move |_| {
        let (column, descending) = sort.get();
        let experiment = (!all_experiments.get()).then(|| state.experiment.get());
        let filter = filter.get();
        state.experiments.with(|experiments| {
            state.runs.with(|runs| {
                let mut indexes: Vec<usize> = (0..runs.len())
                    .filter(|&i| experiment.as_ref().is_none_or(|id| &runs[i].experiment_id == id))
                    .filter(|&i| match &filter {
                        Ok(Some(f)) => f.matches(&runs[i]),
                        _ => true,
                    })
                    .collect();
                indexes.sort_by(|&a, &b| {
                    let (a, b) = (&runs[a], &runs[b]);
                    let order = column.order(a, b, experiments);
                    let order = if descending { column.descending(order, a, b) } else { order };
                    // Ties newest first, then by id, whichever way the column sorts.
                    order.then_with(|| b.start_time_ms.cmp(&a.start_time_ms)).then_with(|| a.run_id.cmp(&b.run_id))
                });
                indexes
            })
        })
    });
    let scroll_top = RwSignal::new(0.0_f64);
    let first = move || ((scroll_top.get() / ROW_HEIGHT) as usize).saturating_sub(OVERSCAN);
    let rows = move || {
        let listed = listed.get();
        let from = first().min(listed.len());
        let to = (from + VIEW_ROWS + 2 * OVERSCAN).min(listed.len());
        let chosen = columns.get();
        let experiments = state.experiments.get();
        let drawn = state.runs.with(|runs| listed[from..to].iter().map(|&i| runs[i].clone()).collect::<Vec<_>>());
        let height = |rows: usize| format!("height: {}px", rows as f64 * ROW_HEIGHT);
        view! {
            <tr class="spacer" aria-hidden="true" style=height(from)></tr>
            {drawn.into_iter().map(|run| view! { <RunRow run=run columns=chosen.clone() experiments=experiments.clone()/> }).collect_view()}
            <tr class="spacer" aria-hidden="true" style=height(listed.len() - to)></tr>
        }
    };
    let headers = move || {
        columns.get().into_iter().map(|column| view! { <SortHeader column=column sort=sort/> }).collect_view()
    };
    let details = move || {
        let id = open.get()?;
        let run = state.runs.with(|runs| runs.iter().find(|r| r.run_id == id).cloned())?;
        Some(view! { <RunDetails run=run/> })
    };
    let caption = move || {
        let total = state.runs.with(Vec::len);
        let kept = match total { 1 => "1 run kept in this browser".to_string(), n => format!("{n} runs kept in this browser") };
        match listed.with(Vec::len) {
            shown if shown == total => kept,
            shown => format!("{shown} of {kept}"),
        }
    };
    view! {
        <Experiments all=all_experiments/>
        <section class="controls" aria-label="Filter runs">
            <label>
                "Filter "
                <input id="runs-filter" type="search" size="60" placeholder="params.model = 'gbdt' AND (metrics.test_wmae < 1400 OR tags.best = 'yes')"
                    prop:value=move || filter_text.get() on:input=move |ev| filter_text.set(event_target_value(&ev))/>
            </label>
            <span class="hint">"MLflow's search syntax (metrics., params., tags., attributes.; = != < <= > >= LIKE ILIKE IN), with OR and parentheses."</span>
            {move || filter.get().err().map(|e| view! { <FilterError expression=filter_text.get_untracked() error=e/> })}
            <ColumnChooser columns=columns/>
            <CompareButton comparing=comparing/>
        </section>
        <div id="runs-scroll" class="runs-scroll" on:scroll=move |ev| scroll_top.set(event_target::<web_sys::Element>(&ev).scroll_top() as f64)>
            <table id="runs" class="runs">
                <caption>{caption}</caption>
                <thead>
                    <tr>
                        <th title="Choose 2 to 20 runs to compare">"compare"</th>
                        <th>"run"</th>
                        {headers}
                        <th></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <DamagedRecords/>
        {move || comparing.get().then(|| view! { <CompareView/> })}
        {details}
    }
}

/// A search error, with a caret under the column it names.
#[component]
fn FilterError(expression: String, error: SearchError) -> impl IntoView {
    let caret = format!("{}^", " ".repeat(error.column.saturating_sub(1)));
    view! {
        <div id="runs-filter-error" class="error" role="alert">
            <p>{error.to_string()}</p>
            <pre class="caret">{expression}"\n"{caret}</pre>
        </div>
    }
}

/// The experiment new runs go into (and whose runs are listed, unless all are), and creating
/// and renaming experiments.
#[component]
fn Experiments(all: RwSignal<bool>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let options = move || {
        let current = state.experiment.get();
        state.experiments.with(|experiments| {
            experiments
                .iter()
                .map(|e| view! { <option value=e.experiment_id.clone() selected=e.experiment_id == current>{e.name.clone()}</option> })
                .collect_view()
        })
    };
    let (new_name, rename) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let id = move || state.experiment.get_untracked();
    view! {
        <section class="controls" aria-label="Experiments">
            <label>"Experiment " <select id="experiment" on:change=move |ev| run_history::switch_experiment(state, event_target_value(&ev))>{options}</select></label>
            <label><input id="all-experiments" type="checkbox" prop:checked=move || all.get() on:change=move |ev| all.set(event_target_checked(&ev))/>" list all experiments"</label>
            <span>
                <input id="new-experiment-name" placeholder="new experiment" prop:value=move || new_name.get() on:input=move |ev| new_name.set(event_target_value(&ev))/>
                <button id="create-experiment" on:click=move |_| leptos::task::spawn_local(run_history::create_experiment(state, new_name.get_untracked()))>"Create"</button>
            </span>
            <span>
                <input id="rename-experiment-name" placeholder="new name" prop:value=move || rename.get() on:input=move |ev| rename.set(event_target_value(&ev))/>
                <button id="rename-experiment" on:click=move |_| leptos::task::spawn_local(run_history::rename_experiment(state, id(), rename.get_untracked()))>"Rename"</button>
            </span>
            <span class="hint">"New runs go into the chosen experiment."</span>
        </section>
    }
}

/// Which columns the table shows: the run's summary fields and any param or metric.
#[component]
fn ColumnChooser(columns: RwSignal<Vec<Column>>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let fields = Memo::new(move |_| state.runs.with(|runs| Field::all(runs.iter())));
    let toggle = move |column: Column, on: bool| {
        columns.update(|chosen| {
            chosen.retain(|c| c != &column);
            if on {
                chosen.push(column);
            }
        })
    };
    let boxes = move || {
        Column::BASE
            .into_iter()
            .chain(fields.get().into_iter().map(Column::Field))
            .map(|column| {
                let (label, checked, changed) = (column.label(), column.clone(), column.clone());
                view! {
                    <label class="column-choice" data-column=column.label()>
                        <input type="checkbox" prop:checked=move || columns.with(|c| c.contains(&checked)) on:change=move |ev| toggle(changed.clone(), event_target_checked(&ev))/>
                        {label}
                    </label>
                }
            })
            .collect_view()
    };
    view! { <details id="columns"><summary>"Columns"</summary><div class="column-list">{boxes}</div></details> }
}

/// A column header that sorts by `column`: descending first, the other way on a second click.
#[component]
fn SortHeader(column: Column, sort: RwSignal<(Column, bool)>) -> impl IntoView {
    let (is, toggled) = (column.clone(), column.clone());
    let is = StoredValue::new(is);
    let direction = move || sort.with(|(c, d)| is.with_value(|is| c == is).then_some(*d));
    let class = if column.numeric() { "num" } else { "" };
    view! {
        <th class=class aria-sort=move || match direction() { Some(true) => "descending", Some(false) => "ascending", None => "none" }>
            <button class="sort" on:click=move |_| sort.update(|(c, d)| if c == &toggled { *d = !*d } else { *c = toggled.clone(); *d = true })>
                {column.label()}{move || match direction() { Some(true) => " ▼", Some(false) => " ▲", None => "" }}
            </button>
        </th>
    }
}

/// One stored run: pick it to compare; what it was; open, download, delete.
#[component]
fn RunRow(run: RunRecord, columns: Vec<Column>, experiments: Experiments) -> impl IntoView {
    let state = expect_context::<AppState>();
    let id = run.run_id.clone();
    let (id_open, id_delete, id_pick, id_checked) = (id.clone(), id.clone(), id.clone(), id.clone());
    let cells = columns
        .iter()
        .map(|column| view! { <td class=column.class()>{column.cell(&run, &experiments)}</td> })
        .collect_view();
    let record = run.clone();
    let pick = move |on: bool| {
        state.compare.update(|chosen| {
            chosen.retain(|c| c != &id_pick);
            if on {
                chosen.push(id_pick.clone());
            }
        })
    };
    view! {
        <tr class="run" data-run-id=id.clone()>
            <td class="col-compare"><input type="checkbox" class="compare-pick" aria-label=format!("compare run {}", short_id(&id))
                prop:checked=move || state.compare.with(|c| c.contains(&id_checked)) on:change=move |ev| pick(event_target_checked(&ev))/></td>
            <td class="col-run"><code>{short_id(&id)}</code></td>
            {cells}
            <td class="actions">
                <button class="open" on:click=move |_| leptos::task::spawn_local(run_history::open(state, id_open.clone()))>"Open"</button>
                <button on:click=move |_| download(&format!("shelfcast-run-{}.json", record.run_id), &record.to_json(), "application/json")>"Download JSON"</button>
                <button class="danger" on:click=move |_| leptos::task::spawn_local(run_history::delete(state, id_delete.clone()))>"Delete"</button>
            </td>
        </tr>
    }
}

/// "Compare": shows the compare view for the chosen runs (2 to 20).
#[component]
fn CompareButton(comparing: RwSignal<bool>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let count = move || state.compare.with(Vec::len);
    view! {
        <span>
            <button id="compare-runs" disabled=move || !COMPARE_RUNS.contains(&count()) on:click=move |_| comparing.set(true)>{move || format!("Compare {} runs", count())}</button>
            <button id="clear-compare" on:click=move |_| { state.compare.set(Vec::new()); comparing.set(false) }>"Clear"</button>
        </span>
    }
}

/// Everything a run recorded: experiment, status, data, parameters, metrics, stages; and,
/// once its detail is read, the contract results, charts and log it showed.
#[component]
fn RunDetails(run: RunRecord) -> impl IntoView {
    let state = expect_context::<AppState>();
    let params = run.params.iter().map(|(k, v)| view! { <tr><td>{k.clone()}</td><td>{v.clone()}</td></tr> }).collect_view();
    let metrics = run.metrics.iter().map(|(k, v)| view! { <tr><td>{k.clone()}</td><td class="num">{format!("{v:.4}")}</td></tr> }).collect_view();
    let stages = run
        .stages
        .iter()
        .map(|s| view! { <tr><td>{s.stage.name()}</td><td>{state_name(s.state)}</td><td class="num">{format!("{:.1} ms", s.duration_ms)}</td><td>{s.display_message()}</td></tr> })
        .collect_view();
    let files = run.dataset.files.iter().map(|f| view! { <li>{format!("{}: {} rows, sha256 {}", f.name, f.rows, f.sha256)}</li> }).collect_view();
    let experiment = state.experiments.with_untracked(|e| e.name_of(&run).to_string());
    let summary = format!(
        "Experiment {experiment} · {:?} · started {} · {}",
        run.status,
        format_timestamp_ms(run.start_time_ms),
        if run.registrable { "registrable" } else { "not registrable" }
    );
    let run_id = run.run_id.clone();
    let shown = move || state.result.get().filter(|r| r.record.run_id == run_id).map(|r| view! { <RunShowed result=r/> });
    view! {
        <section id="run-details" class="details">
            <h2>{format!("Run {}", run.run_id)}</h2>
            <p>{summary}</p>
            {run.error.clone().map(|e| view! { <p class="error">{e}</p> })}
            <p>"Dataset digest " <code>{run.dataset.digest.clone()}</code></p>
            <ul>{files}</ul>
            <table><caption>"Parameters"</caption><tbody>{params}</tbody></table>
            <table><caption>"Metrics"</caption><tbody>{metrics}</tbody></table>
            <table id="run-stages"><caption>"Stages"</caption><tbody>{stages}</tbody></table>
            {shown}
            <RegisterRun run=run.clone()/>
            <RunTags run=run.clone()/>
        </section>
    }
}

/// What a run showed when it ran, read back from its detail: the contract results, the
/// evaluation's charts (the Train, Contracts and Forecast pages show it too) and the log.
#[component]
fn RunShowed(result: Arc<RunResult>) -> impl IntoView {
    let detail = &result.detail;
    let (totals, stores) = (detail.totals.clone(), detail.store_totals.clone());
    let totals_plot = move || {
        (!totals.is_empty()).then(|| {
            let dates: Vec<String> = totals.iter().map(|p| p.date.clone()).collect();
            let mut plot = Plot::new();
            plot.add_trace(Trace::scatter(dates.clone(), totals.iter().map(|p| p.actual).collect()).name("actual").mode(Mode::LinesMarkers));
            plot.add_trace(Trace::scatter(dates, totals.iter().map(|p| p.predicted).collect()).name("predicted").mode(Mode::LinesMarkers));
            plot.set_layout(Layout::new().title("Total weekly sales on the test weeks").height(320));
            plot
        })
    };
    let stores_plot = move || {
        (!stores.is_empty()).then(|| {
            let names: Vec<String> = stores.iter().map(|s| format!("store {}", s.store)).collect();
            let mut plot = Plot::new();
            plot.add_trace(Trace::bar(names.clone(), stores.iter().map(|s| s.actual).collect()).name("actual"));
            plot.add_trace(Trace::bar(names, stores.iter().map(|s| s.predicted).collect()).name("predicted"));
            plot.set_layout(Layout::new().title("Sales per store over the test weeks").height(320));
            plot
        })
    };
    let log = detail
        .log
        .iter()
        .map(|line| {
            let what = line.state.map(state_name).unwrap_or("progress");
            view! { <tr><td class="num">{format!("{:.0} ms", line.at_ms)}</td><td>{line.stage.name()}</td><td>{what}</td><td>{line.text.clone()}</td></tr> }
        })
        .collect_view();
    view! {
        <div id="run-showed">
            {suite_table("Raw data contract", "stored-raw-contract", detail.raw_validation.clone())}
            {detail.feature_validation.clone().map(|v| suite_table("Feature contract", "stored-feature-contract", Some(v)))}
            <Chart id="stored-chart-totals" plot=totals_plot/>
            <Chart id="stored-chart-stores" plot=stores_plot/>
            <details id="run-log"><summary>{format!("Log ({} lines)", detail.log.len())}</summary><table><tbody>{log}</tbody></table></details>
        </div>
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
            Ok(()) => leptos::task::spawn_local(run_history::save(state, changed, None, None)),
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
