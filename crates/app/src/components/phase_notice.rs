//! The note on a recipe the worker cannot run yet.

use leptos::prelude::*;
use runs::{Phase, PhaseStatus};

/// Says plainly that `phase` is planned but not implemented; nothing for available ones.
#[component]
pub fn PhaseNotice(phase: Phase) -> impl IntoView {
    (phase.status() == PhaseStatus::Planned).then(|| {
        view! {
            <p class="notice info planned" role="note">
                <span class="badge">"coming soon"</span>
                " The worker does not implement this recipe yet. You can look at its options; launching opens once it lands."
            </p>
        }
    })
}
