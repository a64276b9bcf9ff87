//! Models: the registry kept in this browser. Each registered model's versions with their
//! aliases, linked runs and training-time WMAE; set or move an alias, delete a version; pick
//! `name@alias` or a version and score a file — a labelled sales file gives metrics, the
//! actual-vs-predicted chart and the predictions, a future-weeks file (Kaggle's test.csv) the
//! submission. Each labelled scoring is recorded on its version, and the version's WMAE over
//! the scored periods is drawn beside its training-time WMAE, flagged past the model's alert
//! ratio.

use leptos::prelude::*;
use crate::components::figure::{DashType, Layout, Line, Mode, Plot, Trace};
use shelfcast_app::protocol::DownloadFile;
use std::collections::BTreeMap;

use shelfcast_core::registry::{RegisteredModel, ScoredKind};
use shelfcast_core::tracking::RunRecord;

use crate::components::{Chart, SeriesPicker};
use shelfcast_core::stages::forecast::TotalPoint;
use crate::model_registry;
use crate::state::{short_id, AppState};
use crate::worker_client::{base_href, Engine};

#[component]
pub fn ModelsPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    let models = move || {
        state.registry.with(|models| match models.is_empty() {
            true => view! { <p id="no-models">"No registered models yet: open a run on the Runs page and register it."</p> }.into_any(),
            false => models.iter().map(|m| view! { <ModelCard model=m.clone()/> }).collect_view().into_any(),
        })
    };
    view! {
        <ScoreForm/>
        <ScoreResult/>
        <section id="models" aria-label="Registered models">{models}</section>
    }
}

/// Every `name@alias` and `name/version` a person can pick, aliases first.
fn model_choices(models: &[RegisteredModel]) -> Vec<String> {
    let mut choices = Vec::new();
    for m in models {
        choices.extend(m.aliases.iter().map(|(alias, v)| format!("models:/{}@{alias} (version {v})", m.name)));
    }
    for m in models {
        choices.extend(m.versions.iter().rev().map(|v| format!("models:/{}/{}", m.name, v.version)));
    }
    choices
}

/// The model URI of a choice (without its note).
fn uri_of(choice: &str) -> String {
    choice.split(" (").next().unwrap_or(choice).to_string()
}

/// Pick a version and a file to score.
#[component]
fn ScoreForm() -> impl IntoView {
    let state = expect_context::<AppState>();
    let engine = expect_context::<Engine>();
    let chosen = RwSignal::new(String::new());
    let choices = move || state.registry.with(|m| model_choices(m));
    // The first choice until the person picks one (and again when theirs is deleted).
    let current = move || {
        let choices = choices();
        let picked = chosen.get();
        if choices.contains(&picked) { picked } else { choices.first().cloned().unwrap_or_default() }
    };
    let options = move || {
        let selected = current();
        choices().into_iter().map(|c| view! { <option value=c.clone() selected=c == selected>{c.clone()}</option> }).collect_view()
    };
    let on_file = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let file = input.files().and_then(|l| l.get(0));
        input.set_value("");
        if let Some(file) = file {
            leptos::task::spawn_local(model_registry::score(state, engine, uri_of(&current()), file));
        }
    };
    view! {
        <section class="controls" aria-label="Score a file">
            <label>"Model " <select id="score-model" on:change=move |ev| chosen.set(event_target_value(&ev))>{options}</select></label>
            <label class="file" title="A sales file (Store,Dept,Date,Weekly_Sales,IsHoliday) of weeks after the model's data, or a future-weeks file (test.csv's columns)">
                "Score a file " <input id="score-file" type="file" accept=".csv,.gz" disabled=move || state.busy.get() || choices().is_empty() on:change=on_file/>
            </label>
        </section>
    }
}

