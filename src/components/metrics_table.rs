use leptos::prelude::*;
use shelfcast_core::metrics::Metrics;

/// Train and test metrics side by side, to the displayed precision of the CLI (3 decimals).
#[component]
pub fn MetricsTable(train: Option<Metrics>, test: Option<Metrics>) -> impl IntoView {
    let cell = |part: &'static str, name: &'static str, value: Option<f64>, digits: usize| {
        let text = value.map(|v| format!("{v:.digits$}")).unwrap_or_else(|| "—".into());
        view! { <td id=format!("{part}-{name}") class="num">{text}</td> }
    };
    let row = move |part: &'static str, m: Option<Metrics>| {
        view! {
            <tr>
                <th scope="row">{part}</th>
                {cell(part, "rows", m.map(|m| m.rows as f64), 0)}
                {cell(part, "mae", m.map(|m| m.mae), 3)}
                {cell(part, "rmse", m.map(|m| m.rmse), 3)}
                {cell(part, "r2", m.map(|m| m.r2), 4)}
                {cell(part, "wmae", m.map(|m| m.wmae), 3)}
            </tr>
        }
    };
    view! {
        <table id="metrics" class="metrics">
            <caption>"Accuracy (WMAE weighs holiday weeks ×5)"</caption>
            <thead><tr><th></th><th>"rows"</th><th>"MAE"</th><th>"RMSE"</th><th>"R²"</th><th>"WMAE"</th></tr></thead>
            <tbody>{row("train", train)}{row("test", test)}</tbody>
        </table>
    }
}
