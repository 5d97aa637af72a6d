//! The server side of the API: what the server binary implements and provides as context.
//!
//! The app stays free of sessions and tokens: each server function passes the request's
//! parts to the [`Backend`], which finds the session from its cookie and calls the Hub with
//! that user's token.

use super::{
    ApiError, Artifact, HardwareOption, LaunchRequest, Launched, Me, RunSummary, RunView,
    SpaceNameCheck, Suggestions,
};
use http::request::Parts;
use std::sync::Arc;

/// The server's implementation of every server function; provided to Leptos as context
/// (a [`SharedBackend`]) for both page rendering and server-function calls.
#[async_trait::async_trait]
pub trait Backend: Send + Sync + 'static {
    /// The signed-in user, or `None` without a session.
    async fn me(&self, request: &Parts) -> Result<Option<Me>, ApiError>;
    /// Validates and launches a run as the signed-in user.
    async fn launch_run(
        &self,
        request: &Parts,
        launch: LaunchRequest,
    ) -> Result<Launched, ApiError>;
    /// The signed-in user's runs, newest first.
    async fn list_runs(&self, request: &Parts) -> Result<Vec<RunSummary>, ApiError>;
    /// One run, if the viewer may see it ([`ApiError::NotFound`] otherwise).
    async fn get_run(
        &self,
        request: &Parts,
        owner: &str,
        run_id: &str,
    ) -> Result<RunView, ApiError>;
    /// One artifact of a run, ready to show.
    async fn read_artifact(
        &self,
        request: &Parts,
        owner: &str,
        run_id: &str,
        path: &str,
    ) -> Result<Artifact, ApiError>;
    /// The plain lines of a run's Job log (see [`job_log`](super::fns::job_log)).
    async fn job_log(
        &self,
        request: &Parts,
        owner: &str,
        run_id: &str,
    ) -> Result<Vec<String>, ApiError>;
    /// Cancels the viewer's own run.
    async fn cancel_run(&self, request: &Parts, owner: &str, run_id: &str) -> Result<(), ApiError>;
    /// What the wizards suggest on this factory's Hub.
    fn suggestions(&self) -> Suggestions;
    /// Job and Space hardware with prices.
    async fn hardware(&self, request: &Parts) -> Result<Vec<HardwareOption>, ApiError>;
    /// Whether `name` is free for a new Space in the signed-in user's namespace.
    async fn check_space_name(
        &self,
        request: &Parts,
        name: &str,
    ) -> Result<SpaceNameCheck, ApiError>;
}

/// How the backend travels in Leptos context.
pub type SharedBackend = Arc<dyn Backend>;

/// A server function's result as it leaves: an error sets the answer's status
/// ([`ApiError::http_status`]), so a refused form is a 422, not a 500.
pub(crate) fn answer<T>(result: Result<T, ApiError>) -> Result<T, ApiError> {
    if let Err(error) = &result {
        if let (Some(options), Ok(status)) = (
            leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
            http::StatusCode::from_u16(error.http_status()),
        ) {
            options.set_status(status);
        }
    }
    result
}

/// The backend and the request parts a server function runs with.
pub(crate) fn context() -> Result<(SharedBackend, Parts), ApiError> {
    let backend = leptos::prelude::use_context::<SharedBackend>()
        .ok_or_else(|| ApiError::Internal("the server provided no backend".into()))?;
    let parts = leptos::prelude::use_context::<Parts>()
        .ok_or_else(|| ApiError::Internal("no request in context".into()))?;
    Ok((backend, parts))
}
