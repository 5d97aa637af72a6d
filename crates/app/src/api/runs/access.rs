//! Finding a run with the viewer's own token: its Job (by label) and its `state.json`.
//! A run the viewer's token cannot see is [`ApiError::NotFound`], exactly like one that
//! does not exist.

use super::record::{newest_lines, Capped, MAX_STATE_BYTES};
use crate::api::server::hub_error;
use crate::api::server::viewer::SignedIn;
use crate::api::server::Services;
use crate::api::ApiError;
use hub::buckets::ByteRange;
use hub::jobs::JobInfo;
use hub::{HubError, RepoId, Token};
use runs::{job, RunId, RunPaths, RunState};

/// A run the viewer may see: where it records and what is known of it so far.
#[derive(Debug, Clone)]
pub struct RunLocation {
    /// The namespace it belongs to.
    pub owner: String,
    /// Its id.
    pub run_id: RunId,
    /// Its files' paths in the bucket.
    pub paths: RunPaths,
    /// The bucket it records into.
    pub bucket: RepoId,
    /// Its Job, when the viewer's token can see it.
    pub job: Option<JobInfo>,
    /// `state.json`, once written.
    pub state: Option<RunState>,
}

impl RunLocation {
    /// Looks the run up as `viewer`; [`ApiError::NotFound`] unless its Job or its
    /// `state.json` is visible to the viewer's token.
    pub async fn find(
        services: &Services,
        viewer: &SignedIn,
        owner: &str,
        run_id: &str,
    ) -> Result<RunLocation, ApiError> {
        let run_id: RunId = run_id.parse().map_err(|_| ApiError::NotFound)?;
        let bucket = services.bucket_for(owner).map_err(|_| ApiError::NotFound)?;
        let token = viewer.token();
        let paths = RunPaths::new(run_id);
        let (job, state) = tokio::join!(
            find_job(services, owner, &run_id, &token),
            read_state(services, &bucket, &paths, &token)
        );
        let (job, state) = (job?, state?);
        if job.is_none() && state.is_none() {
            return Err(ApiError::NotFound);
        }
        let state = settle_state(services, &bucket, &paths, &token, job.as_ref(), state).await?;
        Ok(RunLocation {
            owner: owner.to_owned(),
            run_id,
            paths,
            bucket,
            job,
            state,
        })
    }

    /// Reads `state.json` again (for the live stream).
    pub async fn refresh_state(
        &self,
        services: &Services,
        token: &Token,
    ) -> Result<Option<RunState>, ApiError> {
        read_state(services, &self.bucket, &self.paths, token).await
    }

    /// `state`, read alongside `job` (for the live stream), or read again when it may
    /// predate the worker's last word ([`settle_state`]).
    pub async fn settle_state(
        &self,
        services: &Services,
        token: &Token,
        job: Option<&JobInfo>,
        state: Option<RunState>,
    ) -> Result<Option<RunState>, ApiError> {
        settle_state(services, &self.bucket, &self.paths, token, job, state).await
    }

    /// Reads the Job again (for the live stream).
    pub async fn refresh_job(
        &self,
        services: &Services,
        token: &Token,
    ) -> Result<Option<JobInfo>, ApiError> {
        match &self.job {
            Some(job) => match services.hub.job(&self.owner, &job.id, token).await {
                Ok(job) => Ok(Some(job)),
                Err(err) => invisible_is_none(err),
            },
            None => Ok(None),
        }
    }
}

/// `state`, read alongside `job`, or read again when it may predate the worker's last word:
/// the Job had ended when read, but the state still said queued or running. The worker
/// writes its final state before it exits, so a second read settles it (reading the Job
/// first on every look would cost each page a round trip).
async fn settle_state(
    services: &Services,
    bucket: &RepoId,
    paths: &RunPaths,
    token: &Token,
    job: Option<&JobInfo>,
    state: Option<RunState>,
) -> Result<Option<RunState>, ApiError> {
    let job_ended = job.is_some_and(|j| j.status.is_terminal());
    if job_ended && !state.as_ref().is_some_and(|s| s.status.is_terminal()) {
        read_state(services, bucket, paths, token).await
    } else {
        Ok(state)
    }
}

