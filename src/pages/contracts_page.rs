//! Contracts: each suite's validation result, expectation by expectation, for the run on
//! screen (the latest, or a stored run opened from the Runs page).

use leptos::prelude::*;
use shelfcast_core::contracts::{ExpectationResult, ValidationResult};

use crate::state::AppState;

fn row(result: &ExpectationResult) -> impl IntoView {
    let kwargs = &result.expectation_config.kwargs;
    let column = kwargs
        .get("column")
        .or_else(|| kwargs.get("column_list"))
        .or_else(|| kwargs.get("column_regex"))
        .map(|c| c.to_string().trim_matches('"').to_string())
        .unwrap_or_default();
    let r = &result.result;
    let field = |key: &str| r.get(key).filter(|v| !v.is_null()).map(|v| v.to_string()).unwrap_or_default();
    let percent = r.get("unexpected_percent").and_then(|v| v.as_f64()).map(|p| format!("{p:.3} %")).unwrap_or_default();
    let observed = result.exception_message().map(str::to_string).unwrap_or_else(|| field("observed_value"));
    view! {
        <tr class=if result.success { "ok" } else { "failed" }>
            <td>{result.expectation_config.expectation_type.clone()}</td>
            <td>{column}</td>
            <td class="state">{if result.success { "passed" } else { "FAILED" }}</td>
            <td>{observed}</td>
            <td class="num">{field("unexpected_count")}</td>
            <td class="num">{percent}</td>
            <td class="sample">{field("partial_unexpected_list")}</td>
        </tr>
    }
}

pub(crate) fn suite_table(title: &'static str, id: &'static str, result: Option<ValidationResult>) -> impl IntoView {
    match result {
        None => view! { <p>{title}": not run yet."</p> }.into_any(),
        Some(v) => {
            let s = &v.statistics;
            let caption = format!(
                "{title}: {} — {} of {} expectations met",
                if v.success { "passed" } else { "FAILED" },
                s.successful_expectations,
                s.evaluated_expectations
            );
            view! {
                <table id=id class="contract">
                    <caption>{caption}</caption>
                    <thead><tr><th>"expectation"</th><th>"column"</th><th>"success"</th><th>"observed"</th><th>"unexpected"</th><th>"unexpected %"</th><th>"sample of unexpected values"</th></tr></thead>
                    <tbody>{v.results.iter().map(row).collect_view()}</tbody>
                </table>
            }
            .into_any()
        }
    }
}

#[component]
pub fn ContractsPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        let result = state.latest.get();
        let run = result.as_ref().map(|r| {
            let suites = r.record.contracts.iter().map(|c| format!("{} (sha256 {})", c.suite, c.suite_digest.get(..12).unwrap_or_default())).collect::<Vec<_>>().join(", ");
            view! { <p id="contracts-run" data-run-id=r.record.run_id.clone()>{format!("Run {}: {suites}", crate::state::short_id(&r.record.run_id))}</p> }
        });
        view! {
            {run}
            {suite_table("Raw data contract", "raw-contract", result.as_ref().and_then(|r| r.detail.raw_validation.clone()))}
            {suite_table("Feature contract", "feature-contract", result.as_ref().and_then(|r| r.detail.feature_validation.clone()))}
        }
    }
}
