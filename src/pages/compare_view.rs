//! The compare view: 2–20 runs side by side — params (all, or only those that differ),
//! metrics, a parallel-coordinates plot over chosen params and metrics, a scatter of one
//! field against another, and the runs' errors by horizon week when they are forecasts.
//!
//! What differs and where each run sits on an axis come from the core
//! (`tracking::compare`); this view only draws. The two plots are inline SVG: the
//! self-hosted plotly bundle has no parallel coordinates, and a few lines per run need no
//! library. The horizon chart reads the runs' stored details.

use leptos::prelude::*;
use crate::components::figure::{Layout, Mode, Plot, Trace};
use shelfcast_core::pipeline::RunDetail;
use shelfcast_core::tracking::compare::{Axis, Comparison, Field, Row};
use shelfcast_core::tracking::RunRecord;

use crate::components::Chart;
use crate::run_history;
use crate::state::{short_id, AppState};

/// One colour per run, in the order chosen (repeats after ten).
const COLOURS: [&str; 10] = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"];

fn colour(index: usize) -> &'static str {
    COLOURS[index % COLOURS.len()]
}

/// The metrics offered first as axes, when the runs have them.
const HEADLINE_METRICS: [&str; 5] = ["test_wmae", "test_mae", "test_rmse", "forecast_wmae", "backtest_wmae"];

#[component]
pub fn CompareView() -> impl IntoView {
    let state = expect_context::<AppState>();
    // The chosen runs that are still stored, in the order chosen.
    let runs = Memo::new(move |_| {
        let ids = state.compare.get();
        state.runs.with(|runs| ids.iter().filter_map(|id| runs.iter().find(|r| &r.run_id == id).cloned()).collect::<Vec<RunRecord>>())
    });
    let comparison = move || {
        let runs = runs.get();
        let refs: Vec<&RunRecord> = runs.iter().collect();
        Comparison::of(&refs)
    };
    let differences_only = RwSignal::new(false);
    // The plots' axes: the differing params and the headline metrics, until a person chooses.
    let axes = RwSignal::new(None::<Vec<Field>>);
    let chosen_axes = move || {
        axes.get().unwrap_or_else(|| {
            let Ok(comparison) = comparison() else { return Vec::new() };
            let mut fields = comparison.differing_params();
            fields.extend(
                HEADLINE_METRICS
                    .iter()
                    .map(|m| Field::Metric(m.to_string()))
                    .filter(|f| comparison.metrics.iter().any(|r| &r.field == f)),
            );
            fields
        })
    };
    let content = move || match comparison() {
        Err(e) => view! { <p id="compare-empty" class="hint">{e.to_string()}</p> }.into_any(),
        Ok(comparison) => {
            let runs = runs.get();
            let heads = runs.iter().enumerate().map(|(i, r)| view! { <th style=format!("color: {}", colour(i))>{short_id(&r.run_id)}</th> }).collect_view();
            let heads_metrics = heads.clone();
            let params = comparison.params.clone();
            let param_rows = move || {
                let only = differences_only.get();
                params.iter().filter(|r| !only || r.differs).map(row_view).collect_view()
            };
            let metric_rows = comparison.metrics.iter().map(row_view).collect_view();
            view! {
                <label><input id="differences-only" type="checkbox" prop:checked=move || differences_only.get() on:change=move |ev| differences_only.set(event_target_checked(&ev))/>" differences only"</label>
                <table id="compare-params" class="compare">
                    <caption>"Parameters"</caption>
                    <thead><tr><th>"param"</th>{heads}</tr></thead>
                    <tbody>{param_rows}</tbody>
                </table>
                <table id="compare-metrics" class="compare">
                    <caption>"Metrics"</caption>
                    <thead><tr><th>"metric"</th>{heads_metrics}</tr></thead>
                    <tbody>{metric_rows}</tbody>
                </table>
                <AxisChooser fields=Field::all(runs.iter()) chosen=Signal::derive(chosen_axes) set=axes/>
                <ParallelCoordinates runs=runs.clone() fields=chosen_axes()/>
                <ScatterPlot runs=runs.clone()/>
                <HorizonErrors runs=runs/>
            }
            .into_any()
        }
    };
    view! {
        <section id="compare" class="details" aria-label="Compare runs">
            <h2>{move || format!("Comparing {} runs", runs.with(Vec::len))}</h2>
            {content}
        </section>
    }
}

fn row_view(row: &Row) -> impl IntoView {
    let cells = row.values.iter().map(|v| view! { <td>{v.clone().unwrap_or_else(|| "—".into())}</td> }).collect_view();
    let name = match &row.field {
        Field::Param(name) | Field::Metric(name) => name.clone(),
    };
    view! { <tr class=if row.differs { "differs" } else { "same" } data-field=row.field.name()><td>{name}</td>{cells}</tr> }
}

