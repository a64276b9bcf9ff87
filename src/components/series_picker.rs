use leptos::prelude::*;

/// A store · department picker: a `<select id=id>` over `keys`, calling `on_pick` with the
/// chosen series.
#[component]
pub fn SeriesPicker<K>(id: &'static str, keys: K, on_pick: Callback<(i64, i64)>) -> impl IntoView
where
    K: Fn() -> Vec<(i64, i64)> + Send + Sync + 'static,
{
    let options = move || keys().into_iter().map(|(s, d)| view! { <option value=format!("{s}-{d}")>{format!("store {s} · dept {d}")}</option> }).collect_view();
    let on_change = move |ev: leptos::ev::Event| {
        if let Some((s, d)) = event_target_value(&ev).split_once('-') {
            if let (Ok(s), Ok(d)) = (s.parse(), d.parse()) {
                on_pick.run((s, d));
            }
        }
    };
    view! {
        <section class="controls">
            <label>"Series " <select id=id on:change=on_change><option value="">"choose a store and department"</option>{options}</select></label>
        </section>
    }
}
