//! Proof that a live app runs its model (phases 5 and 8): after the validation call with
//! the app's example, one more call with a different input the worker makes, then the
//! judgement of both ([`judge`]): outputs of the pipeline's type that differ, neither
//! empty nor the input echoed. Recorded as the step `inference_proof`, with the evidence in
//! `tests/inference_proof.json` ([`runs::InferenceProof`]); the gate reads its verdict.

use super::probe;
use super::validate::Validation;
use super::HubAccess;
use crate::engine::step::step_async;
use crate::engine::{Recorder, StepFailure};
use hub::apps::AppTarget;
use hub::gradio::Endpoint;
use runs::proof::{InputOrigin, OutputKind, ProofCall, ProofVerdict, INFERENCE_PROOF_JSON};
use runs::InferenceProof;
use serde_json::Value;

/// The step this module records.
pub const PROOF_STEP: &str = "inference_proof";

/// The text the worker sends in place of an app's example text.
pub const WORKER_SENTENCE: &str =
    "A second sentence, written by the worker, to see the answer change with its input.";
/// [`WORKER_SENTENCE`] for a parameter whose example holds a `[MASK]`.
pub const WORKER_MASKED_SENTENCE: &str = "The worker checks that the [MASK] changes the answer.";

/// The worker's second input for an app it did not write: the example with its first text
/// parameter replaced by [`WORKER_SENTENCE`] (or, with no text, its first number changed);
/// `None` when nothing in the example can be changed that way.
pub fn worker_inputs(example: &[Value]) -> Option<Vec<Value>> {
    let mut inputs = example.to_vec();
    let text = inputs.iter().position(Value::is_string);
    if let Some(i) = text {
        let old = inputs[i].as_str().unwrap_or_default();
        let new = if old.contains("[MASK]") {
            WORKER_MASKED_SENTENCE
        } else {
            WORKER_SENTENCE
        };
        inputs[i] = Value::String(new.to_owned());
    } else if let Some(i) = inputs.iter().position(Value::is_number) {
        let old = inputs[i].as_f64().unwrap_or_default();
        inputs[i] = match inputs[i].as_i64() {
            Some(n) => Value::from(if n == 0 { 1 } else { n * 2 }),
            None => Value::from(if old == 0.0 { 1.0 } else { old * 2.0 }),
        };
    }
    (inputs != example).then_some(inputs)
}

/// Whether `output` (an app's first output, for the call whose first input is
/// `first_input`) is real output of a `kind` pipeline; `Ok` says what it is.
pub fn fits(kind: OutputKind, first_input: &Value, output: &Value) -> Result<String, String> {
    match kind {
        OutputKind::Continuation => {
            let prompt = first_input.as_str().unwrap_or_default();
            match output.as_str() {
                Some(s) if s.starts_with(prompt) => Ok(format!(
                    "text continuing the prompt ({} characters added)",
                    s.len() - prompt.len()
                )),
                Some(s) => Err(format!("text that does not continue the prompt: {s:?}")),
                None => Err(format!("not text: {output}")),
            }
        }
        OutputKind::Text => output
            .as_str()
            .map(|s| format!("text ({} characters)", s.len()))
            .ok_or_else(|| format!("not text: {output}")),
        OutputKind::Label => match output.get("label") {
            Some(l) if !l.is_null() => Ok(format!("label {l}")),
            _ => Err(format!("not a label: {output}")),
        },
        OutputKind::List => output
            .as_array()
            .map(|a| format!("a list of {} items", a.len()))
            .ok_or_else(|| format!("not a list: {output}")),
        OutputKind::Declared => Ok("output of the declared type".into()),
    }
}

