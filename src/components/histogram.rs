use leptos::prelude::*;
use shelfcast_core::profile::HistogramBin;

/// A tiny inline bar chart of a column's histogram (too small to need plotly).
#[component]
pub fn MiniHistogram(bins: Vec<HistogramBin>) -> impl IntoView {
    let max = bins.iter().map(|b| b.count).max().unwrap_or(0).max(1) as f64;
    let width = 100.0 / bins.len().max(1) as f64;
    let bars = bins
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let h = 24.0 * b.count as f64 / max;
            view! {
                <rect x=format!("{:.2}", i as f64 * width) y=format!("{:.2}", 24.0 - h) width=format!("{:.2}", width * 0.9) height=format!("{h:.2}")>
                    <title>{format!("{:.2} – {:.2}: {}", b.lower, b.upper, b.count)}</title>
                </rect>
            }
        })
        .collect_view();
    view! { <svg class="mini-histogram" viewBox="0 0 100 24" preserveAspectRatio="none" role="img" aria-label="histogram">{bars}</svg> }
}
