//! The full-inference gate (V9) of phase 8: what an article reproduction can honestly
//! claim, written by the worker to `inference_gate.json`.

use serde::{Deserialize, Serialize};

/// The file the worker writes with the gate's verdict and evidence.
pub const INFERENCE_GATE_JSON: &str = "inference_gate.json";

/// The file the agent writes when real inference cannot be wired, listing why.
pub const TECHNICAL_BLOCKERS_JSON: &str = "TECHNICAL_BLOCKERS.json";

/// How far a reproduction got, from "could not" to "proved with real output".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GateStatus {
    /// The agent documented why real inference cannot be wired (`TECHNICAL_BLOCKERS.json`).
    TechnicalBlocker,
    /// The app never answered its health check; nothing about inference can be said.
    HealthFailed,
    /// The app is up, but it is a scaffold: no evidence of real model inference.
    HealthOnly,
    /// The app is up and its code wires real inference, but no call proved model output.
    FullInferenceCandidateHealthPassed,
    /// The live API returned output that the evidence shows came from the model.
    FullInferencePassed,
}

impl GateStatus {
    /// The wire name, as in `inference_gate.json`.
    pub fn id(self) -> &'static str {
        match self {
            GateStatus::TechnicalBlocker => "technical_blocker",
            GateStatus::HealthFailed => "health_failed",
            GateStatus::HealthOnly => "health_only",
            GateStatus::FullInferenceCandidateHealthPassed => {
                "full_inference_candidate_health_passed"
            }
            GateStatus::FullInferencePassed => "full_inference_passed",
        }
    }

    /// Whether the status may be called a reproduction (only proved model output may).
    pub fn is_reproduction(self) -> bool {
        self == GateStatus::FullInferencePassed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_match_serde() {
        for status in [
            GateStatus::TechnicalBlocker,
            GateStatus::HealthFailed,
            GateStatus::HealthOnly,
            GateStatus::FullInferenceCandidateHealthPassed,
            GateStatus::FullInferencePassed,
        ] {
            assert_eq!(
                serde_json::to_string(&status).unwrap(),
                format!("\"{}\"", status.id())
            );
            assert_eq!(
                status.is_reproduction(),
                status == GateStatus::FullInferencePassed
            );
        }
    }
}