/// Checkboxes for the plots' axes.
#[component]
fn AxisChooser(fields: Vec<Field>, chosen: Signal<Vec<Field>>, set: RwSignal<Option<Vec<Field>>>) -> impl IntoView {
    let boxes = fields
        .into_iter()
        .map(|field| {
            let (checked, changed, name) = (field.clone(), field.clone(), field.name());
            view! {
                <label class="axis-choice" data-field=field.name()>
                    <input type="checkbox" prop:checked=move || chosen.with(|c| c.contains(&checked)) on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        let mut now = chosen.get_untracked();
                        now.retain(|f| f != &changed);
                        if on {
                            now.push(changed.clone());
                        }
                        set.set(Some(now));
                    }/>
                    {name}
                </label>
            }
        })
        .collect_view();
    view! { <details id="compare-axes"><summary>"Axes of the plots"</summary><div class="column-list">{boxes}</div></details> }
}

const PC_WIDTH: f64 = 760.0;
const PC_HEIGHT: f64 = 320.0;
const PC_MARGIN: (f64, f64, f64, f64) = (28.0, 60.0, 48.0, 60.0); // top, right, bottom, left

/// Each run a line across one vertical axis per chosen field; a run without a value on an
/// axis skips it.
#[component]
fn ParallelCoordinates(runs: Vec<RunRecord>, fields: Vec<Field>) -> impl IntoView {
    let refs: Vec<&RunRecord> = runs.iter().collect();
    let axes: Vec<Axis> = fields.into_iter().map(|f| Axis::of(f, &refs)).collect();
    let (top, right, bottom, left) = PC_MARGIN;
    let span = PC_WIDTH - left - right;
    let x_of = |i: usize| if axes.len() > 1 { left + span * i as f64 / (axes.len() - 1) as f64 } else { left + span / 2.0 };
    let y_of = |position: f64| top + (1.0 - position) * (PC_HEIGHT - top - bottom);
    let axis_views = axes
        .iter()
        .enumerate()
        .map(|(i, axis)| {
            let x = x_of(i);
            let (low, high) = axis.ends();
            view! {
                <g class="axis" data-field=axis.field.name()>
                    <line x1=fmt(x) x2=fmt(x) y1=fmt(y_of(1.0)) y2=fmt(y_of(0.0)) stroke="#5b6675"/>
                    <text x=fmt(x) y=fmt(y_of(1.0) - 8.0) text-anchor="middle" font-size="11">{high}</text>
                    <text x=fmt(x) y=fmt(y_of(0.0) + 16.0) text-anchor="middle" font-size="11">{low}</text>
                    <text x=fmt(x) y=fmt(PC_HEIGHT - 8.0) text-anchor="middle" font-size="12" font-weight="600">{axis.field.name()}</text>
                </g>
            }
        })
        .collect_view();
    let lines = runs
        .iter()
        .enumerate()
        .map(|(r, run)| {
            let points: Vec<String> = axes.iter().enumerate().filter_map(|(i, axis)| axis.positions[r].map(|p| format!("{},{}", fmt(x_of(i)), fmt(y_of(p))))).collect();
            view! {
                <polyline class="run-line" data-run-id=run.run_id.clone() points=points.join(" ") fill="none" stroke=colour(r) stroke-width="2">
                    <title>{short_id(&run.run_id)}</title>
                </polyline>
            }
        })
        .collect_view();
    let empty = axes.is_empty().then(|| view! { <p class="hint">"Choose the axes above."</p> });
    view! {
        {empty}
        <svg id="parallel-coordinates" class="plot" viewBox=format!("0 0 {PC_WIDTH} {PC_HEIGHT}") role="img" aria-label="Parallel coordinates of the compared runs">
            {axis_views}
            {lines}
        </svg>
    }
}

fn fmt(value: f64) -> String {
    format!("{value:.1}")
}

const SC_WIDTH: f64 = 520.0;
const SC_HEIGHT: f64 = 320.0;
const SC_MARGIN: f64 = 56.0;

