//! `/runs`: the signed-in user's runs.

use crate::api::list_runs;
use crate::api::RunSummary;
use crate::components::error_panel::ErrorPanel;
use crate::components::hydration::hydrated_mark;
use crate::components::runs_table::RunsTable;
use leptos::prelude::*;
use leptos_meta::Title;
use std::time::Duration;

/// How often the list reads itself again while a run on it is under way.
const LIVE_REFRESH: Duration = Duration::from_secs(4);

/// Lists the user's runs, newest first, with a refresh button. While a run on the list is
/// queued or running, the list refreshes itself, so statuses change without a click.
#[component]
pub fn RunsPage() -> impl IntoView {
    let runs = Resource::new(|| (), |_| list_runs());
    let pending = StoredValue::new(None::<TimeoutHandle>);
    let clear_pending = move || {
        if let Some(handle) = pending.try_get_value().flatten() {
            handle.clear();
        }
    };
    Effect::new(move || {
        let live = runs.with(|r| matches!(r, Some(Ok(list)) if under_way(list)));
        clear_pending();
        let next = live
            .then(|| set_timeout_with_handle(move || runs.refetch(), LIVE_REFRESH).ok())
            .flatten();
        pending.try_set_value(next);
    });
    on_cleanup(clear_pending);
    // Tests wait for this before expecting the list to update itself.
    let hydrated = hydrated_mark();
    view! {
        <Title text="My runs — Space Factory" />
        <section class="runs-page" data-hydrated=hydrated>
            <div class="page-head">
                <h1>"My runs"</h1>
                <button type="button" class="button" on:click=move |_| runs.refetch()>
                    "Refresh"
                </button>
            </div>
            <Transition fallback=|| {
                view! { <p class="muted">"Loading runs…"</p> }
            }>
                {move || Suspend::new(async move {
                    match runs.await {
                        Ok(list) => {
                            let live = under_way(&list);
                            view! {
                                {live
                                    .then(|| {
                                        view! {
                                            <p class="muted live-note">
                                                "Runs are under way: this list updates itself."
                                            </p>
                                        }
                                    })}
                                <RunsTable runs=list />
                            }
                                .into_any()
                        }
                        Err(error) => {
                            view! {
                                <ErrorPanel error retry=move |_| runs.refetch() next="/runs" />
                            }
                                .into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

/// Whether a run on the list is still queued or running.
fn under_way(list: &[RunSummary]) -> bool {
    list.iter().any(|run| !run.status.is_terminal())
}
