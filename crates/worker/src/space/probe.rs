//! Checks of a live Gradio app that need no run record: its `/health` route, its API
//! schema, choosing an endpoint and inputs, one timed call, and judging the outputs.
//! [`super::validate`] records them as steps; `worker validate` prints their verdict.

use hub::apps::AppAnswer;
use hub::apps::AppTarget;
use hub::gradio::{ApiInfo, Endpoint, GradioApp};
use hub::repos::WhoAmI;
use hub::spaces::SpaceStage;
use hub::{HubClient, HubError, RepoId, Token};
use serde::Serialize;
use serde_json::Value;
use std::time::Instant;

/// The app of a Space the worker did not make, once the Hub says it is RUNNING: with the
/// user's token only when the Space is in a namespace the token acts for (`me`: the user's
/// own, or an org's of theirs), else without credentials (a public Space answers; a private
/// one of a stranger cannot be validated). The note says when it goes without, for the
/// verdict; `Err` says why the Space cannot be validated.
pub async fn running_space_app(
    hub: &HubClient,
    id: &RepoId,
    token: Option<&Token>,
    me: Option<&WhoAmI>,
) -> Result<(AppTarget, Option<String>), String> {
    let info = hub
        .repo_info(hub::repos::RepoType::Space, id, token)
        .await
        .map_err(|e| format!("cannot read the Space {id}: {e}"))?;
    let stage = info.runtime.as_ref().map(|r| &r.stage);
    if !stage.is_some_and(SpaceStage::is_running) {
        let stage = stage.map_or("unknown", SpaceStage::as_str);
        return Err(format!(
            "the Space {id} is {stage}, not RUNNING; start it and validate again"
        ));
    }
    let no_host = || "the Hub gave no host for the Space".to_owned();
    match (token, me) {
        (Some(token), Some(me)) if me.acts_for(id.owner()) => {
            Ok((info.space_app(Some(token)).ok_or_else(no_host)?, None))
        }
        _ => {
            let whose = me.map_or("the user".to_owned(), |me| me.name.clone());
            let note = format!(
                "validated without credentials: {id} is not in a namespace of {whose}, and the user's token goes only to their own Spaces"
            );
            Ok((info.space_app(None).ok_or_else(no_host)?, Some(note)))
        }
    }
}

/// What `GET /health` said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HealthOutcome {
    /// A 2xx answer.
    Healthy(AppAnswer),
    /// 404: the app has no health route.
    Absent,
    /// Anything else, in a sentence.
    Unhealthy(String),
}

/// Asks the app for `GET /health`.
pub async fn health(hub: &HubClient, app: &AppTarget) -> HealthOutcome {
    match hub.app_get(app, "health").await {
        Ok(answer) => HealthOutcome::Healthy(answer),
        Err(HubError::NotFound { .. }) => HealthOutcome::Absent,
        Err(e) => HealthOutcome::Unhealthy(format!("GET /health failed: {e}")),
    }
}

/// What the validation expects of the call's outputs.
#[derive(Debug, Clone, PartialEq)]
pub enum Expectation {
    /// The outputs must equal these values, in order.
    Outputs(Vec<Value>),
    /// Only that each output has the type the API schema declares.
    TypesOnly,
}

/// The type check of one output against the schema's declared type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutputCheck {
    /// Position among the outputs.
    pub index: usize,
    /// The output's label in the schema, if any.
    pub label: Option<String>,
    /// The JSON type the schema declares (`string`, `number`, …, `any`).
    pub expected_type: String,
    /// The JSON type that came back.
    pub actual_type: String,
    /// Whether they agree (`any` accepts everything).
    pub ok: bool,
}

