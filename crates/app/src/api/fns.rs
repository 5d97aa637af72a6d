//! The server functions the pages call. Each body hands over to the server's
//! [`Backend`](super::backend::Backend); nothing here sees a token. Every one takes JSON:
//! another site's page cannot send that without a CORS preflight, which is never granted,
//! so even past the origin guard a cross-site form cannot reach them.

use super::{
    ApiError, Artifact, HardwareOption, LaunchRequest, Launched, Me, RunSummary, RunView,
    SpaceNameCheck, Suggestions,
};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// The signed-in user, or `None`.
#[server(prefix = "/api/fn", endpoint = "who_am_i", input = Json)]
pub async fn who_am_i() -> Result<Option<Me>, ApiError> {
    let (backend, parts) = super::backend::answer(super::backend::context())?;
    super::backend::answer(backend.me(&parts).await)
}

/// Launches a run; [`ApiError::Invalid`] names each field to fix.
#[server(prefix = "/api/fn", endpoint = "launch_run", input = Json)]
pub async fn launch_run(launch: LaunchRequest) -> Result<Launched, ApiError> {
    let (backend, parts) = super::backend::answer(super::backend::context())?;
    super::backend::answer(backend.launch_run(&parts, launch).await)
}

/// The signed-in user's runs, newest first.
#[server(prefix = "/api/fn", endpoint = "list_runs", input = Json)]
pub async fn list_runs() -> Result<Vec<RunSummary>, ApiError> {
    let (backend, parts) = super::backend::answer(super::backend::context())?;
    super::backend::answer(backend.list_runs(&parts).await)
}

/// One run as its page shows it.
#[server(prefix = "/api/fn", endpoint = "get_run", input = Json)]
pub async fn get_run(owner: String, run_id: String) -> Result<RunView, ApiError> {
    let (backend, parts) = super::backend::answer(super::backend::context())?;
    super::backend::answer(backend.get_run(&parts, &owner, &run_id).await)
}

/// One artifact of a run.
#[server(prefix = "/api/fn", endpoint = "read_artifact", input = Json)]
pub async fn read_artifact(
    owner: String,
    run_id: String,
    path: String,
) -> Result<Artifact, ApiError> {
    let (backend, parts) = super::backend::answer(super::backend::context())?;
    super::backend::answer(backend.read_artifact(&parts, &owner, &run_id, &path).await)
}

/// Cancels one of the viewer's runs.
#[server(prefix = "/api/fn", endpoint = "cancel_run", input = Json)]
pub async fn cancel_run(owner: String, run_id: String) -> Result<(), ApiError> {
    let (backend, parts) = super::backend::answer(super::backend::context())?;
    super::backend::answer(backend.cancel_run(&parts, &owner, &run_id).await)
}

/// Hardware flavors with prices.
#[server(prefix = "/api/fn", endpoint = "hardware", input = Json)]
pub async fn hardware() -> Result<Vec<HardwareOption>, ApiError> {
    let (backend, parts) = super::backend::answer(super::backend::context())?;
    super::backend::answer(backend.hardware(&parts).await)
}

/// What the wizards suggest on this factory's Hub (the same for everyone; no sign-in needed).
#[server(prefix = "/api/fn", endpoint = "wizard_suggestions", input = Json)]
pub async fn wizard_suggestions() -> Result<Suggestions, ApiError> {
    let (backend, _parts) = super::backend::answer(super::backend::context())?;
    Ok(backend.suggestions())
}

/// Whether a Space name is free in the signed-in user's namespace.
#[server(prefix = "/api/fn", endpoint = "check_space_name", input = Json)]
pub async fn check_space_name(name: String) -> Result<SpaceNameCheck, ApiError> {
    let (backend, parts) = super::backend::answer(super::backend::context())?;
    super::backend::answer(backend.check_space_name(&parts, &name).await)
}

/// The plain lines (not the worker's events) of a run's Job log, newest
/// [`MAX_LOG_LINES`](crate::components::live_run::MAX_LOG_LINES) at most: what the logs
/// panel shows for a run that was already over when its page opened (the live stream, which
/// brings them otherwise, is not opened then).
#[server(prefix = "/api/fn", endpoint = "job_log", input = Json)]
pub async fn job_log(owner: String, run_id: String) -> Result<Vec<String>, ApiError> {
    let (backend, parts) = super::backend::answer(super::backend::context())?;
    super::backend::answer(backend.job_log(&parts, &owner, &run_id).await)
}
