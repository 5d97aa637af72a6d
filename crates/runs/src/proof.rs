//! The inference proof of phases 5 and 8: the live API called with two different inputs,
//! what came back, how long it took, and whether that shows a model at work. The worker
//! writes it to `tests/inference_proof.json` (beside `inference_gate.json`, whose status
//! follows from it); the run page shows it as the gate's evidence.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The proof's file, relative to the run folder ([`crate::RunPaths::inference_proof`]).
pub const INFERENCE_PROOF_JSON: &str = "tests/inference_proof.json";

/// What real output of the pipeline looks like, so a proof judges the model's part only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputKind {
    /// Text (seq2seq output: a summary, a translation, an answer).
    Text,
    /// Text that repeats the prompt (the first input) and continues it: the model's part
    /// is what follows the prompt.
    Continuation,
    /// A `gr.Label` value: `{"label": …, "confidences": […]}` (classification, fill-mask).
    Label,
    /// A JSON list (token-classification entities).
    List,
    /// Whatever the app's API schema declares (an app the worker did not write).
    Declared,
}

/// Where a proof call's inputs came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputOrigin {
    /// The app's own example (the validation call).
    Example,
    /// Made by the worker for the pipeline, different from the example.
    Worker,
}

/// One call of the proof.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProofCall {
    /// Where the inputs came from.
    pub origin: InputOrigin,
    /// The inputs sent, one per parameter.
    pub inputs: Vec<Value>,
    /// The outputs received (empty when the call failed).
    pub outputs: Vec<Value>,
    /// Wall time of the call in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    /// Why the call failed, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What the calls show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProofVerdict {
    /// Different inputs gave different outputs of the pipeline's type: model output.
    Proven,
    /// Different inputs gave the same output.
    Constant,
    /// An output repeated its input.
    Echoed,
    /// An output was empty.
    Empty,
    /// An output is not of the pipeline's type.
    WrongType,
    /// A call failed: nothing can be said either way.
    CallFailed,
    /// No second input could be made for the endpoint's parameters.
    NoSecondInput,
}

impl ProofVerdict {
    /// The wire name, as in `inference_proof.json`.
    pub fn id(self) -> &'static str {
        match self {
            ProofVerdict::Proven => "proven",
            ProofVerdict::Constant => "constant",
            ProofVerdict::Echoed => "echoed",
            ProofVerdict::Empty => "empty",
            ProofVerdict::WrongType => "wrong_type",
            ProofVerdict::CallFailed => "call_failed",
            ProofVerdict::NoSecondInput => "no_second_input",
        }
    }

    /// Whether the calls show the output is not model output (constant, echoed, empty or
    /// of the wrong type): the app is then health-only, whatever its code says.
    pub fn disproves(self) -> bool {
        matches!(
            self,
            ProofVerdict::Constant
                | ProofVerdict::Echoed
                | ProofVerdict::Empty
                | ProofVerdict::WrongType
        )
    }
}

/// `tests/inference_proof.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InferenceProof {
    /// The endpoint called (`/predict`).
    pub api_name: String,
    /// What the pipeline's output must look like.
    pub output_kind: OutputKind,
    /// The calls, the app's example first.
    pub calls: Vec<ProofCall>,
    /// What they show.
    pub verdict: ProofVerdict,
    /// Why, in sentences.
    pub reasons: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recorded_proof_reads_back_typed() {
        let text = r#"{"api_name": "/guess", "output_kind": "declared",
          "calls": [
            {"origin": "example", "inputs": ["a"], "outputs": ["x"], "latency_ms": 12},
            {"origin": "worker", "inputs": ["b"], "outputs": [], "error": "timed out"}],
          "verdict": "call_failed", "reasons": ["the second call failed: timed out"]}"#;
        let proof: InferenceProof = serde_json::from_str(text).unwrap();
        assert_eq!(proof.verdict, ProofVerdict::CallFailed);
        assert_eq!(proof.calls[1].origin, InputOrigin::Worker);
        assert_eq!(proof.calls[1].latency_ms, None);
        let again = serde_json::to_value(&proof).unwrap();
        assert_eq!(again, serde_json::from_str::<Value>(text).unwrap());
    }

    #[test]
    fn only_constant_echoed_empty_or_mistyped_output_disproves() {
        for (verdict, disproves) in [
            (ProofVerdict::Proven, false),
            (ProofVerdict::Constant, true),
            (ProofVerdict::Echoed, true),
            (ProofVerdict::Empty, true),
            (ProofVerdict::WrongType, true),
            (ProofVerdict::CallFailed, false),
            (ProofVerdict::NoSecondInput, false),
        ] {
            assert_eq!(verdict.disproves(), disproves, "{verdict:?}");
            assert_eq!(
                serde_json::to_string(&verdict).unwrap(),
                format!("\"{}\"", verdict.id())
            );
        }
    }
}
