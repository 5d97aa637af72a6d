//! The full-inference gate (V9): from the evidence of a phase 8 run — the agent's
//! `TECHNICAL_BLOCKERS.json`, the app's code, its health check and a live API call — the
//! one status the run may claim, and whether the run counts as a success in its mode.
//!
//! The rules, most cautious first: documented blockers win; an app that never became
//! healthy proves nothing; output counts as real model output only when the call passed,
//! the answer is not empty, not the input echoed and carries no placeholder wording, the
//! inference proof ([`crate::space::proof`]) saw two different inputs get two different
//! answers, and the code loads a model and has no placeholder wording either. Output that
//! is empty, echoed or the same for different inputs makes the app health-only whatever its
//! code says; code that loads a model without a proving call is a candidate; anything else
//! is a health-only scaffold. A scaffold is never called a reproduction.

use runs::proof::ProofVerdict;
use runs::{GateStatus, ImplementationMode, InferenceGate, InferenceProof};
use serde::Serialize;
use serde_json::Value;

/// Words that mark stand-in code or output (matched case-insensitively).
pub const PLACEHOLDER_MARKERS: [&str; 9] = [
    "placeholder",
    "not implemented",
    "notimplementederror",
    "todo",
    "dummy",
    "mock",
    "fake output",
    "lorem ipsum",
    "scaffold",
];

/// Code that loads or calls a model (matched case-insensitively).
pub const MODEL_LOADING: [&str; 8] = [
    "from_pretrained(",
    "pipeline(",
    "inferenceclient(",
    "hf_hub_download(",
    "snapshot_download(",
    "diffusionpipeline",
    "sentencetransformer(",
    "load_model(",
];

/// The attention alternatives the agent must look at before calling flash-attn a blocker.
pub const FLASH_ATTN_ALTERNATIVES: [&str; 3] = ["sdpa", "xformers", "kernels"];

/// `TECHNICAL_BLOCKERS.json` as the agent wrote it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Blockers {
    /// The file, parsed.
    pub document: Value,
    /// How many blockers it lists.
    pub count: usize,
    /// Whether a flash-attn blocker leaves out an alternative it had to investigate.
    pub flash_attn_alternatives_missing: Vec<String>,
}

impl Blockers {
    /// Parses the file; `Err` when it is not the documented shape (a non-empty `blockers`
    /// array of objects).
    pub fn parse(text: &str) -> Result<Blockers, String> {
        let document: Value = serde_json::from_str(text)
            .map_err(|e| format!("TECHNICAL_BLOCKERS.json is not JSON: {e}"))?;
        let list = document["blockers"]
            .as_array()
            .filter(|list| !list.is_empty() && list.iter().all(Value::is_object))
            .ok_or("TECHNICAL_BLOCKERS.json must hold a non-empty `blockers` array of objects")?;
        let mut missing = Vec::new();
        for blocker in list {
            let text = blocker.to_string().to_lowercase();
            if text.contains("flash") {
                let tried = blocker["alternatives_tried"].to_string().to_lowercase();
                for alt in FLASH_ATTN_ALTERNATIVES {
                    if !tried.contains(alt) && !missing.iter().any(|m| m == alt) {
                        missing.push(alt.to_owned());
                    }
                }
            }
        }
        Ok(Blockers {
            count: list.len(),
            document,
            flash_attn_alternatives_missing: missing,
        })
    }
}

/// What the app's code shows about inference.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AppScan {
    /// Files scanned (Python sources).
    pub files: Vec<String>,
    /// Model-loading calls found, as `file: call`.
    pub model_loading: Vec<String>,
    /// Placeholder wording found, as `file: word`.
    pub placeholder_markers: Vec<String>,
    /// Whether the model id the run names appears in the code.
    pub mentions_model_id: bool,
}