/// "Cannot see it" answers become `None`; an expired sign-in and real failures stay errors.
fn invisible_is_none<T>(err: HubError) -> Result<Option<T>, ApiError> {
    match err {
        HubError::NotFound { .. } | HubError::Forbidden { .. } => Ok(None),
        other => Err(hub_error(other)),
    }
}

/// The run's Job, found by its labels in the owner's namespace.
async fn find_job(
    services: &Services,
    owner: &str,
    run_id: &RunId,
    token: &Token,
) -> Result<Option<JobInfo>, ApiError> {
    let id = run_id.to_string();
    let labels = [
        (job::LABEL_APP, job::LABEL_APP_VALUE),
        (job::LABEL_RUN_ID, id.as_str()),
    ];
    match services.hub.list_jobs(owner, &labels, token).await {
        Ok(jobs) => Ok(jobs.into_iter().next()),
        Err(err) => invisible_is_none(err),
    }
}

/// A file of the bucket read with a cap on its size ([`Capped`]), `None` when it is not
/// there (or not visible). An empty file, which a range cannot be satisfied in, is whole.
pub async fn read_capped(
    services: &Services,
    bucket: &RepoId,
    path: &str,
    limit: u64,
    token: &Token,
) -> Result<Option<Capped>, ApiError> {
    match services
        .hub
        .download_bucket_file(bucket, path, Some(Capped::range(limit)), token)
        .await
    {
        Ok(bytes) => Ok(Some(Capped::judge(bytes, limit))),
        Err(HubError::BadRequest { status: 416, .. }) => Ok(Some(Capped::Whole(Vec::new()))),
        Err(err) => invisible_is_none(err),
    }
}

/// The newest whole lines of a file that only grows, at most `limit` bytes of it
/// ([`newest_lines`]); `None` when it is not there (or not visible).
pub async fn read_newest(
    services: &Services,
    bucket: &RepoId,
    path: &str,
    limit: u64,
    token: &Token,
) -> Result<Option<Vec<u8>>, ApiError> {
    match services
        .hub
        .download_bucket_file(bucket, path, Some(ByteRange::Last(limit)), token)
        .await
    {
        Ok(bytes) => Ok(Some(newest_lines(&bytes, limit).to_vec())),
        Err(HubError::BadRequest { status: 416, .. }) => Ok(Some(Vec::new())),
        Err(err) => invisible_is_none(err),
    }
}

/// `state.json`'s bytes, `None` when it is not there; an error when it is over its cap.
pub async fn read_state_bytes(
    services: &Services,
    bucket: &RepoId,
    path: &str,
    token: &Token,
) -> Result<Option<Vec<u8>>, ApiError> {
    match read_capped(services, bucket, path, MAX_STATE_BYTES, token).await? {
        Some(Capped::Whole(bytes)) => Ok(Some(bytes)),
        Some(Capped::TooLarge) => Err(ApiError::Internal(format!(
            "the run's state.json is larger than {} KiB, so it is not read",
            MAX_STATE_BYTES / 1024
        ))),
        None => Ok(None),
    }
}

async fn read_state(
    services: &Services,
    bucket: &RepoId,
    paths: &RunPaths,
    token: &Token,
) -> Result<Option<RunState>, ApiError> {
    let Some(bytes) = read_state_bytes(services, bucket, &paths.state(), token).await? else {
        return Ok(None);
    };
    super::record::state_from_bytes(&bytes, &services.hub_hosts)
        .map(Some)
        .map_err(|e| ApiError::Internal(format!("the run's state.json does not parse: {e}")))
}
