//! The list of recipes, with the one the user picked described in full.

use crate::components::hydration::hydrated_mark;
use leptos::prelude::*;
use runs::{Phase, PhaseStatus};

/// Lists every phase; choosing one shows what it does. Interactive once hydrated.
#[component]
pub fn PhasePicker() -> impl IntoView {
    let (selected, set_selected) = signal(None::<Phase>);
    let hydrated = hydrated_mark();

    view! {
        <section class="phase-picker" data-hydrated=hydrated>
            <h2>"Recipes"</h2>
            <ul class="phase-list" role="listbox" aria-label="Recipes">
                {Phase::ALL
                    .into_iter()
                    .map(|phase| {
                        let is_selected = move || selected.get() == Some(phase);
                        view! {
                            <li>
                                <button
                                    type="button"
                                    class="phase"
                                    class:selected=is_selected
                                    role="option"
                                    aria-selected=move || is_selected().to_string()
                                    data-phase=phase.id()
                                    on:click=move |_| set_selected.set(Some(phase))
                                >
                                    <span class="phase-id">{phase.id()}</span>
                                    <span class="phase-title">{phase.title()}</span>
                                    <PhaseBadge phase />
                                </button>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <div class="phase-detail" aria-live="polite">
                {move || match selected.get() {
                    None => {
                        view! { <p class="hint">"Choose a recipe to see what it does."</p> }
                            .into_any()
                    }
                    Some(phase) => {
                        view! {
                            <h3 class="selected-title">{phase.title()}</h3>
                            <p class="selected-summary">{phase.summary()}</p>
                            {phase
                                .uses_agent()
                                .then(|| {
                                    view! {
                                        <p class="note">
                                            "Drives the Pi coding agent through Inference Providers."
                                        </p>
                                    }
                                })}
                            <a
                                class="button primary open-wizard"
                                href=runs::routes::new_run_page(phase)
                            >
                                {match phase.status() {
                                    PhaseStatus::Available => "Set up this run",
                                    PhaseStatus::Planned => "See its options",
                                }}
                            </a>
                        }
                            .into_any()
                    }
                }}
            </div>
        </section>
    }
}

/// Marks phases that are listed but not runnable yet.
#[component]
fn PhaseBadge(phase: Phase) -> impl IntoView {
    match phase.status() {
        PhaseStatus::Available => None,
        PhaseStatus::Planned => Some(view! { <span class="badge">"coming soon"</span> }),
    }
}