impl AppScan {
    /// Scans `(path, text)` Python files for model loading and placeholder wording.
    pub fn of<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
        model_id: Option<&str>,
    ) -> AppScan {
        let mut scan = AppScan::default();
        for (path, text) in files {
            if !path.ends_with(".py") {
                continue;
            }
            scan.files.push(path.to_owned());
            let lower = text.to_lowercase();
            for call in MODEL_LOADING {
                if lower.contains(call) {
                    scan.model_loading.push(format!("{path}: {call}"));
                }
            }
            for marker in PLACEHOLDER_MARKERS {
                if lower.contains(marker) {
                    scan.placeholder_markers.push(format!("{path}: {marker}"));
                }
            }
            if model_id.is_some_and(|id| text.contains(id)) {
                scan.mentions_model_id = true;
            }
        }
        scan
    }

    /// Code that loads a model and carries no placeholder wording.
    pub fn wires_inference(&self) -> bool {
        !self.model_loading.is_empty() && self.placeholder_markers.is_empty()
    }
}

/// The live API call's evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallEvidence {
    /// The endpoint called.
    pub api_name: Option<String>,
    /// The inputs sent.
    pub inputs: Vec<Value>,
    /// The outputs received (empty when the call failed).
    pub outputs: Vec<Value>,
    /// Whether the call answered with outputs of the declared types.
    pub passed: bool,
    /// Why it failed, if it did.
    pub error: Option<String>,
}

impl CallEvidence {
    /// Output that looks like a model's: present, not empty, not the input echoed, no
    /// placeholder wording. Returns the reasons it does not.
    pub fn output_objections(&self) -> Vec<String> {
        let mut why = Vec::new();
        if !self.passed {
            why.push(format!(
                "the API call did not pass{}",
                self.error
                    .as_deref()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default()
            ));
            return why;
        }
        let empty = |v: &Value| match v {
            Value::Null => true,
            Value::String(s) => s.trim().is_empty(),
            Value::Array(a) => a.is_empty(),
            Value::Object(o) => o.is_empty(),
            _ => false,
        };
        if self.outputs.is_empty() || self.outputs.iter().all(empty) {
            why.push(NO_OUTPUT.into());
        }
        if !self.outputs.is_empty() && self.outputs == self.inputs {
            why.push(ECHOED.into());
        }
        let text = Value::Array(self.outputs.clone())
            .to_string()
            .to_lowercase();
        for marker in PLACEHOLDER_MARKERS {
            if text.contains(marker) {
                why.push(format!("the output says `{marker}`"));
            }
        }
        why
    }
}

/// The objection to output that repeats its input.
const ECHOED: &str = "the API echoed its input";
/// The objection to a call that returned nothing.
const NO_OUTPUT: &str = "the API returned no output";

/// Everything the gate judges.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateInput {
    /// The run's implementation mode.
    pub mode: ImplementationMode,
    /// The agent's blockers file, if it wrote one.
    pub blockers: Option<Blockers>,
    /// Whether `GET /health` answered 2xx.
    pub health_passed: bool,
    /// The code scan.
    pub scan: AppScan,
    /// The API call, if one was made.
    pub call: Option<CallEvidence>,
    /// The inference proof (`tests/inference_proof.json`), when the call passed.
    pub proof: Option<InferenceProof>,
}

/// The gate's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GateDecision {
    /// The status claimed.
    pub status: GateStatus,
    /// Whether the run counts as a success in its mode.
    pub run_succeeds: bool,
    /// One sentence for the run's verdict; never calls a scaffold a reproduction.
    pub verdict: String,
    /// Why this status and not a better one.
    pub reasons: Vec<String>,
}

