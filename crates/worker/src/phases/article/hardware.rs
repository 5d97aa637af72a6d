//! Hardware for a reproduction, best effort, asked for in the Space's create request (an
//! OAuth token may not change hardware afterwards: the Hub answers 401): ZeroGPU first, a
//! fixed GPU only when the user allowed it, then the default hardware. A refusal (402, 403:
//! no PRO, no payment method, no ZeroGPU slot left) is recorded as "manual hardware action
//! required" and the next choice is created instead; nothing refused is asked again.

use crate::engine::Recorder;
use crate::space::{SpaceSettings, TargetSpace};
use runs::Level;
use serde::Serialize;
use serde_json::json;

/// The ZeroGPU flavor asked for first.
pub const ZERO_GPU: &str = runs::hardware::ZERO_GPU;
/// The fixed GPU asked for when ZeroGPU is not available and the user allowed it.
pub const FALLBACK_GPU: &str = runs::hardware::FALLBACK_GPU;
/// Where the attempts are recorded.
pub const HARDWARE_JSON: &str = "diagnostics/hardware.json";

/// One hardware request and its answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attempt {
    /// The flavor asked for.
    pub flavor: String,
    /// `granted` or `refused` (402/403).
    pub result: String,
    /// The Hub's answer, for people.
    pub detail: String,
}

/// What came of the hardware requests.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HardwareOutcome {
    /// The flavor granted, if any.
    pub granted: Option<String>,
    /// Whether someone must set the hardware by hand (a request was refused).
    pub manual_action_required: bool,
    /// Every request made, in order.
    pub attempts: Vec<Attempt>,
}

/// What the Space is created with: ZeroGPU asked for in the create body (an OAuth token
/// may not set hardware afterwards), then, when the Hub refuses that, [`FALLBACK_GPU`] if
/// the user allowed it, then the Space's default hardware.
pub fn settings(allow_gpu_fallback: bool) -> SpaceSettings {
    let mut fallbacks = Vec::new();
    if allow_gpu_fallback {
        fallbacks.push(Some(FALLBACK_GPU.to_owned()));
    }
    fallbacks.push(None);
    SpaceSettings {
        hardware: Some(ZERO_GPU.to_owned()),
        hardware_fallbacks: fallbacks,
        ..SpaceSettings::default()
    }
}

/// Records what the create came to (`diagnostics/hardware.json` and an event): the
/// hardware granted, and each refusal before it. Never fails the run.
pub fn record(rec: &mut Recorder, target: &TargetSpace) -> HardwareOutcome {
    let mut attempts: Vec<Attempt> = target
        .hardware_refused
        .iter()
        .map(|refusal| Attempt {
            flavor: refusal.hardware.clone().unwrap_or_else(|| "default".into()),
            result: "refused".into(),
            detail: refusal.detail.clone(),
        })
        .collect();
    if let Some(flavor) = &target.hardware {
        attempts.push(Attempt {
            flavor: flavor.clone(),
            result: "granted".into(),
            detail: format!("{flavor} granted in the create request"),
        });
    }
    let outcome = HardwareOutcome {
        granted: target.hardware.clone(),
        manual_action_required: !target.hardware_refused.is_empty(),
        attempts,
    };
    let (level, message) = match (&outcome.granted, outcome.manual_action_required) {
        (Some(flavor), _) => (Level::Info, format!("hardware {flavor} granted")),
        (None, true) => (
            Level::Warn,
            format!(
                "manual hardware action required: the Hub refused {} ({}); the Space runs on its default hardware",
                outcome.attempts.last().map_or("", |a| a.flavor.as_str()),
                outcome.attempts.last().map_or("", |a| a.detail.as_str())
            ),
        ),
        (None, false) => (
            Level::Warn,
            "no GPU hardware could be set; the Space runs on its default hardware".into(),
        ),
    };
    let value = serde_json::to_value(&outcome).expect("outcome serializes");
    let _ = rec.json_artifact(HARDWARE_JSON, &value);
    let _ = rec.event(level, &message, json!({"hardware": value}));
    outcome
}