/// The evidence of one validation: what was called with what, what came back, how long it
/// took, and the verdict. Saved as `tests/test_result.json`; printed by `worker validate`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestResult {
    /// The app's base URL.
    pub url: String,
    /// The Space, when one was named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub space: Option<String>,
    /// The app's Gradio version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gradio_version: Option<String>,
    /// The endpoint called (`/predict`).
    pub endpoint: Option<String>,
    /// Whether the endpoint was found in the API schema.
    pub endpoint_found: bool,
    /// Whether a call was made.
    pub call_made: bool,
    /// The inputs sent.
    pub inputs: Vec<Value>,
    /// The outputs received (empty when the call failed).
    pub outputs: Vec<Value>,
    /// The outputs expected, when exact outputs were expected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<Vec<Value>>,
    /// Each output's type against the schema.
    pub output_types: Vec<OutputCheck>,
    /// Whether every output has its declared type.
    pub types_ok: bool,
    /// Wall time of the call in milliseconds.
    pub latency_ms: Option<u64>,
    /// `passed` or `failed`.
    pub verdict: String,
    /// Why, in a sentence.
    pub reason: String,
}

impl TestResult {
    /// A result for `url` before anything was checked.
    pub fn new(url: &str, space: Option<String>) -> TestResult {
        TestResult {
            url: url.to_owned(),
            space,
            gradio_version: None,
            endpoint: None,
            endpoint_found: false,
            call_made: false,
            inputs: Vec::new(),
            outputs: Vec::new(),
            expected: None,
            output_types: Vec::new(),
            types_ok: false,
            latency_ms: None,
            verdict: "failed".into(),
            reason: String::new(),
        }
    }

    /// Whether the verdict is `passed`.
    pub fn passed(&self) -> bool {
        self.verdict == "passed"
    }

    /// Ends as failed, for `reason`.
    pub fn failed(mut self, reason: impl Into<String>) -> TestResult {
        self.verdict = "failed".into();
        self.reason = reason.into();
        self
    }
}

/// Connects to the Gradio app (reads `/config`).
pub async fn connect(hub: &HubClient, app: &AppTarget) -> Result<GradioApp, String> {
    hub.gradio(app)
        .await
        .map_err(|e| format!("{} does not answer as a Gradio app: {e}", app.url()))
}

/// The endpoint to call: `wanted` when given (with or without its leading `/`), else
/// `/predict` when there is one, else the first named endpoint that returns something.
pub fn choose_endpoint(info: &ApiInfo, wanted: Option<&str>) -> Result<(String, Endpoint), String> {
    let names: Vec<&str> = info.named_endpoints.keys().map(String::as_str).collect();
    if let Some(wanted) = wanted {
        let key = format!("/{}", wanted.trim_start_matches('/'));
        return info
            .named_endpoints
            .get(&key)
            .map(|e| (key.clone(), e.clone()))
            .ok_or_else(|| format!("the app has no endpoint {key}; it has: {}", list(&names)));
    }
    if let Some(e) = info.named_endpoints.get("/predict") {
        return Ok(("/predict".into(), e.clone()));
    }
    info.named_endpoints
        .iter()
        .find(|(_, e)| !e.returns.is_empty())
        .map(|(name, e)| (name.clone(), e.clone()))
        .ok_or_else(|| "the app exposes no named endpoint that returns anything".to_owned())
}

fn list(names: &[&str]) -> String {
    if names.is_empty() {
        "no named endpoints".into()
    } else {
        names.join(", ")
    }
}

/// Inputs from the schema: each parameter's example, else its default.
pub fn example_inputs(endpoint: &Endpoint) -> Result<Vec<Value>, String> {
    endpoint
        .parameters
        .iter()
        .enumerate()
        .map(|(i, p)| {
            p.example_input
                .clone()
                .or_else(|| {
                    (p.parameter_has_default == Some(true))
                        .then(|| p.parameter_default.clone().unwrap_or(Value::Null))
                })
                .ok_or_else(|| {
                    let name = p
                        .parameter_name
                        .clone()
                        .or_else(|| p.label.clone())
                        .unwrap_or_else(|| format!("#{i}"));
                    format!("parameter {name} has no example or default; give the inputs")
                })
        })
        .collect()
}

/// Calls `api` with `inputs`, timing it.
pub async fn timed_call(
    app: &GradioApp,
    api: &str,
    inputs: Vec<Value>,
) -> (Result<Vec<Value>, HubError>, u64) {
    let started = Instant::now();
    let result = app.call(api, inputs).await;
    (result, started.elapsed().as_millis() as u64)
}

