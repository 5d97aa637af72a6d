//! `/runs/<owner>/<run_id>`: one run, live; the address is the share link.

use crate::api::get_run;
use crate::components::error_panel::ErrorPanel;
use crate::components::run_detail::RunDetail;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// Loads the run the URL names (server-rendered, so it works on reload) and shows it, to
/// anyone when it is published; "not found or no access" (404) when the viewer may not see
/// it.
#[component]
pub fn RunPage() -> impl IntoView {
    let params = use_params_map();
    let key = move || {
        params.with(|p| {
            (
                p.get("owner").unwrap_or_default(),
                p.get("run_id").unwrap_or_default(),
            )
        })
    };
    let run = Resource::new(key, |(owner, run_id)| get_run(owner, run_id));
    let reload = Callback::new(move |_| run.refetch());
    let stream_ended = RwSignal::new(false);
    view! {
        <Title text="Run — Space Factory" />
        <Transition fallback=|| {
            view! { <p class="muted">"Loading the run…"</p> }
        }>
            {move || Suspend::new(async move {
                let (owner, run_id) = key();
                match run.await {
                    Ok(view) => view! { <RunDetail view reload stream_ended /> }.into_any(),
                    Err(error) => {
                        #[cfg(feature = "ssr")]
                        if matches!(
                            error,
                            crate::api::ApiError::NotFound | crate::api::ApiError::NotSignedIn
                        ) {
                            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                                response.set_status(http::StatusCode::NOT_FOUND);
                            }
                        }
                        // Nothing a viewer may open is there: the run is not theirs to see
                        // and not published (signed out, they are also offered to sign in).
                        view! {
                            <ErrorPanel
                                error
                                retry=move |_| run.refetch()
                                next=runs::routes::run_page(&owner, &run_id)
                            />
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}