/// Actual (when the file has sales) and predicted by week.
fn scored_plot(title: String, points: &[TotalPoint]) -> Plot {
    let mut plot = Plot::new();
    let dates: Vec<String> = points.iter().map(|p| p.date.clone()).collect();
    if points.iter().any(|p| p.actual.is_some()) {
        plot.add_trace(Trace::scatter(dates.clone(), points.iter().map(|p| p.actual.unwrap_or(f64::NAN)).collect()).name("actual").mode(Mode::Lines));
    }
    plot.add_trace(Trace::scatter(dates, points.iter().map(|p| p.forecast.unwrap_or(f64::NAN)).collect()).name("predicted").mode(Mode::Lines));
    plot.set_layout(Layout::new().title(title).height(360));
    plot
}

fn figure(value: Option<f64>, digits: usize) -> String {
    value.map(|v| format!("{v:.digits$}")).unwrap_or_else(|| "—".into())
}

/// The last scored file: its figures, chart and download.
#[component]
fn ScoreResult() -> impl IntoView {
    let state = expect_context::<AppState>();
    let engine = expect_context::<Engine>();
    let plot = move || state.scored.with(|s| s.as_ref().map(|s| scored_plot(format!("{}: total weekly sales, {} version {}", s.file, s.name, s.version), &s.totals)));
    let series_plot = move || state.scored_series.with(|s| s.as_ref().map(|(store, dept, points)| scored_plot(format!("Store {store}, department {dept}"), points)));
    let keys = move || state.scored.with(|s| s.as_ref().map(|s| s.series_keys.clone()).unwrap_or_default());
    let on_pick = Callback::new(move |(store, dept)| engine.request_scored_series(store, dept));
    let summary = move || {
        state.scored.get().map(|s| {
            let kind = match s.kind {
                ScoredKind::Labelled => "labelled",
                ScoredKind::FutureWeeks => "future-weeks",
            };
            let download = match s.kind {
                ScoredKind::Labelled => "Download the predictions",
                ScoredKind::FutureWeeks => "Download the submission",
            };
            view! {
                <section id="score-result" class="details" data-kind=kind data-version=s.version.to_string()>
                    <h2>{format!("{} scored by {} version {}", s.file, s.name, s.version)}</h2>
                    <table class="metrics"><tbody>
                        <tr><th scope="row">"rows"</th><td id="score-rows" class="num">{s.rows}</td></tr>
                        <tr><th scope="row">"WMAE"</th><td id="score-wmae" class="num">{figure(s.scores.as_ref().map(|x| x.overall.wmae), 3)}</td></tr>
                        <tr><th scope="row">"MAE"</th><td id="score-mae" class="num">{figure(s.scores.as_ref().map(|x| x.overall.mae), 3)}</td></tr>
                        <tr><th scope="row">"80 % interval coverage"</th><td class="num">{figure(s.coverage.map(|c| 100.0 * c[0]), 1)}</td></tr>
                        <tr><th scope="row">"scored in"</th><td id="score-ms" class="num">{format!("{:.0} ms", s.elapsed_ms)}</td></tr>
                    </tbody></table>
                    {(s.unknown_series > 0).then(|| view! { <p>{format!("{} series have no forecast in the model: they get its rule for new series.", s.unknown_series)}</p> })}
                    <button id="download-scored" on:click=move |_| engine.download(DownloadFile::Scored)>{download}</button>
                </section>
            }
        })
    };
    view! {
        {summary}
        <Chart id="chart-score" plot=plot/>
        <SeriesPicker id="score-series" keys=keys on_pick=on_pick/>
        <Chart id="chart-score-series" plot=series_plot/>
    }
}

