//! Reading and cancelling runs: the run list, one run's page, its artifacts and Job log.
//!
//! Each server function's body runs on the server as the signed-in viewer, with that
//! viewer's token only ([`as_viewer`](super::server::as_viewer)); the modules below are the
//! server-only code behind them, which the run stream shares ([`access`], [`read`]).

#[cfg(feature = "ssr")]
pub mod access;
#[cfg(feature = "ssr")]
mod artifact;
#[cfg(feature = "ssr")]
pub mod finished;
#[cfg(feature = "ssr")]
mod job_log;
#[cfg(feature = "ssr")]
pub mod page;
#[cfg(feature = "ssr")]
pub mod public;
#[cfg(feature = "ssr")]
pub mod read;
#[cfg(feature = "ssr")]
pub mod record;
#[cfg(feature = "ssr")]
pub mod render;

use super::{ApiError, Artifact, Publication, RunSummary, RunView};
use crate::api::json_text::JsonText;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use {
    super::server::{as_reader, as_viewer},
    access::RunLocation,
};

/// The signed-in user's runs, newest first.
#[server(prefix = "/api/fn", endpoint = "list_runs", input = JsonText, output = JsonText)]
pub async fn list_runs() -> Result<Vec<RunSummary>, ApiError> {
    as_viewer(|services, user| async move { read::list(&services, &user).await }).await
}

/// One run as its page shows it: as the viewer's own token sees it, else (signed in or
/// not) from its public snapshot when it is published. Without either, a signed-out viewer
/// is asked to sign in and a signed-in one is told "not found" ([`page::run_view`]). While
/// the server renders a page it read the data of already, that data ([`page::prepared_for`]).
#[server(prefix = "/api/fn", endpoint = "get_run", input = JsonText, output = JsonText)]
pub async fn get_run(owner: String, run_id: String) -> Result<RunView, ApiError> {
    if let Some(data) = page::prepared_for(&owner, &run_id) {
        return Ok(data.run.clone());
    }
    as_reader(|services, user| async move {
        page::run_view(&services, user.as_ref(), &owner, &run_id).await
    })
    .await
}

/// One artifact of a run, ready to show (from its public snapshot when the viewer may not
/// read its bucket and it is published).
#[server(prefix = "/api/fn", endpoint = "read_artifact", input = JsonText, output = JsonText)]
pub async fn read_artifact(
    owner: String,
    run_id: String,
    path: String,
) -> Result<Artifact, ApiError> {
    as_reader(|services, user| async move {
        let run = match &user {
            Some(user) => RunLocation::find(&services, user, &owner, &run_id).await,
            None => Err(ApiError::NotSignedIn),
        };
        match (run, &user) {
            (Ok(run), Some(user)) => artifact::read(&services, user, &run, &path).await,
            (Err(err @ (ApiError::NotFound | ApiError::NotSignedIn)), _) => {
                public::artifact(&services, &owner, &run_id, &path)
                    .await?
                    .ok_or(err)
            }
            (Err(err), _) => Err(err),
            (Ok(_), None) => Err(ApiError::NotSignedIn),
        }
    })
    .await
}

/// Publishes one of the viewer's own finished runs: its page opens for anyone, read from a
/// redacted snapshot in the viewer's public dataset repo (another's run is
/// [`ApiError::NotFound`]).
#[server(prefix = "/api/fn", endpoint = "publish_run", input = JsonText, output = JsonText)]
pub async fn publish_run(owner: String, run_id: String) -> Result<Publication, ApiError> {
    as_viewer(|services, user| async move {
        let run = RunLocation::find(&services, &user, &owner, &run_id).await?;
        public::publish(&services, &user, &run).await
    })
    .await
}

/// Unpublishes one of the viewer's own runs: its snapshot is deleted, and its link opens
/// again only for who may read its bucket.
#[server(prefix = "/api/fn", endpoint = "unpublish_run", input = JsonText, output = JsonText)]
pub async fn unpublish_run(owner: String, run_id: String) -> Result<Publication, ApiError> {
    as_viewer(|services, user| async move {
        let run = RunLocation::find(&services, &user, &owner, &run_id).await?;
        public::unpublish(&services, &user, &run).await
    })
    .await
}

/// Cancels a run the viewer launched (another's is [`ApiError::NotFound`]).
#[server(prefix = "/api/fn", endpoint = "cancel_run", input = JsonText, output = JsonText)]
pub async fn cancel_run(owner: String, run_id: String) -> Result<(), ApiError> {
    as_viewer(|services, user| async move {
        let run = RunLocation::find(&services, &user, &owner, &run_id).await?;
        let launched = run.job_namespace() == user.username;
        match (&run.job, launched) {
            (Some(job), true) => services
                .hub
                .cancel_job(run.job_namespace(), &job.id, &user.token())
                .await
                .map_err(super::server::hub_error),
            (None, true) => Err(ApiError::Internal(
                "this run's Job is gone, so there is nothing to cancel".into(),
            )),
            (_, false) => Err(ApiError::NotFound),
        }
    })
    .await
}

/// The plain lines (not the worker's events) of a run's Job log, newest
/// [`MAX_LOG_LINES`](crate::components::live_run::MAX_LOG_LINES) at most: what the logs
/// panel shows for a run that was already over when its page opened (the live stream, which
/// brings them otherwise, is not opened then).
#[server(prefix = "/api/fn", endpoint = "job_log", input = JsonText, output = JsonText)]
pub async fn job_log(owner: String, run_id: String) -> Result<Vec<String>, ApiError> {
    as_viewer(|services, user| async move {
        let run = RunLocation::find(&services, &user, &owner, &run_id).await?;
        job_log::read(&services, &user, &run).await
    })
    .await
}
