//! A run's status as a coloured word.

use leptos::prelude::*;
use runs::RunStatus;

/// The status in words with a class per status (`status-succeeded`, …) for colour.
#[component]
pub fn StatusBadge(#[prop(into)] status: Signal<RunStatus>) -> impl IntoView {
    view! {
        <span
            class=move || format!("status-badge status-{}", slug(status.get()))
            data-status=move || slug(status.get())
        >
            {move || label(status.get())}
        </span>
    }
}

/// The wire name of a status (`timed_out`).
pub fn slug(status: RunStatus) -> &'static str {
    match status {
        RunStatus::Queued => "queued",
        RunStatus::Running => "running",
        RunStatus::Succeeded => "succeeded",
        RunStatus::Failed => "failed",
        RunStatus::Cancelled => "cancelled",
        RunStatus::TimedOut => "timed_out",
    }
}

/// The status as people say it.
pub fn label(status: RunStatus) -> &'static str {
    match status {
        RunStatus::Queued => "Queued",
        RunStatus::Running => "Running",
        RunStatus::Succeeded => "Succeeded",
        RunStatus::Failed => "Failed",
        RunStatus::Cancelled => "Cancelled",
        RunStatus::TimedOut => "Timed out",
    }
}
