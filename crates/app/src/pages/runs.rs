//! `/runs`: the signed-in user's runs.

use crate::api::fns::list_runs;
use crate::components::error_panel::ErrorPanel;
use crate::components::runs_table::RunsTable;
use leptos::prelude::*;
use leptos_meta::Title;

/// Lists the user's runs, newest first, with a refresh button.
#[component]
pub fn RunsPage() -> impl IntoView {
    let runs = Resource::new(|| (), |_| list_runs());
    view! {
        <Title text="My runs — Space Factory" />
        <div class="page-head">
            <h1>"My runs"</h1>
            <button type="button" class="button" on:click=move |_| runs.refetch()>"Refresh"</button>
        </div>
        <Transition fallback=|| view! { <p class="muted">"Loading runs…"</p> }>
            {move || Suspend::new(async move {
                match runs.await {
                    Ok(list) => view! { <RunsTable runs=list /> }.into_any(),
                    Err(error) => view! {
                        <ErrorPanel error retry=move |_| runs.refetch() next="/runs" />
                    }.into_any(),
                }
            })}
        </Transition>
    }
}