/// One field against another, each run a labelled point.
#[component]
fn ScatterPlot(runs: Vec<RunRecord>) -> impl IntoView {
    let fields = Field::all(runs.iter());
    let first_param = fields.iter().find(|f| matches!(f, Field::Param(_))).cloned();
    let first_metric = fields.iter().find(|f| matches!(f, Field::Metric(m) if HEADLINE_METRICS.contains(&m.as_str()))).or_else(|| fields.iter().find(|f| matches!(f, Field::Metric(_)))).cloned();
    let x = RwSignal::new(first_param.map(|f| f.name()).unwrap_or_default());
    let y = RwSignal::new(first_metric.map(|f| f.name()).unwrap_or_default());
    let options = |selected: RwSignal<String>| {
        fields.iter().map(|f| { let name = f.name(); view! { <option value=name.clone() selected=move || selected.get() == name>{f.name()}</option> } }).collect_view()
    };
    let (x_options, y_options) = (options(x), options(y));
    let plot = move || {
        let (Some(xf), Some(yf)) = (Field::parse(&x.get()), Field::parse(&y.get())) else { return view! { <p class="hint">"Choose two fields."</p> }.into_any() };
        let refs: Vec<&RunRecord> = runs.iter().collect();
        let (xa, ya) = (Axis::of(xf, &refs), Axis::of(yf, &refs));
        let span = |p: f64, length: f64| SC_MARGIN + p * (length - 2.0 * SC_MARGIN);
        let points = runs
            .iter()
            .enumerate()
            .filter_map(|(i, run)| {
                let (px, py) = (xa.positions[i]?, ya.positions[i]?);
                let (cx, cy) = (span(px, SC_WIDTH), SC_HEIGHT - span(py, SC_HEIGHT));
                Some(view! {
                    <g class="point" data-run-id=run.run_id.clone()>
                        <circle cx=fmt(cx) cy=fmt(cy) r="5" fill=colour(i)><title>{short_id(&run.run_id)}</title></circle>
                        <text x=fmt(cx + 7.0) y=fmt(cy - 7.0) font-size="11">{short_id(&run.run_id)}</text>
                    </g>
                })
            })
            .collect_view();
        let ((x_low, x_high), (y_low, y_high)) = (xa.ends(), ya.ends());
        let (lo, hi) = (SC_MARGIN, SC_WIDTH - SC_MARGIN);
        let (bottom, top) = (SC_HEIGHT - SC_MARGIN, SC_MARGIN);
        view! {
            <svg id="compare-scatter" class="plot" viewBox=format!("0 0 {SC_WIDTH} {SC_HEIGHT}") role="img" aria-label="Scatter of the compared runs">
                <line x1=fmt(lo) x2=fmt(hi) y1=fmt(bottom) y2=fmt(bottom) stroke="#5b6675"/>
                <line x1=fmt(lo) x2=fmt(lo) y1=fmt(top) y2=fmt(bottom) stroke="#5b6675"/>
                <text x=fmt(lo) y=fmt(bottom + 16.0) font-size="11" text-anchor="middle">{x_low}</text>
                <text x=fmt(hi) y=fmt(bottom + 16.0) font-size="11" text-anchor="middle">{x_high}</text>
                <text x=fmt(lo - 6.0) y=fmt(bottom) font-size="11" text-anchor="end">{y_low}</text>
                <text x=fmt(lo - 6.0) y=fmt(top + 4.0) font-size="11" text-anchor="end">{y_high}</text>
                <text x=fmt(SC_WIDTH / 2.0) y=fmt(SC_HEIGHT - 12.0) font-size="12" font-weight="600" text-anchor="middle">{xa.field.name()}</text>
                <text x="12" y=fmt(SC_HEIGHT / 2.0) font-size="12" font-weight="600" text-anchor="middle" transform=format!("rotate(-90 12 {})", fmt(SC_HEIGHT / 2.0))>{ya.field.name()}</text>
                {points}
            </svg>
        }
        .into_any()
    };
    view! {
        <p class="controls">
            <label>"x " <select id="scatter-x" on:change=move |ev| x.set(event_target_value(&ev))>{x_options}</select></label>
            <label>"y " <select id="scatter-y" on:change=move |ev| y.set(event_target_value(&ev))>{y_options}</select></label>
        </p>
        {plot}
    }
}

/// The compared forecast runs' WMAE by horizon week, on one chart (read from their details).
#[component]
fn HorizonErrors(runs: Vec<RunRecord>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let details = RwSignal::new(Vec::<RunDetail>::new());
    let ids: Vec<String> = runs.iter().map(|r| r.run_id.clone()).collect();
    leptos::task::spawn_local(async move { details.set(run_history::details(state, ids).await) });
    let plot = move || {
        details.with(|details| {
            let mut plot = Plot::new();
            let mut any = false;
            for detail in details {
                let Some((basis, weeks)) = detail.forecast.as_ref().and_then(|f| f.wmae_by_week().map(|(b, w)| (b, w.to_vec()))) else { continue };
                any = true;
                let steps: Vec<usize> = (1..=weeks.len()).collect();
                let values: Vec<f64> = weeks.iter().map(|w| w.unwrap_or(f64::NAN)).collect();
                plot.add_trace(Trace::scatter(steps, values).name(format!("{} ({basis})", short_id(&detail.run_id))).mode(Mode::LinesMarkers));
            }
            plot.set_layout(Layout::new().title("WMAE by horizon week").height(340));
            any.then_some(plot)
        })
    };
    let none = move || details.with(|d| d.iter().all(|d| d.forecast.is_none())).then(|| view! { <p id="compare-horizon-none" class="hint">"None of these runs is a forecast: there are no errors by horizon week to compare."</p> });
    view! {
        {none}
        <Chart id="compare-horizon" plot=plot/>
    }
}
