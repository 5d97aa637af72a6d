//! The full-inference gate (V9) of phases 5 and 8: what a model app or an article
//! reproduction can honestly claim, written by the worker to `inference_gate.json` (its
//! proof, two calls with different inputs, beside it: [`crate::proof`]).

use serde::{Deserialize, Serialize};

use crate::ImplementationMode;

/// The file the worker writes with the gate's verdict and evidence ([`InferenceGate`]),
/// relative to the run folder ([`crate::RunPaths::inference_gate`]).
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

/// `inference_gate.json`: the status the run may claim, the verdict, and the evidence
/// behind it. The worker writes it (with its own typed evidence `E`); the server reads it
/// back with the evidence left as JSON, which only the worker interprets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InferenceGate<E = serde_json::Value> {
    /// The status claimed.
    pub status: GateStatus,
    /// The run's implementation mode.
    pub mode: ImplementationMode,
    /// Whether the status may be called a reproduction ([`GateStatus::is_reproduction`]).
    pub is_reproduction: bool,
    /// Whether the run counts as a success in its mode.
    pub run_succeeds: bool,
    /// One sentence for the run's verdict; never calls a scaffold a reproduction.
    pub verdict: String,
    /// Why this status and not a better one.
    pub reasons: Vec<String>,
    /// What the gate judged.
    pub evidence: E,
}

impl<E> InferenceGate<E> {
    /// The record of a verdict, with `is_reproduction` following from `status`.
    pub fn new(
        status: GateStatus,
        mode: ImplementationMode,
        run_succeeds: bool,
        verdict: String,
        reasons: Vec<String>,
        evidence: E,
    ) -> InferenceGate<E> {
        InferenceGate {
            status,
            mode,
            is_reproduction: status.is_reproduction(),
            run_succeeds,
            verdict,
            reasons,
            evidence,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recorded_gate_reads_back_typed() {
        // As phase 8 writes it (`crates/worker/tests/it/job_article.rs` checks the same fields).
        let text = r#"{
          "evidence": {"api_call": null, "code": {"files": ["app.py"], "mentions_model_id": false,
            "model_loading": [], "placeholder_markers": ["app.py: scaffold"]},
            "health_passed": true, "technical_blockers": null},
          "is_reproduction": false,
          "mode": "full-inference-attempt",
          "reasons": ["the code loads no model"],
          "run_succeeds": true,
          "status": "health_only",
          "verdict": "Partial result, not a reproduction: the app is a health-only scaffold"
        }"#;
        let gate: InferenceGate = serde_json::from_str(text).unwrap();
        assert_eq!(gate.status, GateStatus::HealthOnly);
        assert_eq!(gate.mode, ImplementationMode::FullInferenceAttempt);
        assert!(!gate.is_reproduction && gate.run_succeeds);
        assert_eq!(gate.evidence["health_passed"], true);
        let again: serde_json::Value = serde_json::to_value(&gate).unwrap();
        assert_eq!(
            again,
            serde_json::from_str::<serde_json::Value>(text).unwrap()
        );
    }

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
