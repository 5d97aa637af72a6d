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
pub mod read;
#[cfg(feature = "ssr")]
pub mod record;
#[cfg(feature = "ssr")]
pub mod render;

use super::{ApiError, Artifact, RunSummary, RunView};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
#[cfg(feature = "ssr")]
use {super::server::as_viewer, access::RunLocation};

/// The signed-in user's runs, newest first.
#[server(prefix = "/api/fn", endpoint = "list_runs", input = Json)]
pub async fn list_runs() -> Result<Vec<RunSummary>, ApiError> {
    as_viewer(|services, user| async move { read::list(&services, &user).await }).await
}

/// One run as its page shows it.
#[server(prefix = "/api/fn", endpoint = "get_run", input = Json)]
pub async fn get_run(owner: String, run_id: String) -> Result<RunView, ApiError> {
    as_viewer(
        |services, user| async move { finished::view(&services, &user, &owner, &run_id).await },
    )
    .await
}

/// One artifact of a run, ready to show.
#[server(prefix = "/api/fn", endpoint = "read_artifact", input = Json)]
pub async fn read_artifact(
    owner: String,
    run_id: String,
    path: String,
) -> Result<Artifact, ApiError> {
    as_viewer(|services, user| async move {
        let run = RunLocation::find(&services, &user, &owner, &run_id).await?;
        artifact::read(&services, &user, &run, &path).await
    })
    .await
}

/// Cancels one of the viewer's own runs (another's is [`ApiError::NotFound`]).
#[server(prefix = "/api/fn", endpoint = "cancel_run", input = Json)]
pub async fn cancel_run(owner: String, run_id: String) -> Result<(), ApiError> {
    as_viewer(|services, user| async move {
        let run = RunLocation::find(&services, &user, &owner, &run_id).await?;
        match (&run.job, run.owner == user.username) {
            (Some(job), true) => services
                .hub
                .cancel_job(&run.owner, &job.id, &user.token())
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
#[server(prefix = "/api/fn", endpoint = "job_log", input = Json)]
pub async fn job_log(owner: String, run_id: String) -> Result<Vec<String>, ApiError> {
    as_viewer(|services, user| async move {
        let run = RunLocation::find(&services, &user, &owner, &run_id).await?;
        job_log::read(&services, &user, &run).await
    })
    .await
}