/// What the calls show about the app's output, and why.
pub fn judge(
    kind: OutputKind,
    endpoint: &Endpoint,
    calls: &[ProofCall],
) -> (ProofVerdict, Vec<String>) {
    let say = |verdict, why: String| (verdict, vec![why]);
    if let Some(call) = calls.iter().find(|c| c.error.is_some()) {
        let error = call.error.as_deref().unwrap_or_default();
        return say(
            ProofVerdict::CallFailed,
            format!("the call with {} failed: {error}", shown(&call.inputs)),
        );
    }
    let distinct = calls
        .iter()
        .enumerate()
        .all(|(i, c)| calls[..i].iter().all(|d| d.inputs != c.inputs));
    if calls.len() < 2 || !distinct {
        return say(
            ProofVerdict::NoSecondInput,
            "no second, different input could be made for the endpoint's parameters".into(),
        );
    }
    for call in calls {
        if let Err(why) = call_fits(kind, endpoint, call) {
            return say(
                ProofVerdict::WrongType,
                format!(
                    "the answer to {} does not fit the pipeline: {why}",
                    shown(&call.inputs)
                ),
            );
        }
    }
    for call in calls {
        if echoes(kind, call) {
            return say(
                ProofVerdict::Echoed,
                format!("the answer to {} repeats its input", shown(&call.inputs)),
            );
        }
    }
    let parts: Vec<Value> = calls.iter().map(|c| model_part(kind, c)).collect();
    if let Some(i) = parts.iter().position(is_empty) {
        return say(
            ProofVerdict::Empty,
            format!("the answer to {} is empty", shown(&calls[i].inputs)),
        );
    }
    if parts.iter().all(|p| p == &parts[0]) {
        return say(
            ProofVerdict::Constant,
            format!(
                "{} different inputs got the same answer, {}",
                calls.len(),
                parts[0]
            ),
        );
    }
    say(
        ProofVerdict::Proven,
        format!(
            "{} different inputs got {} different answers of the pipeline's type",
            calls.len(),
            calls.len()
        ),
    )
}

fn call_fits(kind: OutputKind, endpoint: &Endpoint, call: &ProofCall) -> Result<(), String> {
    let Some(first) = call.outputs.first() else {
        return Err("no output".into());
    };
    if kind == OutputKind::Declared {
        return match probe::mismatches(&probe::check_types(endpoint, &call.outputs)) {
            Some(bad) => Err(bad),
            None => Ok(()),
        };
    }
    let input = call.inputs.first().unwrap_or(&Value::Null);
    fits(kind, input, first).map(|_| ())
}

/// The part of an answer the model made: a continuation's added text, else the outputs
/// the pipeline judges (its first output, or all of them for an app the worker did not
/// write).
fn model_part(kind: OutputKind, call: &ProofCall) -> Value {
    let first = call.outputs.first().cloned().unwrap_or(Value::Null);
    match kind {
        OutputKind::Continuation => {
            let prompt = call.inputs.first().and_then(Value::as_str).unwrap_or("");
            let text = first.as_str().unwrap_or_default();
            Value::String(text.strip_prefix(prompt).unwrap_or(text).trim().to_owned())
        }
        OutputKind::Declared => Value::Array(call.outputs.clone()),
        _ => first,
    }
}

