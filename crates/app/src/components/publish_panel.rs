//! Whether a run's link opens for anyone, and (for its owner) the buttons that change it.

use crate::api::{publish_run, unpublish_run, ApiError, Publication};
use crate::components::error_panel::ErrorPanel;
use leptos::prelude::*;

/// "Published" with the snapshot's place on the Hub, or "Not published" with a plain
/// warning of what publishing makes public; the owner's Publish / Unpublish button.
#[component]
pub fn PublishPanel(publication: Publication, owner: String, run_id: String) -> impl IntoView {
    let current = RwSignal::new(publication);
    let change = Action::new(move |publish: &bool| {
        let (owner, run_id, publish) = (owner.clone(), run_id.clone(), *publish);
        async move {
            if publish {
                publish_run(owner, run_id).await
            } else {
                unpublish_run(owner, run_id).await
            }
        }
    });
    Effect::new(move || {
        if let Some(Ok(next)) = change.value().get() {
            current.set(next);
        }
    });
    let error = move || change.value().get().and_then(Result::err);
    // The last change asked for, to ask again after an error.
    let asked = RwSignal::new(true);
    let ask = move |publish: bool| {
        asked.set(publish);
        change.dispatch(publish);
    };
    view! {
        <section class="publication" aria-label="Who can open this link">
            {move || match current.get() {
                Publication::Public { snapshot_url, can_unpublish } => {
                    view! {
                        <p class="publication-state published">
                            <strong>"Published"</strong>
                            ": anyone with this link can open this page, signed in or not. It is read from "
                            <a href=snapshot_url target="_blank" rel="noopener noreferrer">
                                "a public snapshot on the Hub"
                            </a>
                            "."
                        </p>
                        {can_unpublish
                            .then(|| {
                                view! {
                                    <button
                                        type="button"
                                        class="button unpublish"
                                        disabled=move || change.pending().get()
                                        on:click=move |_| ask(false)
                                    >
                                        "Unpublish"
                                    </button>
                                }
                            })}
                    }
                        .into_any()
                }
                Publication::Private { can_publish } => {
                    view! {
                        <p class="publication-state private">
                            <strong>"Not published"</strong>
                            ": only you (and whoever may read your runs' bucket) can open this link."
                        </p>
                        {can_publish
                            .then(|| {
                                view! {
                                    <p class="notice warn publish-warning" role="note">
                                        "Publishing makes this run's state, events, report and its small text files public: anyone with the link can read them, and they are kept in a public dataset in your namespace on the Hub. Tokens are removed, but read the report and files first. Unpublish deletes them again."
                                    </p>
                                    <button
                                        type="button"
                                        class="button publish"
                                        disabled=move || change.pending().get()
                                        on:click=move |_| ask(true)
                                    >
                                        "Publish"
                                    </button>
                                }
                            })}
                    }
                        .into_any()
                }
            }}
            {move || {
                error()
                    .map(|error: ApiError| {
                        view! { <ErrorPanel error retry=move |_| ask(asked.get_untracked()) /> }
                    })
            }}
        </section>
    }
}