/// A version's scored WMAE over time beside its training-time WMAE and the alert line.
fn monitor_plot(model: &RegisteredModel) -> Option<Plot> {
    let mut plot = Plot::new();
    let mut any = false;
    for v in &model.versions {
        if v.scorings.is_empty() {
            continue;
        }
        any = true;
        let x: Vec<String> = v.scorings.iter().map(|s| format!("{} – {}", s.first_week, s.last_week)).collect();
        plot.add_trace(Trace::scatter(x.clone(), v.scorings.iter().map(|s| s.wmae).collect()).name(format!("version {} scored", v.version)).mode(Mode::LinesMarkers));
        if let Some(training) = v.training_wmae {
            plot.add_trace(Trace::scatter(x.clone(), vec![training; x.len()]).name(format!("version {} at training", v.version)).mode(Mode::Lines).line(Line::new().dash(DashType::Dot)));
            plot.add_trace(
                Trace::scatter(x.clone(), vec![training * model.alert_ratio; x.len()])
                    .name(format!("version {} alert ({}×)", v.version, model.alert_ratio))
                    .mode(Mode::Lines)
                    .line(Line::new().dash(DashType::Dash)),
            );
        }
    }
    any.then(|| {
        plot.set_layout(Layout::new().title(format!("{}: WMAE over the scored periods", model.name)).height(320));
        plot
    })
}

/// A run's figures as the versions table shows them: its headline, and the backtest's or the
/// test part's other figures.
fn run_metrics(run: &RunRecord) -> String {
    let keys = ["backtest_wmae", "forecast_coverage_80", "test_mae", "test_rmse"];
    let mut parts: Vec<String> = run.headline().map(|h| format!("WMAE {:.3} ({})", h.value, h.basis)).into_iter().collect();
    for key in keys {
        if let Some(v) = run.metrics.get(key) {
            parts.push(if key.contains("coverage") { format!("{key} {:.1} %", 100.0 * v) } else { format!("{key} {v:.3}") });
        }
    }
    parts.join(", ")
}

/// A model's (or, with `version`, a version's) description and tags, to change.
#[component]
fn Annotations(name: String, version: Option<u32>, description: String, tags: BTreeMap<String, String>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let text = RwSignal::new(description);
    let (key, value) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let (describe_name, tag_name) = (name.clone(), name.clone());
    let shown = tags.iter().map(|(k, v)| format!("{k} = {v}")).collect::<Vec<_>>().join("; ");
    view! {
        <p class="controls annotations">
            <label>"Description " <input class="description" size="50" prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))/></label>
            <button class="save-description" on:click=move |_| leptos::task::spawn_local(model_registry::set_description(state, describe_name.clone(), version, text.get_untracked()))>"Save"</button>
            <span class="tags">{if shown.is_empty() { "no tags".to_string() } else { format!("tags: {shown}") }}</span>
            <input class="tag-key" placeholder="tag" prop:value=move || key.get() on:input=move |ev| key.set(event_target_value(&ev))/>
            <input class="tag-value" placeholder="value (empty removes)" prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
            <button class="set-model-tag" on:click=move |_| leptos::task::spawn_local(model_registry::set_tag(state, tag_name.clone(), version, key.get_untracked(), value.get_untracked()))>"Set tag"</button>
        </p>
    }
}

