//! Validating the live app as recorded steps: `health` (when asked for), `api_schema`
//! (`tests/api_schema.json`) and `api_call` (`tests/test_result.json`). Success is decided
//! here, by calling the app, never by what built it says.

use super::probe::{self, Expectation, HealthOutcome, TestResult};
use super::HubAccess;
use crate::engine::step::because;
use crate::engine::step::{fail, step_async};
use crate::engine::{Recorder, StepFailure};
use hub::apps::AppTarget;
use hub::gradio::{ApiInfo, Endpoint, GradioApp};
use serde_json::Value;

/// Step names this module records.
pub const HEALTH_STEP: &str = "health";
/// See [`HEALTH_STEP`].
pub const SCHEMA_STEP: &str = "api_schema";
/// See [`HEALTH_STEP`].
pub const CALL_STEP: &str = "api_call";

/// Where the API schema is saved.
pub const API_SCHEMA_JSON: &str = "tests/api_schema.json";
/// Where the call's evidence is saved.
pub const TEST_RESULT_JSON: &str = "tests/test_result.json";
/// Where a health answer is saved.
pub const HEALTH_JSON: &str = "tests/health.json";

/// Whether to check `GET /health` first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthCheck {
    /// The app must answer 2xx on `/health`.
    Required,
    /// Check it when the app has the route; a 404 records the step as skipped.
    IfPresent,
    /// Do not ask.
    Skip,
}

/// What to check on the live app.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveCheck {
    /// The `/health` policy.
    pub health: HealthCheck,
    /// The endpoint to call; chosen from the schema when `None`.
    pub api_name: Option<String>,
    /// The inputs; the schema's examples when `None`.
    pub inputs: Option<Vec<Value>>,
    /// What the outputs must be.
    pub expect: Expectation,
}

impl LiveCheck {
    /// Call `api` with `inputs` and expect exactly one text output, `output`.
    pub fn expect_text(api: &str, inputs: Vec<Value>, output: &str) -> LiveCheck {
        LiveCheck {
            health: HealthCheck::IfPresent,
            api_name: Some(api.to_owned()),
            inputs: Some(inputs),
            expect: Expectation::Outputs(vec![Value::String(output.to_owned())]),
        }
    }
}

/// A passed validation: the evidence and the schema it was judged against.
#[derive(Debug, Clone)]
pub struct Validation {
    /// What `tests/test_result.json` holds.
    pub result: TestResult,
    /// The app's API schema.
    pub schema: ApiInfo,
}

/// Validates the app `app` (steps `health`, `api_schema`, `api_call`); `Err` unless the
/// call answered as `check` expects. `tests/test_result.json` is written either way once a
/// call was attempted.
///
/// Whether a token goes with the requests is `app`'s to say: only a Space the user's
/// token acts for carries it, and only the Spaces proxy's way ([`hub::apps`]).
pub async fn validate_live(
    rec: &mut Recorder,
    access: &HubAccess,
    app: &AppTarget,
    space: Option<String>,
    check: &LiveCheck,
) -> Result<Validation, StepFailure> {
    let url = app.url();
    let url = url.as_str();
    match check.health {
        HealthCheck::Skip => {}
        policy => health_step(rec, access, app, policy).await?,
    }
    let (app, schema, name, endpoint) = step_async(rec, SCHEMA_STEP, async |rec: &mut Recorder| {
        let app = probe::connect(&access.hub, app).await.map_err(because)?;
        let schema = app
            .info()
            .await
            .map_err(|e| because(format!("could not read the API schema: {e}")))?;
        rec.json_artifact(
            API_SCHEMA_JSON,
            &serde_json::to_value(&schema).expect("schema serializes"),
        )?;
        let (name, endpoint) =
            probe::choose_endpoint(&schema, check.api_name.as_deref()).map_err(because)?;
        let message = format!(
            "Gradio {} lists {} named endpoint(s); {name} takes {} input(s)",
            app.config()
                .version
                .as_deref()
                .unwrap_or("(unknown version)"),
            schema.named_endpoints.len(),
            endpoint.parameters.len()
        );
        Ok(((app, schema, name, endpoint), message))
    })
    .await?;
    let result = call_step(rec, url, space, &app, &name, &endpoint, check).await?;
    Ok(Validation { result, schema })
}

async fn health_step(
    rec: &mut Recorder,
    access: &HubAccess,
    app: &AppTarget,
    policy: HealthCheck,
) -> Result<(), StepFailure> {
    let outcome = probe::health(&access.hub, app).await;
    if outcome == HealthOutcome::Absent && policy == HealthCheck::IfPresent {
        return rec
            .skip_step(HEALTH_STEP, "the app has no /health route (404)")
            .map_err(|e| fail(HEALTH_STEP, format!("could not record: {e}")));
    }
    step_async(rec, HEALTH_STEP, async |rec: &mut Recorder| match outcome {
        HealthOutcome::Healthy(answer) => {
            let body: Value = serde_json::from_str(&answer.body)
                .unwrap_or_else(|_| Value::String(answer.body.clone()));
            rec.json_artifact(
                HEALTH_JSON,
                &serde_json::json!({ "status": answer.status, "body": body }),
            )?;
            Ok(((), format!("GET /health answered {}", answer.status)))
        }
        HealthOutcome::Absent => Err(because("the app has no /health route (404)")),
        HealthOutcome::Unhealthy(why) => Err(because(why)),
    })
    .await
}

async fn call_step(
    rec: &mut Recorder,
    url: &str,
    space: Option<String>,
    app: &GradioApp,
    name: &str,
    endpoint: &Endpoint,
    check: &LiveCheck,
) -> Result<TestResult, StepFailure> {
    step_async(rec, CALL_STEP, async |rec: &mut Recorder| {
        let mut result = TestResult::new(url, space);
        result.gradio_version = app.config().version.clone();
        result.endpoint = Some(name.to_owned());
        result.endpoint_found = true;
        let inputs = match check.inputs.clone() {
            Some(inputs) => inputs,
            None => probe::example_inputs(endpoint).map_err(because)?,
        };
        result.inputs = inputs.clone();
        let (call, latency_ms) = probe::timed_call(app, name, inputs).await;
        let result = probe::judge(result, endpoint, call, latency_ms, &check.expect);
        rec.json_artifact(
            TEST_RESULT_JSON,
            &serde_json::to_value(&result).expect("result serializes"),
        )?;
        if result.passed() {
            let message = result.reason.clone();
            Ok((result, message))
        } else {
            Err(because(&result.reason))
        }
    })
    .await
}