/// Judges `input`.
pub fn decide(input: &GateInput) -> GateDecision {
    use GateStatus::*;
    let mut reasons = Vec::new();
    if let Some(blockers) = &input.blockers {
        reasons.push(format!(
            "the agent documented {} technical blocker(s)",
            blockers.count
        ));
        if !blockers.flash_attn_alternatives_missing.is_empty() {
            reasons.push(format!(
                "a flash-attn blocker was declared without investigating: {}",
                blockers.flash_attn_alternatives_missing.join(", ")
            ));
        }
        return GateDecision {
            status: TechnicalBlocker,
            run_succeeds: false,
            verdict:
                "Not a reproduction: the agent documented technical blockers to real inference"
                    .into(),
            reasons,
        };
    }
    if !input.health_passed {
        reasons.push("GET /health did not answer 2xx".into());
        return GateDecision {
            status: HealthFailed,
            run_succeeds: false,
            verdict: "Not a reproduction: the app never passed its health check".into(),
            reasons,
        };
    }
    let mut objections = input
        .call
        .as_ref()
        .map(CallEvidence::output_objections)
        .unwrap_or_else(|| vec!["no API call was made".into()]);
    // Output that is empty, echoed or the same for different inputs is no model's.
    let mut disproved = objections.iter().any(|o| o == ECHOED || o == NO_OUTPUT);
    match &input.proof {
        Some(proof) if proof.verdict.disproves() => {
            disproved = true;
            objections.extend(
                proof
                    .reasons
                    .iter()
                    .map(|r| format!("inference proof: {r}")),
            );
        }
        Some(proof) if proof.verdict != ProofVerdict::Proven => {
            objections.extend(
                proof
                    .reasons
                    .iter()
                    .map(|r| format!("inference proof: {r}")),
            );
        }
        Some(_) => {}
        None if objections.is_empty() => objections.push("no inference proof was made".into()),
        None => {}
    }
    if input.scan.model_loading.is_empty() {
        reasons.push("the code loads no model".into());
    }
    reasons.extend(
        input
            .scan
            .placeholder_markers
            .iter()
            .map(|m| format!("placeholder wording in the code ({m})")),
    );
    if input.scan.wires_inference() && objections.is_empty() {
        let proof = input
            .proof
            .as_ref()
            .and_then(|p| p.reasons.first())
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        return GateDecision {
            status: FullInferencePassed,
            run_succeeds: true,
            verdict: "Reproduction verified: the live API returned model output".into(),
            reasons: vec![format!(
                "the code loads a model and the live API returned real output{proof}"
            )],
        };
    }
    reasons.extend(objections);
    let mode = input.mode;
    if input.scan.wires_inference() && !disproved {
        return GateDecision {
            status: FullInferenceCandidateHealthPassed,
            run_succeeds: mode != ImplementationMode::FullInferenceGated,
            verdict: "Not verified as a reproduction: the app is healthy and wires real inference, but no call proved model output".into(),
            reasons,
        };
    }
    let (run_succeeds, verdict) = match (mode, input.scan.wires_inference()) {
        (ImplementationMode::FullInferenceGated, false) => (
            false,
            "Not a reproduction: the app is a health-only scaffold, and this run required real inference",
        ),
        (ImplementationMode::FullInferenceGated, true) => (
            false,
            "Not a reproduction: the live API's answers are empty, echoed or the same for different inputs, not model output, and this run required real inference",
        ),
        (ImplementationMode::FullInferenceAttempt, false) => (
            true,
            "Partial result, not a reproduction: the app is a health-only scaffold",
        ),
        (ImplementationMode::FullInferenceAttempt, true) => (
            true,
            "Partial result, not a reproduction: the live API's answers are empty, echoed or the same for different inputs",
        ),
        (ImplementationMode::SafeScaffold, _) => (
            true,
            "A working scaffold, as asked; not a reproduction",
        ),
    };
    GateDecision {
        status: HealthOnly,
        run_succeeds,
        verdict: verdict.into(),
        reasons,
    }
}

/// The evidence part of `inference_gate.json` ([`InferenceGate::evidence`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateEvidence<'a> {
    /// Whether `GET /health` answered 2xx.
    pub health_passed: bool,
    /// The agent's blockers file, if it wrote one.
    pub technical_blockers: Option<&'a Blockers>,
    /// The code scan.
    pub code: &'a AppScan,
    /// The API call, if one was made.
    pub api_call: Option<&'a CallEvidence>,
}

/// `inference_gate.json`: the status, the verdict and all the evidence behind it.
pub fn gate_record<'a>(
    input: &'a GateInput,
    decision: &GateDecision,
) -> InferenceGate<GateEvidence<'a>> {
    InferenceGate::new(
        decision.status,
        input.mode,
        decision.run_succeeds,
        decision.verdict.clone(),
        decision.reasons.clone(),
        GateEvidence {
            health_passed: input.health_passed,
            technical_blockers: input.blockers.as_ref(),
            code: &input.scan,
            api_call: input.call.as_ref(),
        },
    )
}

