//! Train and evaluate: choose the model and the cutoff, run, and look at the fit.

use leptos::prelude::*;
use crate::components::figure::{Layout, Mode, Plot, Trace};
use shelfcast_core::features::FeatureConfig;
use shelfcast_core::models::ModelKind;
use shelfcast_core::pipeline::{SeriesPoint, Stage};

use crate::components::{Chart, SeriesPicker};
use crate::state::{AppState, SeriesSource};
use crate::worker_client::Engine;

fn actual_vs_predicted(title: &str, points: &[SeriesPoint]) -> Plot {
    let dates: Vec<String> = points.iter().map(|p| p.date.clone()).collect();
    let mut plot = Plot::new();
    plot.add_trace(Trace::scatter(dates.clone(), points.iter().map(|p| p.actual).collect()).name("actual").mode(Mode::LinesMarkers));
    plot.add_trace(Trace::scatter(dates, points.iter().map(|p| p.predicted).collect()).name("predicted").mode(Mode::LinesMarkers));
    plot.set_layout(Layout::new().title(title).height(360));
    plot
}

/// A bar per feature (coefficients, importances).
fn by_feature(title: &str, name: &str, values: &[(String, f64)]) -> Plot {
    let mut plot = Plot::new();
    plot.add_trace(Trace::bar(values.iter().map(|(n, _)| n.clone()).collect(), values.iter().map(|(_, v)| *v).collect()).name(name));
    plot.set_layout(Layout::new().title(title).height(320));
    plot
}

/// A feature switch as the Train page offers it.
struct Switch {
    /// The checkbox is `#feature-<id>`.
    id: &'static str,
    label: &'static str,
    field: fn(&mut FeatureConfig) -> &mut bool,
}

const SWITCHES: [Switch; 5] = [
    Switch { id: "series-stats", label: "series statistics (before the cutoff)", field: |f| &mut f.series_stats },
    Switch { id: "holiday-features", label: "weeks to and from the holidays", field: |f| &mut f.holiday_features },
    Switch { id: "seasonal-lags", label: "lags 51 and 53, day of year", field: |f| &mut f.seasonal_lags },
    Switch { id: "join-features", label: "join features.csv", field: |f| &mut f.join_features },
    Switch { id: "join-stores", label: "join stores.csv", field: |f| &mut f.join_stores },
];

#[component]
pub fn TrainPage() -> impl IntoView {
    view! {
        <ModelControls/>
        <FitCharts/>
    }
}

/// The model, its alpha, the cutoff and the feature switches, and the button that trains.
#[component]
fn ModelControls() -> impl IntoView {
    let state = expect_context::<AppState>();
    let engine = expect_context::<Engine>();
    let settings = state.settings;
    let model_options = ModelKind::ALL
        .iter()
        .map(|k| view! { <option value=k.name() selected=move || settings.with(|s| s.model == *k)>{k.name()}</option> })
        .collect_view();
    let on_model = move |ev: leptos::ev::Event| {
        if let Ok(kind) = ModelKind::parse(&event_target_value(&ev)) {
            settings.update(|s| {
                s.model = kind;
                // A model comes with its best measured switches; they can be unticked.
                if kind.wants_series_stats() {
                    s.features.series_stats = true;
                }
            });
        }
    };
    view! {
        <section class="controls" aria-label="Model">
            <label>"Model " <select id="model" on:change=on_model>{model_options}</select></label>
            <label>
                "alpha "
                <input id="alpha" type="number" min="0" step="0.1" prop:value=move || settings.with(|s| s.alpha.clone())
                    on:input=move |ev| settings.update(|s| s.alpha = event_target_value(&ev))/>
            </label>
            <label>
                "cutoff "
                <input id="cutoff" type="date" prop:value=move || settings.with(|s| s.cutoff.clone())
                    on:input=move |ev| settings.update(|s| s.cutoff = event_target_value(&ev))/>
            </label>
            <fieldset class="switches">
                <legend>"Extra features"</legend>
                {SWITCHES.map(|Switch { id, label, field }| view! {
                    <label>
                        <input type="checkbox" id=format!("feature-{id}")
                            prop:checked=move || settings.with(|s| *field(&mut s.features.clone()))
                            on:change=move |ev| settings.update(|s| *field(&mut s.features) = event_target_checked(&ev))/>
                        {label}
                    </label>
                }).to_vec()}
                <span class="hint">"gbdt with series statistics is the most accurate setting on the Walmart data."</span>
            </fieldset>
            <button id="train" on:click=move |_| engine.run_from(Stage::Train) disabled=move || state.busy.get()
                title="Fits and scores the model on the split already made; a changed cutoff splits again first">"Train and evaluate"</button>
        </section>
    }
}

/// The fit on the test part: totals, one series at a time, residuals, coefficients.
#[component]
fn FitCharts() -> impl IntoView {
    let state = expect_context::<AppState>();
    let engine = expect_context::<Engine>();
    // A forecast run has no one-step evaluation to draw (its charts are on the Forecast page).
    let evaluated = move || state.result.get().filter(|r| r.detail.test.is_some());
    let totals = move || evaluated().map(|r| actual_vs_predicted("Total weekly sales on the test weeks", &r.detail.totals));
    let series = move || {
        state.series.with(|s| s.as_ref().map(|(store, dept, points)| actual_vs_predicted(&format!("Store {store}, department {dept}"), points)))
    };
    let residuals = move || {
        evaluated().map(|r| {
            let mut plot = Plot::new();
            let centres: Vec<f64> = r.detail.residuals.iter().map(|b| (b.lower + b.upper) / 2.0).collect();
            plot.add_trace(Trace::bar(centres, r.detail.residuals.iter().map(|b| b.count).collect()).name("rows"));
            plot.set_layout(Layout::new().title("Residuals on the test part (actual − predicted)").height(320));
            plot
        })
    };
    let coefficients = move || state.result.with(|r| r.as_ref()?.detail.coefficients.as_deref().map(|c| by_feature("Coefficients", "coefficient", c)));
    let importances = move || {
        state.result.with(|r| r.as_ref()?.detail.importances.as_deref().map(|c| by_feature("Feature importances (share of the split gain)", "importance", c)))
    };
    // A stored run that the worker does not hold offers the series it kept.
    let keys = move || {
        state.result.with(|r| {
            r.as_ref().map(|r| match state.series_source(|_| None::<Vec<SeriesPoint>>) {
                SeriesSource::Worker => r.detail.series_keys.clone(),
                SeriesSource::Kept(_) => r.detail.series.iter().map(|s| (s.store, s.dept)).collect(),
            })
        })
        .unwrap_or_default()
    };
    let on_pick = Callback::new(move |(store, dept): (i64, i64)| {
        match state.series_source(|d| d.series.iter().find(|s| (s.store, s.dept) == (store, dept)).map(|s| s.points.clone())) {
            SeriesSource::Worker => engine.request_series(store, dept),
            SeriesSource::Kept(points) => state.series.set(points.map(|p| (store, dept, p))),
        }
    });
    view! {
        <Chart id="chart-totals" plot=totals/>
        <SeriesPicker id="series" keys=keys on_pick=on_pick/>
        <Chart id="chart-series" plot=series/>
        <Chart id="chart-residuals" plot=residuals/>
        <Chart id="chart-coefficients" plot=coefficients/>
        <Chart id="chart-importances" plot=importances/>
    }
}
