//! The validate phase: finds an endpoint of an existing Space (or app URL), calls it,
//! checks the output types and measures latency. It builds nothing.

use super::fail;
use crate::config::WorkerConfig;
use crate::engine::step::because;
use crate::engine::step::step_async;
use crate::engine::{Recorder, StepFailure};
use crate::space::probe::{self, Expectation};
use crate::space::{self, HealthCheck, HubAccess, LiveCheck};
use hub::spaces::SpaceStage;
use hub::RepoId;
use runs::recipe::{ValidateOptions, ValidateTarget};

/// The step that finds where a named Space's app answers.
const RESOLVE_STEP: &str = "resolve_space";

/// Runs the validate phase to its verdict.
pub async fn run(
    options: &ValidateOptions,
    config: &WorkerConfig,
    rec: &mut Recorder,
) -> Result<String, StepFailure> {
    let check = LiveCheck {
        health: HealthCheck::IfPresent,
        api_name: options.call.api_name.clone(),
        inputs: options.call.inputs.clone(),
        expect: Expectation::TypesOnly,
    };
    let target = options
        .target()
        .ok_or_else(|| fail("run", "give a Space or a URL to validate"))?;
    let (access, url, token, space) = match &target {
        ValidateTarget::Space(id) => {
            // Validating creates nothing: any Space the token can read will do.
            let access = space::check_token(rec, config).await?;
            let url = resolve(rec, &access, id).await?;
            let token = Some(access.token.clone());
            (access, url, token, Some(id.to_string()))
        }
        ValidateTarget::Url(url) => {
            let access = space::check_token(rec, config).await?;
            rec.set_target_space(url, Some(url))
                .map_err(|e| fail("run", format!("could not record: {e}")))?;
            // The token goes only to the Hub's own Space hosts, never to a foreign URL.
            let token = probe::is_hub_space_host(url).then(|| access.token.clone());
            (access, url.clone(), token, None)
        }
    };
    let validation =
        space::validate_live(rec, &access, &url, token.as_ref(), space.clone(), &check).await?;
    let result = &validation.result;
    Ok(format!(
        "{} answers: {} returned {} output(s) of the declared types in {} ms.",
        space.as_deref().unwrap_or(&url),
        result.endpoint.as_deref().unwrap_or("the endpoint"),
        result.outputs.len(),
        result.latency_ms.unwrap_or_default()
    ))
}

/// Checks the Space runs and returns its app URL (step `resolve_space`).
async fn resolve(
    rec: &mut Recorder,
    access: &HubAccess,
    id: &RepoId,
) -> Result<String, StepFailure> {
    let url = step_async(rec, RESOLVE_STEP, async |_rec: &mut Recorder| {
        let info = access
            .hub
            .space_info(id, &access.token)
            .await
            .map_err(|e| because(format!("cannot read the Space {id}: {e}")))?;
        let stage = info.runtime.as_ref().map(|r| &r.stage);
        if !stage.is_some_and(SpaceStage::is_running) {
            let stage = stage.map_or("unknown", SpaceStage::as_str);
            return Err(because(format!(
                "the Space {id} is {stage}, not RUNNING; start it and validate again"
            )));
        }
        let url = info
            .space_url()
            .ok_or_else(|| because("the Hub gave no host for the Space"))?;
        let message = format!("{id} is RUNNING at {url}");
        Ok((url, message))
    })
    .await?;
    rec.set_target_space(&id.to_string(), Some(&url))
        .map_err(|e| fail(RESOLVE_STEP, format!("could not record: {e}")))?;
    Ok(url)
}
