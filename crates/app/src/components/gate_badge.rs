//! The inference gate's verdict (article reproduction) as a badge.

use leptos::prelude::*;

/// The gate status (`full_inference_passed`, `health_only`, `technical_blocker`, …) with a
/// colour for how far the run got.
#[component]
pub fn GateBadge(gate: String) -> impl IntoView {
    let tone = match gate.as_str() {
        "full_inference_passed" => "good",
        "full_inference_candidate_health_passed" | "health_only" => "partial",
        _ => "bad",
    };
    view! {
        <span class=format!("gate-badge gate-{tone}") data-gate=gate.clone()>
            "Gate: "{gate.replace('_', " ")}
        </span>
    }
}
