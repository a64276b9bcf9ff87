//! Forecast: the weeks ahead from an origin, with backtests and intervals. Choose the method,
//! origin, horizon and backtest windows; add a future-weeks file (Kaggle's test.csv) to
//! forecast its rows and download the submission; look at the total and any series with the
//! 80 % and 95 % bands, and at the error per horizon week.

use leptos::prelude::*;
use crate::components::figure::{Fill, Layout, Line, Mode, Plot, Trace};
use shelfcast_core::forecast::METHOD_NAMES;
use shelfcast_core::models::ModelKind;
use shelfcast_core::stages::forecast::TotalPoint;

use crate::components::{Chart, SeriesPicker};
use shelfcast_app::protocol::DownloadFile;
use shelfcast_core::pipeline::ForecastDetail;
use crate::state::{AppState, SeriesSource};
use crate::worker_client::Engine;

fn files_of(input: &web_sys::HtmlInputElement) -> Vec<web_sys::File> {
    let files = input.files().map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect()).unwrap_or_default();
    input.set_value("");
    files
}

#[component]
pub fn ForecastPage() -> impl IntoView {
    view! {
        <ForecastControls/>
        <ForecastSummary/>
        <ForecastCharts/>
    }
}

/// The settings, the future-weeks file and the button that forecasts.
#[component]
fn ForecastControls() -> impl IntoView {
    let state = expect_context::<AppState>();
    let engine = expect_context::<Engine>();
    let settings = state.settings;
    let field = move |get: fn(&crate::state::ForecastForm) -> String, set: fn(&mut crate::state::ForecastForm, String)| {
        (move || settings.with(|s| get(&s.forecast)), move |ev: leptos::ev::Event| settings.update(|s| set(&mut s.forecast, event_target_value(&ev))))
    };
    let (origin, on_origin) = field(|f| f.origin.clone(), |f, v| f.origin = v);
    let (horizon, on_horizon) = field(|f| f.horizon.clone(), |f, v| f.horizon = v);
    let (windows, on_windows) = field(|f| f.windows.clone(), |f, v| f.windows = v);
    let (step, on_step) = field(|f| f.step.clone(), |f, v| f.step = v);
    // The panel methods, then the one-step models fitted per horizon band (slower: a fit per
    // band and backtest window).
    let names = METHOD_NAMES.iter().map(|n| (*n, n.to_string())).chain(ModelKind::ALL.iter().map(|k| (k.name(), format!("{} (per horizon band)", k.name()))));
    let methods = names
        .map(|(name, label)| view! { <option value=name selected=move || settings.with(|s| s.forecast.method == name)>{label}</option> })
        .collect_view();
    let future_file = move || state.inputs.with(|files| files.iter().find(|f| f.to_lowercase().contains("test.csv")).cloned());
    view! {
        <section class="controls" aria-label="Forecast settings">
            <label>"Method " <select id="forecast-method" on:change=move |ev| settings.update(|s| s.forecast.method = event_target_value(&ev))>{methods}</select></label>
            <label title="The first forecast week; empty: the week after the data ends with a future-weeks file, else 39 weeks before the data ends">
                "origin " <input id="forecast-origin" type="date" prop:value=origin on:input=on_origin/>
            </label>
            <label>"horizon (weeks) " <input id="forecast-horizon" type="number" min="1" max="52" prop:value=horizon on:input=on_horizon/></label>
            <label>"backtest windows " <input id="forecast-windows" type="number" min="0" max="12" prop:value=windows on:input=on_windows/></label>
            <label>"step (weeks) " <input id="forecast-step" type="number" min="1" max="26" prop:value=step on:input=on_step/></label>
            <label class="file">
                "Future weeks (test.csv) "
                <input id="future-file" type="file" accept=".csv,.gz"
                    on:change=move |ev| { let files = files_of(&event_target(&ev)); if !files.is_empty() { engine.add_side_files(files) } }/>
            </label>
            <span id="future-file-name" class="hint">{move || future_file().map(|f| format!("forecasting the rows of {f}")).unwrap_or_else(|| "no future-weeks file: the labelled weeks after the origin are forecast and scored".into())}</span>
            <button id="forecast" on:click=move |_| engine.forecast() disabled=move || state.busy.get()>"Forecast"</button>
        </section>
    }
}

