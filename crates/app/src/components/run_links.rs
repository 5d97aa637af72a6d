//! Links from a run page to the Hub: the Job and the target Space.

use crate::api::JobView;
use leptos::prelude::*;
use runs::RunState;

/// "Job on the Hub" and "Open the Space" links, when the run has them.
#[component]
pub fn RunLinks(
    #[prop(into)] job: Signal<Option<JobView>>,
    #[prop(into)] state: Signal<Option<RunState>>,
    target_space: Option<String>,
) -> impl IntoView {
    let job_url = move || {
        job.with(|j| j.as_ref().and_then(|j| j.url.clone()))
            .or_else(|| state.with(|s| s.as_ref().and_then(|s| s.links.job.clone())))
    };
    let space = move || {
        state
            .with(|s| s.as_ref().and_then(|s| s.links.target_space.clone()))
            .or_else(|| target_space.clone())
    };
    let space_url = move || state.with(|s| s.as_ref().and_then(|s| s.links.space_url.clone()));
    view! {
        <ul class="run-links">
            {move || {
                job_url()
                    .map(|href| {
                        view! {
                            <li>
                                <a
                                    class="job-link"
                                    href=href
                                    target="_blank"
                                    rel="noopener noreferrer"
                                >
                                    "Job on the Hub"
                                </a>
                            </li>
                        }
                    })
            }}
            {move || {
                space()
                    .map(|name| {
                        let page = space_url()
                            .unwrap_or_else(|| format!("https://huggingface.co/spaces/{name}"));
                        view! {
                            <li>
                                <a
                                    class="space-link"
                                    href=page
                                    target="_blank"
                                    rel="noopener noreferrer"
                                >
                                    {format!("Space {name}")}
                                </a>
                            </li>
                        }
                    })
            }}
        </ul>
    }
}
