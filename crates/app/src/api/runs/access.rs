//! Finding a run with the viewer's own token: its Job (by label) and its `state.json`.
//! A run the viewer's token cannot see is [`ApiError::NotFound`], exactly like one that
//! does not exist.

use super::record::{newest_lines, Capped, MAX_STATE_BYTES};
use crate::api::server::hub_error;
use crate::api::server::viewer::SignedIn;
use crate::api::server::Services;
use crate::api::ApiError;
use hub::buckets::{ByteRange, Fetched};
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
    /// The version of `state.json` read (its `ETag`), when the Hub named one.
    pub state_etag: Option<String>,
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
        let (job, own_job, state) = tokio::join!(
            find_job(services, owner, &run_id, &token),
            find_launchers_job(services, viewer, owner, &run_id),
            read_state_now(services, &bucket, &paths, &token)
        );
        let (job, state) = (job?.or(own_job?), state?);
        if job.is_none() && state.state.is_none() {
            return Err(ApiError::NotFound);
        }
        let state = settle_state(services, &bucket, &paths, &token, job.as_ref(), state).await?;
        Ok(RunLocation {
            owner: owner.to_owned(),
            run_id,
            paths,
            bucket,
            job,
            state: state.state,
            state_etag: state.etag,
        })
    }

    /// The namespace the run's Job is in: the launcher's, which for a run recorded in an
    /// org's bucket is not the run's owner.
    pub fn job_namespace(&self) -> &str {
        self.job
            .as_ref()
            .map_or(&self.owner, |j| j.owner.name.as_str())
    }

    /// Reads `state.json` again unless it is still the version `etag` names (for the live
    /// stream, which reads it as long as the run is live).
    pub async fn state_if_changed(
        &self,
        services: &Services,
        etag: Option<&str>,
        token: &Token,
    ) -> Result<StateRead, ApiError> {
        read_state(services, &self.bucket, &self.paths, etag, token).await
    }

    /// Whether the run is over for good: its Job ended and `state.json` says how. Nothing
    /// it records changes after that but a late `report.md`, which the worker writes last.
    pub fn is_over(&self) -> bool {
        self.job.as_ref().is_some_and(|j| j.status.is_terminal())
            && self.state.as_ref().is_some_and(|s| s.status.is_terminal())
    }

    /// Reads the Job again (for the live stream).
    pub async fn refresh_job(
        &self,
        services: &Services,
        token: &Token,
    ) -> Result<Option<JobInfo>, ApiError> {
        match &self.job {
            Some(job) => match services.hub.job(self.job_namespace(), &job.id, token).await {
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
    read: Versioned,
) -> Result<Versioned, ApiError> {
    let job_ended = job.is_some_and(|j| j.status.is_terminal());
    if job_ended && !read.state.as_ref().is_some_and(|s| s.status.is_terminal()) {
        read_state_now(services, bucket, paths, token).await
    } else {
        Ok(read)
    }
}

/// "Cannot see it" answers become `None`; an expired sign-in and real failures stay errors.
fn invisible_is_none<T>(err: HubError) -> Result<Option<T>, ApiError> {
    match err {
        HubError::NotFound { .. } | HubError::Forbidden { .. } => Ok(None),
        other => Err(hub_error(other)),
    }
}

/// The Job of a run `viewer` launched into an org's namespace `owner`: it runs in the
/// viewer's own namespace, its spec naming `owner`. `None` for a run of the viewer's own
/// namespace (its Job is found there already) and for a Job whose spec names another.
async fn find_launchers_job(
    services: &Services,
    viewer: &SignedIn,
    owner: &str,
    run_id: &RunId,
) -> Result<Option<JobInfo>, ApiError> {
    if viewer.username == owner {
        return Ok(None);
    }
    let job = find_job(services, &viewer.username, run_id, &viewer.token()).await?;
    Ok(job.filter(|j| super::read::job_spec(j).is_some_and(|spec| spec.owner == owner)))
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
        Some(Capped::TooLarge) => Err(state_too_large()),
        None => Ok(None),
    }
}

/// `state.json` as read, with the version it was.
#[derive(Debug, Clone)]
pub struct Versioned {
    /// The state; `None` when there is no `state.json` (yet, or visible).
    pub state: Option<RunState>,
    /// Its `ETag`, when the Hub named one.
    pub etag: Option<String>,
}

/// A read of `state.json` by the version held.
#[derive(Debug, Clone)]
pub enum StateRead {
    /// Still the version named.
    Unchanged,
    /// The file as it is now.
    Changed(Box<Versioned>),
}

async fn read_state_now(
    services: &Services,
    bucket: &RepoId,
    paths: &RunPaths,
    token: &Token,
) -> Result<Versioned, ApiError> {
    match read_state(services, bucket, paths, None, token).await? {
        StateRead::Changed(read) => Ok(*read),
        StateRead::Unchanged => Err(ApiError::Internal(
            "the Hub answered an unconditional read of state.json with 304".into(),
        )),
    }
}

/// `state.json` unless it is still the version `etag` names; over its cap it is an error,
/// as is a state that does not parse.
async fn read_state(
    services: &Services,
    bucket: &RepoId,
    paths: &RunPaths,
    etag: Option<&str>,
    token: &Token,
) -> Result<StateRead, ApiError> {
    let read = services
        .hub
        .download_bucket_file_if_changed(
            bucket,
            &paths.state(),
            Some(Capped::range(MAX_STATE_BYTES)),
            etag,
            token,
        )
        .await;
    let (bytes, etag) = match read {
        Ok(Fetched::Unchanged) => return Ok(StateRead::Unchanged),
        Ok(Fetched::Changed { bytes, etag }) => (bytes, etag),
        Err(HubError::BadRequest { status: 416, .. }) => (Vec::new(), None),
        Err(err) => {
            return invisible_is_none(err).map(|_: Option<()>| {
                StateRead::Changed(Box::new(Versioned {
                    state: None,
                    etag: None,
                }))
            })
        }
    };
    let Capped::Whole(bytes) = Capped::judge(bytes, MAX_STATE_BYTES) else {
        return Err(state_too_large());
    };
    super::record::state_from_bytes(&bytes, &services.hub_hosts)
        .map(|state| {
            StateRead::Changed(Box::new(Versioned {
                state: Some(state),
                etag,
            }))
        })
        .map_err(|e| ApiError::Internal(format!("the run's state.json does not parse: {e}")))
}

fn state_too_large() -> ApiError {
    ApiError::Internal(format!(
        "the run's state.json is larger than {} KiB, so it is not read",
        MAX_STATE_BYTES / 1024
    ))
}