fn figure(value: Option<f64>, digits: usize) -> String {
    value.map(|v| format!("{v:.digits$}")).unwrap_or_else(|| "—".into())
}

/// The headline figures and the files to download.
#[component]
fn ForecastSummary() -> impl IntoView {
    let state = expect_context::<AppState>();
    let engine = expect_context::<Engine>();
    move || {
        state.forecast.get().map(|f| {
            let basis = if f.scores.is_some() { "the weeks after the origin" } else { "the backtest (the weeks ahead have no sales yet)" };
            let bands = f
                .scores
                .as_ref()
                .or(f.backtest.as_ref())
                .map(|s| s.bands.iter().map(|b| figure(b.map(|b| b.wmae), 2)).collect::<Vec<_>>().join(" / "))
                .unwrap_or_default();
            let windows = f.windows.iter().map(|(origin, wmae)| format!("{origin}: {wmae:.2}")).collect::<Vec<_>>().join(", ");
            let band_coverage = (!f.band_coverage.is_empty()).then(|| {
                let bands: Vec<String> =
                    f.band_coverage.iter().map(|c| c.map_or("—".into(), |[c80, c95]| format!("{:.1} % / {:.1} %", 100.0 * c80, 100.0 * c95))).collect();
                format!("Interval coverage (80 % / 95 %) by band: {}.", bands.join(", "))
            });
            view! {
                <section id="forecast-summary" class="details" aria-label="Forecast" data-origin=f.origin.clone()>
                    <h2>{format!("{} weeks from {} ({}, {} rows)", f.horizon, f.origin, f.method, f.rows)}</h2>
                    <table class="metrics">
                        <tbody>
                            <tr><th scope="row">"forecast WMAE"</th><td id="forecast-wmae" class="num">{figure(f.scores.as_ref().map(|s| s.overall.wmae), 3)}</td></tr>
                            <tr><th scope="row">"backtest WMAE"</th><td id="backtest-wmae" class="num">{figure(f.backtest.as_ref().map(|s| s.overall.wmae), 3)}</td></tr>
                            <tr><th scope="row">"80 % interval coverage"</th><td id="coverage-80" class="num">{figure(f.coverage.map(|c| 100.0 * c[0]), 1)}</td></tr>
                            <tr><th scope="row">"95 % interval coverage"</th><td id="coverage-95" class="num">{figure(f.coverage.map(|c| 100.0 * c[1]), 1)}</td></tr>
                        </tbody>
                    </table>
                    <p>{format!("Evaluated on {basis}. WMAE by horizon band (weeks 1–13 / 14–26 / 27–39): {bands}.")}</p>
                    <p>{format!("Backtest windows (origin: WMAE): {windows}.")}</p>
                    {band_coverage.map(|text| view! { <p id="band-coverage">{text}</p> })}
                    {(f.series_without_history > 0).then(|| view! {
                        <p id="new-series">{format!("{} series have no sales before the origin: {}.", f.series_without_history, f.new_series_rule)}</p>
                    })}
                    <button id="download-submission" disabled=!f.future on:click=move |_| engine.download(DownloadFile::Submission)
                        title="Kaggle's Id,Weekly_Sales for the future-weeks file">"Download the submission"</button>
                    <button id="download-forecast" on:click=move |_| engine.download(DownloadFile::Forecast)>"Download the forecast (with intervals)"</button>
                </section>
            }
        })
    }
}

