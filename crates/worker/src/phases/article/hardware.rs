//! Hardware for a reproduction, best effort: ZeroGPU first, a fixed GPU only when the user
//! allowed it, and never a retry of a refusal. A 401, 402 or 403 means the token or the
//! account may not do this (OAuth tokens cannot set hardware; GPUs need a payment method):
//! it is recorded as "manual hardware action required" and the run goes on on the
//! Space's default hardware.

use crate::engine::Recorder;
use crate::space::HubAccess;
use hub::{HubError, RepoId};
use runs::Level;
use serde::Serialize;
use serde_json::json;

/// The ZeroGPU flavor asked for first.
pub const ZERO_GPU: &str = "zero-a10g";
/// The fixed GPU asked for when ZeroGPU is not available and the user allowed it.
pub const FALLBACK_GPU: &str = "t4-small";
/// Where the attempts are recorded.
pub const HARDWARE_JSON: &str = "diagnostics/hardware.json";

/// One hardware request and its answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attempt {
    /// The flavor asked for.
    pub flavor: String,
    /// `granted`, `refused` (401/402/403) or `failed` (anything else).
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

/// Asks for ZeroGPU, then (only if allowed, and only when ZeroGPU failed for a reason
/// other than a refusal) for [`FALLBACK_GPU`]; records `diagnostics/hardware.json` and an
/// event. Never fails the run.
pub async fn request(
    rec: &mut Recorder,
    access: &HubAccess,
    space: &RepoId,
    allow_gpu_fallback: bool,
) -> HardwareOutcome {
    let mut outcome = HardwareOutcome {
        granted: None,
        manual_action_required: false,
        attempts: Vec::new(),
    };
    let mut flavors = vec![ZERO_GPU];
    if allow_gpu_fallback {
        flavors.push(FALLBACK_GPU);
    }
    for flavor in flavors {
        let answer = access
            .hub
            .request_space_hardware(space, flavor, None, &access.token)
            .await;
        let (result, detail) = match answer {
            Ok(_) => ("granted", format!("{flavor} granted")),
            Err(
                e @ (HubError::Unauthorized { .. }
                | HubError::PaymentRequired { .. }
                | HubError::Forbidden { .. }),
            ) => ("refused", e.to_string()),
            Err(e) => ("failed", e.to_string()),
        };
        outcome.attempts.push(Attempt {
            flavor: flavor.into(),
            result: result.into(),
            detail: rec.redactor().redact(&detail),
        });
        match result {
            "granted" => {
                outcome.granted = Some(flavor.into());
                break;
            }
            "refused" => {
                outcome.manual_action_required = true;
                break;
            }
            _ => {}
        }
    }
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
