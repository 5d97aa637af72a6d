//! The validate phase: finds an endpoint of an existing Space (or app URL), calls it,
//! checks the output types and measures latency. It builds nothing.

use super::fail;
use crate::config::WorkerConfig;
use crate::engine::step::because;
use crate::engine::step::step_async;
use crate::engine::{Recorder, StepFailure};
use crate::space::probe::{self, Expectation};
use crate::space::{self, HealthCheck, HubAccess, LiveCheck};
use hub::apps::AppTarget;
use hub::RepoId;
use runs::recipe::{ValidateOptions, ValidateTarget};
use runs::Level;

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
    let (access, app, note, space) = match &target {
        ValidateTarget::Space(id) => {
            // Validating creates nothing: any Space the token can read will do, but the
            // token goes to the Space's app only when the Space is the user's own.
            let access = space::check_token(rec, config).await?;
            let (app, note) = resolve(rec, &access, id).await?;
            (access, app, note, Some(id.to_string()))
        }
        ValidateTarget::Url(url) => {
            let access = space::check_token(rec, config).await?;
            rec.set_target_space(url, Some(url))
                .map_err(|e| fail("run", format!("could not record: {e}")))?;
            // A typed URL is anybody's host: it never gets the token.
            let app = AppTarget::anonymous(url)
                .map_err(|e| fail("run", format!("`{url}` is not an app URL: {e}")))?;
            let note = Some(
                "validated without credentials: the user's token never goes to a typed URL"
                    .to_owned(),
            );
            (access, app, note, None)
        }
    };
    if let Some(note) = &note {
        rec.event(
            Level::Info,
            note,
            serde_json::json!({ "credentials": false }),
        )
        .map_err(|e| fail("run", format!("could not record: {e}")))?;
    }
    let validation = space::validate_live(rec, &access, &app, space.clone(), &check).await?;
    let result = &validation.result;
    let mut verdict = format!(
        "{} answers: {} returned {} output(s) of the declared types in {} ms.",
        space.unwrap_or_else(|| app.url()),
        result.endpoint.as_deref().unwrap_or("the endpoint"),
        result.outputs.len(),
        result.latency_ms.unwrap_or_default()
    );
    if let Some(note) = note {
        verdict.push_str(&format!(" It was {note}."));
    }
    Ok(verdict)
}

/// Checks the Space runs and returns its app, with the token only for a Space of the
/// user's, and a note when it goes without (step `resolve_space`).
async fn resolve(
    rec: &mut Recorder,
    access: &HubAccess,
    id: &RepoId,
) -> Result<(AppTarget, Option<String>), StepFailure> {
    let (app, note) = step_async(rec, RESOLVE_STEP, async |_rec: &mut Recorder| {
        let me = access
            .account
            .as_ref()
            .ok_or_else(|| because("the token's account is not known"))?;
        let (app, note) = probe::running_space_app(&access.hub, id, Some(&access.token), Some(me))
            .await
            .map_err(because)?;
        let message = format!("{id} is RUNNING at {}", app.url());
        Ok(((app, note), message))
    })
    .await?;
    rec.set_target_space(&id.to_string(), Some(&app.url()))
        .map_err(|e| fail(RESOLVE_STEP, format!("could not record: {e}")))?;
    Ok((app, note))
}