/// Whether the answer repeats its input: the outputs are the inputs, a text output is a
/// text input, or a continuation adds nothing to its prompt.
fn echoes(kind: OutputKind, call: &ProofCall) -> bool {
    if call.outputs == call.inputs {
        return true;
    }
    if kind == OutputKind::Continuation {
        let prompt = call.inputs.first().and_then(Value::as_str).unwrap_or("");
        let text = call.outputs.first().and_then(Value::as_str).unwrap_or("");
        return text.trim() == prompt.trim();
    }
    let texts = |values: &[Value]| -> Vec<String> {
        values
            .iter()
            .filter_map(Value::as_str)
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let inputs = texts(&call.inputs);
    texts(&call.outputs).iter().any(|o| inputs.contains(o))
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty() || a.iter().all(is_empty),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// Inputs as short text for a reason.
fn shown(inputs: &[Value]) -> String {
    let text = Value::Array(inputs.to_vec()).to_string();
    if text.chars().count() > 120 {
        format!("{}…", text.chars().take(120).collect::<String>())
    } else {
        text
    }
}

/// Proves the validated `app` runs its model (step `inference_proof`): the
/// validation's call is the first evidence, then one call with `second` (the worker's
/// input for the pipeline; made from the example by [`worker_inputs`] when `None`).
/// Writes `tests/inference_proof.json`; the step passes once the evidence is recorded,
/// whatever it shows: the gate judges it.
pub async fn prove(
    rec: &mut Recorder,
    access: &HubAccess,
    app: &AppTarget,
    validation: &Validation,
    second: Option<Vec<Value>>,
    kind: OutputKind,
) -> Result<InferenceProof, StepFailure> {
    step_async(rec, PROOF_STEP, async |rec: &mut Recorder| {
        let first = &validation.result;
        let api_name = first.endpoint.clone().unwrap_or_default();
        let endpoint = validation.schema.named_endpoints.get(&api_name);
        let mut calls = vec![ProofCall {
            origin: InputOrigin::Example,
            inputs: first.inputs.clone(),
            outputs: first.outputs.clone(),
            latency_ms: first.latency_ms,
            error: None,
        }];
        let second = second.or_else(|| worker_inputs(&first.inputs));
        if let Some(inputs) = second {
            calls.push(second_call(access, app, &api_name, inputs).await);
        }
        let empty = Endpoint {
            parameters: Vec::new(),
            returns: Vec::new(),
        };
        let (verdict, reasons) = judge(kind, endpoint.unwrap_or(&empty), &calls);
        let proof = InferenceProof {
            api_name,
            output_kind: kind,
            calls,
            verdict,
            reasons,
        };
        rec.json_artifact(
            INFERENCE_PROOF_JSON,
            &serde_json::to_value(&proof).expect("the proof serializes"),
        )?;
        let message = format!("{}: {}", verdict.id(), proof.reasons.join("; "));
        Ok((proof, message))
    })
    .await
}

async fn second_call(
    access: &HubAccess,
    app: &AppTarget,
    api_name: &str,
    inputs: Vec<Value>,
) -> ProofCall {
    let mut call = ProofCall {
        origin: InputOrigin::Worker,
        inputs: inputs.clone(),
        outputs: Vec::new(),
        latency_ms: None,
        error: None,
    };
    let app = match probe::connect(&access.hub, app).await {
        Ok(app) => app,
        Err(why) => {
            call.error = Some(why);
            return call;
        }
    };
    let (result, latency_ms) = probe::timed_call(&app, api_name, inputs).await;
    call.latency_ms = Some(latency_ms);
    match result {
        Ok(outputs) => call.outputs = outputs,
        Err(e) => call.error = Some(format!("the call failed: {e}")),
    }
    call
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn endpoint() -> Endpoint {
        serde_json::from_value(json!({
            "parameters": [{"parameter_name": "text", "example_input": "hi"}, {"parameter_name": "n", "example_input": 3}],
            "returns": [{"label": "Out", "type": {"type": "string"}}]
        }))
        .unwrap()
    }

    fn call(origin: InputOrigin, input: &str, output: Value) -> ProofCall {
        ProofCall {
            origin,
            inputs: vec![json!(input)],
            outputs: vec![output],
            latency_ms: Some(7),
            error: None,
        }
    }

    fn pair(kind: OutputKind, a: Value, b: Value) -> ProofVerdict {
        let calls = [
            call(InputOrigin::Example, "I loved it", a),
            call(InputOrigin::Worker, WORKER_SENTENCE, b),
        ];
        judge(kind, &endpoint(), &calls).0
    }

    #[test]
    fn the_worker_changes_the_first_text_or_else_the_first_number() {
        assert_eq!(
            worker_inputs(&[json!("hi"), json!(3)]).unwrap(),
            [json!(WORKER_SENTENCE), json!(3)]
        );
        assert_eq!(
            worker_inputs(&[json!("Paris is the [MASK].")]).unwrap(),
            [json!(WORKER_MASKED_SENTENCE)]
        );
        assert_eq!(
            worker_inputs(&[json!(null), json!(3)]).unwrap(),
            [json!(null), json!(6)]
        );
        assert_eq!(worker_inputs(&[json!(0.0)]).unwrap(), [json!(1.0)]);
        assert_eq!(worker_inputs(&[json!(null)]), None);
        assert_eq!(worker_inputs(&[json!(WORKER_SENTENCE)]), None);
    }

    #[test]
    fn different_answers_of_the_right_type_prove_the_model() {
        assert_eq!(
            pair(OutputKind::Declared, json!("POSITIVE"), json!("NEGATIVE")),
            ProofVerdict::Proven
        );
        let label =
            |l: &str, c: f64| json!({"label": l, "confidences": [{"label": l, "confidence": c}]});
        assert_eq!(
            pair(
                OutputKind::Label,
                label("POSITIVE", 0.6),
                label("POSITIVE", 0.7)
            ),
            ProofVerdict::Proven
        );
        let calls = [
            call(InputOrigin::Example, "Once", json!("Once upon a time")),
            call(InputOrigin::Worker, "The sky", json!("The sky is blue")),
        ];
        assert_eq!(
            judge(OutputKind::Continuation, &endpoint(), &calls).0,
            ProofVerdict::Proven
        );
    }

    #[test]
    fn constant_echoed_empty_or_mistyped_answers_disprove_it() {
        assert_eq!(
            pair(OutputKind::Declared, json!("always"), json!("always")),
            ProofVerdict::Constant
        );
        assert_eq!(
            pair(OutputKind::Declared, json!("I loved it"), json!("other")),
            ProofVerdict::Echoed
        );
        assert_eq!(
            pair(OutputKind::Text, json!(" "), json!("text")),
            ProofVerdict::Empty
        );
        assert_eq!(
            pair(OutputKind::Declared, json!(3), json!(4)),
            ProofVerdict::WrongType
        );
        assert_eq!(
            pair(OutputKind::Label, json!("POSITIVE"), json!("NEGATIVE")),
            ProofVerdict::WrongType
        );
        assert_eq!(
            pair(OutputKind::List, json!([]), json!([{"word": "x"}])),
            ProofVerdict::Empty
        );
        // The same continuation after two different prompts is constant output, though the
        // whole texts differ.
        let calls = [
            call(InputOrigin::Example, "Once", json!("Once the end")),
            call(InputOrigin::Worker, "The sky", json!("The sky the end")),
        ];
        let (verdict, reasons) = judge(OutputKind::Continuation, &endpoint(), &calls);
        assert_eq!(verdict, ProofVerdict::Constant, "{reasons:?}");
        let calls = [
            call(InputOrigin::Example, "Once", json!("Once upon")),
            call(InputOrigin::Worker, "The sky", json!("The sky")),
        ];
        assert_eq!(
            judge(OutputKind::Continuation, &endpoint(), &calls).0,
            ProofVerdict::Echoed
        );
        for verdict in [
            ProofVerdict::Constant,
            ProofVerdict::Echoed,
            ProofVerdict::Empty,
            ProofVerdict::WrongType,
        ] {
            assert!(verdict.disproves());
        }
    }

    #[test]
    fn a_failed_call_or_a_single_input_proves_nothing_either_way() {
        let mut failed = call(InputOrigin::Worker, "b", json!(null));
        failed.outputs.clear();
        failed.error = Some("timed out".into());
        let calls = [call(InputOrigin::Example, "a", json!("x")), failed];
        let (verdict, reasons) = judge(OutputKind::Text, &endpoint(), &calls);
        assert_eq!(verdict, ProofVerdict::CallFailed);
        assert!(reasons[0].contains("timed out"), "{reasons:?}");
        let one = [call(InputOrigin::Example, "a", json!("x"))];
        assert_eq!(
            judge(OutputKind::Text, &endpoint(), &one).0,
            ProofVerdict::NoSecondInput
        );
        let same = [
            call(InputOrigin::Example, "a", json!("x")),
            call(InputOrigin::Worker, "a", json!("y")),
        ];
        assert_eq!(
            judge(OutputKind::Text, &endpoint(), &same).0,
            ProofVerdict::NoSecondInput
        );
    }
}