/// History, forecast and the interval bands of a list of weekly points.
fn forecast_plot(title: &str, points: &[TotalPoint]) -> Plot {
    let mut plot = Plot::new();
    let history: Vec<&TotalPoint> = points.iter().filter(|p| p.forecast.is_none()).collect();
    let ahead: Vec<&TotalPoint> = points.iter().filter(|p| p.forecast.is_some()).collect();
    let dates = |ps: &[&TotalPoint]| ps.iter().map(|p| p.date.clone()).collect::<Vec<_>>();
    for (level, lower, upper, colour) in [("95 %", 2, 3, "rgba(31,119,180,0.15)"), ("80 %", 0, 1, "rgba(31,119,180,0.3)")] {
        let bounds: Vec<(String, [f64; 4])> = ahead.iter().filter_map(|p| p.interval.map(|b| (p.date.clone(), b))).collect();
        if bounds.is_empty() {
            continue;
        }
        let x: Vec<String> = bounds.iter().map(|(d, _)| d.clone()).collect();
        plot.add_trace(Trace::scatter(x.clone(), bounds.iter().map(|(_, b)| b[upper]).collect()).mode(Mode::Lines).line(Line::new().width(0.0)).show_legend(false).name(format!("{level} upper")));
        plot.add_trace(
            Trace::scatter(x, bounds.iter().map(|(_, b)| b[lower]).collect())
                .mode(Mode::Lines)
                .line(Line::new().width(0.0))
                .fill(Fill::ToNextY)
                .fill_color(colour)
                .name(format!("{level} interval")),
        );
    }
    plot.add_trace(Trace::scatter(dates(&history), history.iter().map(|p| p.actual.unwrap_or(f64::NAN)).collect()).name("sales").mode(Mode::Lines));
    let labelled: Vec<&&TotalPoint> = ahead.iter().filter(|p| p.actual.is_some()).collect();
    if !labelled.is_empty() {
        plot.add_trace(
            Trace::scatter(labelled.iter().map(|p| p.date.clone()).collect(), labelled.iter().map(|p| p.actual.unwrap_or(f64::NAN)).collect())
                .name("actual (after the origin)")
                .mode(Mode::Lines),
        );
    }
    plot.add_trace(Trace::scatter(dates(&ahead), ahead.iter().map(|p| p.forecast.unwrap_or(f64::NAN)).collect()).name("forecast").mode(Mode::Lines));
    plot.set_layout(Layout::new().title(title).height(380));
    plot
}

fn horizon_plot(f: &ForecastDetail) -> Plot {
    let mut plot = Plot::new();
    let weeks = |values: &[Option<f64>]| -> (Vec<usize>, Vec<f64>) {
        values.iter().enumerate().filter_map(|(k, v)| v.map(|v| (k + 1, v))).unzip()
    };
    if let Some(backtest) = &f.backtest {
        let (x, y) = weeks(&backtest.weeks);
        plot.add_trace(Trace::scatter(x, y).name("backtest (all windows)").mode(Mode::LinesMarkers));
    }
    if let Some(scores) = &f.scores {
        let (x, y) = weeks(&scores.weeks);
        plot.add_trace(Trace::scatter(x, y).name("after the origin").mode(Mode::LinesMarkers));
    }
    plot.set_layout(Layout::new().title("WMAE by horizon week (1 = the origin's week)").height(320));
    plot
}

/// The total and one series with their bands, and the error per horizon week.
#[component]
fn ForecastCharts() -> impl IntoView {
    let state = expect_context::<AppState>();
    let engine = expect_context::<Engine>();
    let totals = move || state.forecast.with(|f| f.as_ref().map(|f| forecast_plot("Total weekly sales: history and forecast", &f.totals)));
    let series = move || {
        state.forecast_series.with(|s| s.as_ref().map(|(store, dept, points)| forecast_plot(&format!("Store {store}, department {dept}"), points)))
    };
    let errors = move || state.forecast.with(|f| f.as_ref().map(|f| horizon_plot(f)));
    // A stored forecast run that the worker does not hold offers the series it kept.
    let kept = move |store_dept: Option<(i64, i64)>| {
        state.series_source(|d| {
            d.forecast.as_ref()?;
            Some(d.forecast_series.iter().filter(|s| store_dept.is_none_or(|k| k == (s.store, s.dept))).map(|s| ((s.store, s.dept), s.points.clone())).collect::<Vec<_>>())
        })
    };
    let keys = move || match kept(None) {
        SeriesSource::Kept(Some(series)) => series.into_iter().map(|(key, _)| key).collect(),
        _ => state.forecast.with(|f| f.as_ref().map(|f| f.series_keys.clone()).unwrap_or_default()),
    };
    let on_pick = Callback::new(move |(store, dept): (i64, i64)| match kept(Some((store, dept))) {
        SeriesSource::Kept(Some(mut series)) => state.forecast_series.set(series.pop().map(|(_, points)| (store, dept, points))),
        _ => engine.request_forecast_series(store, dept),
    });
    view! {
        <Chart id="chart-forecast-total" plot=totals/>
        <SeriesPicker id="forecast-series" keys=keys on_pick=on_pick/>
        <Chart id="chart-forecast-series" plot=series/>
        <Chart id="chart-forecast-horizon" plot=errors/>
    }
}
