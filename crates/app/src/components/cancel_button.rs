//! The button that cancels a running run.

use crate::api::cancel_run;
use crate::components::error_panel::ErrorPanel;
use leptos::prelude::*;

/// Asks the server to cancel the run, then calls `on_done` so the page reloads its data.
#[component]
pub fn CancelButton(
    owner: String,
    run_id: String,
    #[prop(into)] on_done: Callback<()>,
) -> impl IntoView {
    let cancel = Action::new(move |_: &()| {
        let (owner, run_id) = (owner.clone(), run_id.clone());
        async move { cancel_run(owner, run_id).await }
    });
    Effect::new(move || {
        if let Some(Ok(())) = cancel.value().get() {
            on_done.run(());
        }
    });
    view! {
        <button
            type="button"
            class="button danger cancel"
            disabled=move || cancel.pending().get()
            on:click=move |_| {
                cancel.dispatch(());
            }
        >
            {move || if cancel.pending().get() { "Cancelling…" } else { "Cancel run" }}
        </button>
        {move || {
            cancel
                .value()
                .get()
                .and_then(Result::err)
                .map(|error| {
                    view! {
                        <ErrorPanel
                            error
                            retry=move |_| {
                                cancel.dispatch(());
                            }
                        />
                    }
                })
        }}
    }
}
