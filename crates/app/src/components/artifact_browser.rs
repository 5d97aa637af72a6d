//! The files a run left in its bucket folder, each viewable in place.

use crate::api::read_artifact;
use crate::api::{ApiError, Artifact, ArtifactEntry, ArtifactKind};
use crate::components::error_panel::ErrorPanel;
use crate::components::format::bytes;
use leptos::prelude::*;

/// A file list; choosing a file loads and shows it (JSON pretty-printed, code and markdown
/// as the server's sanitized HTML, other text as is).
#[component]
pub fn ArtifactBrowser(
    owner: String,
    run_id: String,
    entries: Vec<ArtifactEntry>,
) -> impl IntoView {
    let open = Action::new(move |path: &String| {
        let (owner, run_id, path) = (owner.clone(), run_id.clone(), path.clone());
        async move { read_artifact(owner, run_id, path).await }
    });
    let chosen = RwSignal::new(None::<String>);
    let empty = entries.is_empty();
    view! {
        <section class="panel artifacts" aria-labelledby="artifacts-title">
            <h2 id="artifacts-title">"Artifacts"</h2>
            {empty.then(|| view! { <p class="muted">"No files yet."</p> })}
            <div class="artifact-layout">
                <ul class="artifact-list">
                    {entries
                        .into_iter()
                        .map(|entry| {
                            let path = entry.path.clone();
                            let current = {
                                let path = path.clone();
                                move || chosen.get().as_deref() == Some(path.as_str())
                            };
                            view! {
                                <li>
                                    <button
                                        type="button"
                                        class="artifact-entry"
                                        class:selected=current.clone()
                                        aria-pressed=move || current().to_string()
                                        data-path=path.clone()
                                        on:click=move |_| {
                                            chosen.set(Some(path.clone()));
                                            open.dispatch(path.clone());
                                        }
                                    >
                                        <span class="artifact-path">{entry.path.clone()}</span>
                                        <span class="muted">{bytes(entry.size)}</span>
                                    </button>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
                <div class="artifact-view" aria-live="polite">
                    {move || {
                        if open.pending().get() {
                            return view! { <p class="muted">"Loading…"</p> }.into_any();
                        }
                        match open.value().get() {
                            None => {
                                view! { <p class="muted">"Choose a file to see it."</p> }.into_any()
                            }
                            Some(Ok(artifact)) => view! { <ArtifactContent artifact /> }.into_any(),
                            Some(Err(error)) => retry_panel(error, open, chosen).into_any(),
                        }
                    }}
                </div>
            </div>
        </section>
    }
}

fn retry_panel(
    error: ApiError,
    open: Action<String, Result<Artifact, ApiError>>,
    chosen: RwSignal<Option<String>>,
) -> impl IntoView {
    let retry = move |_| {
        if let Some(path) = chosen.get_untracked() {
            open.dispatch(path);
        }
    };
    view! { <ErrorPanel error retry /> }
}

/// One artifact's content, shown the way its kind calls for.
#[component]
fn ArtifactContent(artifact: Artifact) -> impl IntoView {
    let body = match (artifact.kind, artifact.html) {
        (ArtifactKind::Markdown, Some(html)) => {
            view! { <div class="markdown" inner_html=html></div> }.into_any()
        }
        (ArtifactKind::Code | ArtifactKind::Json, Some(html)) => {
            view! { <div class="code" inner_html=html></div> }.into_any()
        }
        (ArtifactKind::Unshown, _) => view! { <p class="muted">{artifact.text}</p> }.into_any(),
        (kind, _) => {
            let class = if kind == ArtifactKind::Json {
                "json"
            } else {
                "text"
            };
            view! {
                <pre class=class tabindex="0">
                    {artifact.text}
                </pre>
            }
            .into_any()
        }
    };
    view! {
        <h3 class="artifact-title">
            {artifact.path}" "<span class="muted">{bytes(artifact.size)}</span>
        </h3>
        {body}
    }
}