/// One registered model: versions, aliases, alert ratio and monitoring.
#[component]
fn ModelCard(model: RegisteredModel) -> impl IntoView {
    let state = expect_context::<AppState>();
    let name = model.name.clone();
    let runs_link = format!("{}/runs", base_href().trim_end_matches('/'));
    let rows = model
        .versions
        .iter()
        .rev()
        .map(|v| {
            let aliases = model.aliases_of(v.version).iter().map(|a| format!("@{a}")).collect::<Vec<_>>().join(" ");
            let latest = v.scorings.last().map(|s| format!("{:.3} ({})", s.wmae, s.last_week));
            let alert = v.alert(model.alert_ratio).map(|a| format!("{:.2}× its training WMAE", a.ratio));
            let (name, version) = (name.clone(), v.version);
            let flagged = alert.is_some();
            let run_id = v.run_id.clone();
            let linked = v.run_id.clone();
            // Tracked: the runs may load after the registry.
            let metrics = move || state.runs.with(|runs| runs.iter().find(|r| r.run_id == linked).map(run_metrics)).unwrap_or_else(|| "(the run is not stored in this browser)".into());
            view! {
                <tr data-version=v.version.to_string() class:alert=flagged>
                    <td>{v.version}</td>
                    <td class="aliases">{aliases}</td>
                    <td><a class="open-run" href=runs_link.clone() title=v.run_id.clone() on:click=move |_| leptos::task::spawn_local(crate::run_history::open(state, run_id.clone()))>{short_id(&v.run_id)}</a></td>
                    <td>{format!("{} ({})", v.family, v.kind.name())}</td>
                    <td>{format!("{} weeks from {}", v.horizon, v.data_end)}</td>
                    <td class="num">{figure(v.training_wmae, 3)}" "<span class="hint">{v.training_basis.clone()}</span></td>
                    <td class="num">{latest.unwrap_or_else(|| "—".into())}</td>
                    <td class="run-metrics">{metrics}</td>
                    <td class="alert-flag">{alert.unwrap_or_default()}</td>
                    <td><button class="delete-version" on:click=move |_| leptos::task::spawn_local(model_registry::delete_version(state, name.clone(), version))>"Delete"</button></td>
                </tr>
            }
        })
        .collect_view();
    let alias = RwSignal::new("champion".to_string());
    let version = RwSignal::new(model.latest().map(|v| v.version.to_string()).unwrap_or_default());
    let ratio = RwSignal::new(model.alert_ratio.to_string());
    let (alias_name, ratio_name) = (name.clone(), name.clone());
    let set_alias = move |_| {
        let name = alias_name.clone();
        match version.get_untracked().trim().parse::<u32>() {
            Ok(v) => leptos::task::spawn_local(model_registry::set_alias(state, name, alias.get_untracked().trim().to_string(), v)),
            Err(_) => state.error.set(Some(format!("the version must be a number, got \"{}\"", version.get_untracked()))),
        }
    };
    let set_ratio = move |_| match ratio.get_untracked().trim().parse::<f64>() {
        Ok(r) => leptos::task::spawn_local(model_registry::set_alert_ratio(state, ratio_name.clone(), r)),
        Err(_) => state.error.set(Some(format!("the alert ratio must be a number, got \"{}\"", ratio.get_untracked()))),
    };
    let chart_id = format!("chart-monitor-{}", model.name.replace(|c: char| !c.is_ascii_alphanumeric(), "-"));
    let monitored = model.clone();
    view! {
        <section class="model details" data-model=model.name.clone()>
            <h2>{model.name.clone()}</h2>
            <Annotations name=model.name.clone() version=None description=model.description.clone() tags=model.tags.clone()/>
            <table class="versions">
                <thead><tr><th>"version"</th><th>"aliases"</th><th>"run"</th><th>"model"</th><th>"forecasts"</th><th>"training WMAE"</th><th>"latest scored WMAE"</th><th>"the run's figures"</th><th>"alert"</th><th></th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            <p class="controls">
                <label>"Alias " <input class="alias-name" prop:value=move || alias.get() on:input=move |ev| alias.set(event_target_value(&ev))/></label>
                <label>"→ version " <input class="alias-version" type="number" min="1" prop:value=move || version.get() on:input=move |ev| version.set(event_target_value(&ev))/></label>
                <button class="set-alias" on:click=set_alias>"Set alias"</button>
                <label>"Alert when scored WMAE exceeds " <input class="alert-ratio" type="number" step="0.05" min="0.1" prop:value=move || ratio.get() on:input=move |ev| ratio.set(event_target_value(&ev))/>"× training"</label>
                <button class="set-alert" on:click=set_ratio>"Set"</button>
            </p>
            <Chart id=chart_id plot=move || monitor_plot(&monitored)/>
        </section>
    }
}