/// [`gate_record`] as the JSON the recorder writes (and redacts).
pub fn gate_json(input: &GateInput, decision: &GateDecision) -> Value {
    serde_json::to_value(gate_record(input, decision)).expect("the gate record serializes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const REAL_APP: &str =
        "from transformers import pipeline\nclf = pipeline('text-classification', model='org/m')\n";
    const SCAFFOLD: &str = "def predict(x):\n    return 'placeholder: model not loaded'\n";

    fn call(passed: bool, output: &str) -> CallEvidence {
        CallEvidence {
            api_name: Some("/predict".into()),
            inputs: vec![json!("I love it")],
            outputs: if passed { vec![json!(output)] } else { vec![] },
            passed,
            error: (!passed).then(|| "timed out".into()),
        }
    }

    fn proof(verdict: ProofVerdict) -> InferenceProof {
        use runs::proof::{InputOrigin, OutputKind, ProofCall};
        let call = |origin, input: &str, output: &str| ProofCall {
            origin,
            inputs: vec![json!(input)],
            outputs: vec![json!(output)],
            latency_ms: Some(5),
            error: None,
        };
        InferenceProof {
            api_name: "/predict".into(),
            output_kind: OutputKind::Declared,
            calls: vec![
                call(InputOrigin::Example, "I love it", "POSITIVE (0.98)"),
                call(InputOrigin::Worker, "Another", "NEGATIVE (0.61)"),
            ],
            verdict,
            reasons: vec![format!("the proof says {}", verdict.id())],
        }
    }

    /// The gate's input; a call that passed comes with a proof that proved the model.
    fn input(
        mode: ImplementationMode,
        code: &str,
        health: bool,
        call: Option<CallEvidence>,
    ) -> GateInput {
        let proved = call.as_ref().is_some_and(|c| c.passed);
        GateInput {
            mode,
            blockers: None,
            health_passed: health,
            scan: AppScan::of([("app.py", code)], Some("org/m")),
            call,
            proof: proved.then(|| proof(ProofVerdict::Proven)),
        }
    }

    #[test]
    fn real_code_and_real_output_pass_the_gate() {
        let d = decide(&input(
            ImplementationMode::FullInferenceGated,
            REAL_APP,
            true,
            Some(call(true, "POSITIVE (0.98)")),
        ));
        assert_eq!(d.status, GateStatus::FullInferencePassed);
        assert!(d.run_succeeds);
        assert!(
            d.reasons[0].ends_with("(the proof says proven)"),
            "{:?}",
            d.reasons
        );
    }

    #[test]
    fn a_scaffold_is_health_only_and_fails_the_gated_mode() {
        let i = input(
            ImplementationMode::FullInferenceGated,
            SCAFFOLD,
            true,
            Some(call(true, "placeholder: model not loaded")),
        );
        let d = decide(&i);
        assert_eq!(d.status, GateStatus::HealthOnly);
        assert!(!d.run_succeeds);
        assert!(d.verdict.starts_with("Not a reproduction"));
        assert!(
            d.reasons.iter().any(|r| r == "the code loads no model"),
            "{:?}",
            d.reasons
        );
        let json = gate_json(&i, &d);
        assert_eq!(json["status"], "health_only");
        assert_eq!(json["is_reproduction"], false);
        // The other modes accept it, and still never call it a reproduction.
        for mode in [
            ImplementationMode::FullInferenceAttempt,
            ImplementationMode::SafeScaffold,
        ] {
            let d = decide(&GateInput { mode, ..i.clone() });
            assert_eq!(d.status, GateStatus::HealthOnly);
            assert!(d.run_succeeds);
            assert!(d.verdict.contains("not a reproduction"), "{}", d.verdict);
        }
    }

    #[test]
    fn real_code_without_a_proving_call_is_a_candidate() {
        for (call, objection) in [
            (
                Some(call(false, "")),
                "the API call did not pass: timed out",
            ),
            (None, "no API call was made"),
        ] {
            let d = decide(&input(
                ImplementationMode::FullInferenceGated,
                REAL_APP,
                true,
                call,
            ));
            assert_eq!(d.status, GateStatus::FullInferenceCandidateHealthPassed);
            assert!(!d.run_succeeds);
            assert!(d.reasons.iter().any(|r| r == objection), "{:?}", d.reasons);
        }
        // A passed call whose proof could not be completed proves nothing either way.
        for (proof, objection) in [
            (
                Some(proof(ProofVerdict::CallFailed)),
                "inference proof: the proof says call_failed",
            ),
            (None, "no inference proof was made"),
        ] {
            let mut i = input(
                ImplementationMode::FullInferenceGated,
                REAL_APP,
                true,
                Some(call(true, "POSITIVE (0.98)")),
            );
            i.proof = proof;
            let d = decide(&i);
            assert_eq!(d.status, GateStatus::FullInferenceCandidateHealthPassed);
            assert!(d.reasons.iter().any(|r| r == objection), "{:?}", d.reasons);
        }
    }

    #[test]
    fn constant_echoed_or_empty_output_is_health_only_even_from_real_code() {
        let echoed = input(
            ImplementationMode::FullInferenceGated,
            REAL_APP,
            true,
            Some(call(true, "I love it")),
        );
        let mut constant = input(
            ImplementationMode::FullInferenceGated,
            REAL_APP,
            true,
            Some(call(true, "POSITIVE (0.98)")),
        );
        constant.proof = Some(proof(ProofVerdict::Constant));
        let mut empty = constant.clone();
        empty.proof = Some(proof(ProofVerdict::Empty));
        for (i, objection) in [
            (echoed, "the API echoed its input"),
            (constant, "inference proof: the proof says constant"),
            (empty, "inference proof: the proof says empty"),
        ] {
            let d = decide(&i);
            assert_eq!(d.status, GateStatus::HealthOnly, "{objection}");
            assert!(!d.run_succeeds && !d.status.is_reproduction());
            assert!(d.verdict.starts_with("Not a reproduction"), "{}", d.verdict);
            assert!(d.reasons.iter().any(|r| r == objection), "{:?}", d.reasons);
            let attempt = decide(&GateInput {
                mode: ImplementationMode::FullInferenceAttempt,
                ..i.clone()
            });
            assert_eq!(attempt.status, GateStatus::HealthOnly);
            assert!(attempt.run_succeeds);
            assert!(attempt.verdict.contains("not a reproduction"));
        }
    }

    #[test]
    fn blockers_win_and_an_unhealthy_app_proves_nothing() {
        let blockers = Blockers::parse(
            r#"{"blockers": [{"component": "flash-attn", "problem": "needs CUDA 12 build",
                "alternatives_tried": ["sdpa: unsupported by the custom kernel"]}]}"#,
        )
        .unwrap();
        assert_eq!(
            blockers.flash_attn_alternatives_missing,
            ["xformers", "kernels"]
        );
        let mut i = input(
            ImplementationMode::FullInferenceAttempt,
            REAL_APP,
            true,
            Some(call(true, "x y")),
        );
        i.blockers = Some(blockers);
        let d = decide(&i);
        assert_eq!(d.status, GateStatus::TechnicalBlocker);
        assert!(!d.run_succeeds);
        assert!(d.reasons[1].contains("without investigating: xformers, kernels"));
        let d = decide(&input(
            ImplementationMode::SafeScaffold,
            SCAFFOLD,
            false,
            None,
        ));
        assert_eq!(d.status, GateStatus::HealthFailed);
        assert!(!d.run_succeeds);
    }

    #[test]
    fn the_record_keeps_the_shape_inference_gate_json_always_had() {
        let mut i = input(
            ImplementationMode::FullInferenceAttempt,
            REAL_APP,
            true,
            Some(call(false, "")),
        );
        i.blockers = Some(Blockers::parse(r#"{"blockers": [{"component": "cuda"}]}"#).unwrap());
        let d = decide(&i);
        assert_eq!(
            gate_json(&i, &d),
            json!({
                "status": d.status,
                "mode": i.mode,
                "is_reproduction": d.status.is_reproduction(),
                "run_succeeds": d.run_succeeds,
                "verdict": d.verdict,
                "reasons": d.reasons,
                "evidence": {
                    "health_passed": i.health_passed,
                    "technical_blockers": i.blockers,
                    "code": i.scan,
                    "api_call": i.call,
                },
            })
        );
    }

    #[test]
    fn malformed_blocker_files_are_refused() {
        assert!(Blockers::parse("nope").is_err());
        assert!(Blockers::parse(r#"{"blockers": []}"#).is_err());
        assert!(Blockers::parse(r#"{"blockers": ["text"]}"#).is_err());
    }
}