/// Checks each output against its declared type.
pub fn check_types(endpoint: &Endpoint, outputs: &[Value]) -> Vec<OutputCheck> {
    outputs
        .iter()
        .enumerate()
        .map(|(index, value)| {
            let declared = endpoint.returns.get(index);
            let expected_type = declared
                .and_then(|r| r.schema.as_ref())
                .map(declared_type)
                .unwrap_or_else(|| "any".into());
            let actual_type = json_type(value).to_owned();
            let ok = expected_type == "any"
                || expected_type
                    .split('|')
                    .any(|t| t == actual_type || (t == "number" && actual_type == "integer"));
            OutputCheck {
                index,
                label: declared.and_then(|r| r.label.clone()),
                expected_type,
                actual_type,
                ok,
            }
        })
        .collect()
}

/// The outputs whose type is not the declared one, in a sentence; `None` when all fit.
pub fn mismatches(checks: &[OutputCheck]) -> Option<String> {
    let bad: Vec<String> = checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| {
            format!(
                "output {} is {} not {}",
                c.index, c.actual_type, c.expected_type
            )
        })
        .collect();
    (!bad.is_empty()).then(|| bad.join("; "))
}

/// The JSON types a schema allows, `|`-joined (`any` when it does not say).
fn declared_type(schema: &Value) -> String {
    let mut types: Vec<String> = Vec::new();
    match schema.get("type") {
        Some(Value::String(t)) => types.push(t.clone()),
        Some(Value::Array(ts)) => {
            types.extend(ts.iter().filter_map(Value::as_str).map(str::to_owned))
        }
        _ => {}
    }
    for key in ["anyOf", "oneOf"] {
        for alt in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let t = declared_type(alt);
            if t == "any" {
                return t;
            }
            types.push(t);
        }
    }
    if types.is_empty() && (schema.get("properties").is_some() || schema.get("$ref").is_some()) {
        types.push("object".into());
    }
    if types.is_empty() {
        "any".into()
    } else {
        types.join("|")
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Fills `result` from a finished call and judges it against `expect`.
pub fn judge(
    mut result: TestResult,
    endpoint: &Endpoint,
    call: Result<Vec<Value>, HubError>,
    latency_ms: u64,
    expect: &Expectation,
) -> TestResult {
    result.call_made = true;
    result.latency_ms = Some(latency_ms);
    if let Expectation::Outputs(expected) = expect {
        result.expected = Some(expected.clone());
    }
    let outputs = match call {
        Ok(outputs) => outputs,
        Err(e) => return result.failed(format!("the call failed: {e}")),
    };
    result.output_types = check_types(endpoint, &outputs);
    result.types_ok = result.output_types.iter().all(|c| c.ok);
    result.outputs = outputs;
    let endpoint_name = result.endpoint.clone().unwrap_or_default();
    if let Expectation::Outputs(expected) = expect {
        if &result.outputs != expected {
            let reason = format!(
                "{endpoint_name} answered {} but {} was expected",
                Value::Array(result.outputs.clone()),
                Value::Array(expected.clone())
            );
            return result.failed(reason);
        }
    }
    if result.outputs.len() != endpoint.returns.len() && !endpoint.returns.is_empty() {
        let reason = format!(
            "{endpoint_name} returned {} outputs, its schema declares {}",
            result.outputs.len(),
            endpoint.returns.len()
        );
        return result.failed(reason);
    }
    if let Some(bad) = mismatches(&result.output_types) {
        let reason = format!("{endpoint_name}: {bad}");
        return result.failed(reason);
    }
    result.verdict = "passed".into();
    result.reason = match expect {
        Expectation::Outputs(_) => {
            format!(
                "{endpoint_name} answered {} for {}, as expected, in {latency_ms} ms",
                Value::Array(result.outputs.clone()),
                Value::Array(result.inputs.clone())
            )
        }
        Expectation::TypesOnly => format!(
            "{endpoint_name} answered {} output(s) of the declared types in {latency_ms} ms",
            result.outputs.len()
        ),
    };
    result
}

/// Validates `app` end to end without a run record: schema, endpoint, inputs (given or
/// from the schema's examples), one call, type check and `expect`.
pub async fn validate_app(
    hub: &HubClient,
    app: &AppTarget,
    space: Option<String>,
    api: Option<&str>,
    inputs: Option<Vec<Value>>,
    expect: &Expectation,
) -> TestResult {
    let mut result = TestResult::new(&app.url(), space);
    let app = match connect(hub, app).await {
        Ok(app) => app,
        Err(why) => return result.failed(why),
    };
    result.gradio_version = app.config().version.clone();
    let info = match app.info().await {
        Ok(info) => info,
        Err(e) => return result.failed(format!("could not read the API schema: {e}")),
    };
    let (name, endpoint) = match choose_endpoint(&info, api) {
        Ok(found) => found,
        Err(why) => {
            result.endpoint = api.map(|a| format!("/{}", a.trim_start_matches('/')));
            return result.failed(why);
        }
    };
    result.endpoint = Some(name.clone());
    result.endpoint_found = true;
    let inputs = match inputs.map(Ok).unwrap_or_else(|| example_inputs(&endpoint)) {
        Ok(inputs) => inputs,
        Err(why) => return result.failed(why),
    };
    result.inputs = inputs.clone();
    let (call, latency_ms) = timed_call(&app, &name, inputs).await;
    judge(result, &endpoint, call, latency_ms, expect)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn endpoint(returns: Value) -> Endpoint {
        serde_json::from_value(json!({ "parameters": [], "returns": returns })).unwrap()
    }

    #[test]
    fn declared_types_are_read_from_gradio_schemas() {
        assert_eq!(declared_type(&json!({"type": "string"})), "string");
        assert_eq!(declared_type(&json!({})), "any");
        assert_eq!(
            declared_type(&json!({"anyOf": [{"type": "string"}, {"type": "null"}]})),
            "string|null"
        );
        assert_eq!(
            declared_type(&json!({"properties": {"path": {}}})),
            "object"
        );
    }

    #[test]
    fn judging_compares_outputs_and_types() {
        let e = endpoint(json!([{"label": "Out", "type": {"type": "string"}}]));
        let base = || TestResult::new("http://app", None);
        let ok = judge(
            base(),
            &e,
            Ok(vec![json!("HI!")]),
            5,
            &Expectation::Outputs(vec![json!("HI!")]),
        );
        assert!(ok.passed(), "{ok:?}");
        assert!(ok.types_ok && ok.latency_ms == Some(5));
        let wrong = judge(
            base(),
            &e,
            Ok(vec![json!("hi")]),
            5,
            &Expectation::Outputs(vec![json!("HI!")]),
        );
        assert!(!wrong.passed() && wrong.reason.contains("expected"));
        let typed = judge(base(), &e, Ok(vec![json!(3)]), 5, &Expectation::TypesOnly);
        assert!(!typed.passed() && typed.reason.contains("integer not string"));
        let failed = judge(
            base(),
            &e,
            Err(HubError::App(Some("boom".into()))),
            5,
            &Expectation::TypesOnly,
        );
        assert!(!failed.passed() && failed.call_made && failed.reason.contains("boom"));
    }

    #[test]
    fn endpoints_and_examples_come_from_the_schema() {
        let info: ApiInfo = serde_json::from_value(json!({"named_endpoints": {
            "/a": {"parameters": [{"parameter_name": "x", "example_input": "ex"}], "returns": [{}]},
            "/b": {"parameters": [{"parameter_name": "y", "parameter_has_default": true, "parameter_default": 2}], "returns": [{}]}
        }})).unwrap();
        let (name, e) = choose_endpoint(&info, None).unwrap();
        assert_eq!(name, "/a");
        assert_eq!(example_inputs(&e).unwrap(), vec![json!("ex")]);
        let (_, b) = choose_endpoint(&info, Some("b")).unwrap();
        assert_eq!(example_inputs(&b).unwrap(), vec![json!(2)]);
        let missing = choose_endpoint(&info, Some("/zzz")).unwrap_err();
        assert!(missing.contains("/a, /b"), "{missing}");
    }
}
