//! The inference gate's verdict (phases 5 and 8) as a badge.

use leptos::prelude::*;
use runs::GateStatus;

/// The gate status (`full_inference_passed`, `health_only`, `technical_blocker`, …) with a
/// colour for how far the run got.
#[component]
pub fn GateBadge(gate: GateStatus) -> impl IntoView {
    let tone = match gate {
        GateStatus::FullInferencePassed => "good",
        GateStatus::FullInferenceCandidateHealthPassed | GateStatus::HealthOnly => "partial",
        GateStatus::TechnicalBlocker | GateStatus::HealthFailed => "bad",
    };
    view! {
        <span class=format!("gate-badge gate-{tone}") data-gate=gate.id()>
            "Gate: "
            {gate.id().replace('_', " ")}
        </span>
    }
}
