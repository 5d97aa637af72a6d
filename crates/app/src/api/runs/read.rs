//! Reading runs back: the runs list (Jobs by label + each run's `state.json`) and one
//! run's page data (state, events, report, artifacts, gate and its proof): what it
//! recorded ([`record`]) and how a viewer sees it ([`compose`]).

use super::access::{read_capped, read_newest, read_state_bytes, RunLocation};
use super::record::{
    Capped, MAX_EVENTS_BYTES, MAX_REPORT_BYTES, MAX_STATE_BYTES, MAX_TREE_ENTRIES,
};
use super::render;
use crate::api::server::hub_error;
use crate::api::server::viewer::SignedIn;
use crate::api::server::Services;
use crate::api::{ApiError, ArtifactEntry, JobView, RunSummary, RunView};
use hub::jobs::JobInfo;
use runs::{
    job, Event, GateStatus, InferenceGate, InferenceProof, Phase, Recipe, RunId, RunSpec, RunState,
    RunStatus,
};

/// The viewer's runs, newest first.
pub async fn list(services: &Services, user: &SignedIn) -> Result<Vec<RunSummary>, ApiError> {
    let token = user.token();
    let jobs = services
        .hub
        .list_jobs(
            &user.username,
            &[(job::LABEL_APP, job::LABEL_APP_VALUE)],
            &token,
        )
        .await
        .map_err(hub_error)?;
    let reads = jobs.into_iter().filter_map(|job| {
        let run_id: RunId = job.labels.get(job::LABEL_RUN_ID)?.parse().ok()?;
        // A run records in the namespace its spec names: the user's, or one of their orgs'.
        let owner = job_spec(&job).map_or_else(|| user.username.clone(), |s| s.owner);
        let bucket = services.bucket_for(&owner).ok()?;
        let token = token.clone();
        Some(async move {
            let paths = runs::RunPaths::new(run_id);
            let state = match read_state_bytes(services, &bucket, &paths.state(), &token).await {
                Ok(Some(bytes)) => {
                    super::record::state_from_bytes(&bytes, &services.hub_hosts).ok()
                }
                _ => None,
            };
            summary(&owner, run_id, &job, state.as_ref())
        })
    });
    let mut runs: Vec<RunSummary> = futures_util::future::join_all(reads)
        .await
        .into_iter()
        .flatten()
        .collect();
    runs.sort_by_key(|r| std::cmp::Reverse(r.run_id));
    Ok(runs)
}

/// One line of the runs list.
fn summary(
    owner: &str,
    run_id: RunId,
    job: &JobInfo,
    state: Option<&RunState>,
) -> Option<RunSummary> {
    let recipe = job_recipe(job);
    let phase = state.map(|s| s.phase).or_else(|| {
        job.labels
            .get(job::LABEL_PHASE)
            .and_then(|p| Phase::from_id(p))
    })?;
    Some(RunSummary {
        owner: owner.to_owned(),
        run_id,
        phase,
        status: status(Some(job), state),
        target_space: target_space(owner, state, recipe.as_ref()),
        created_at: job.created_at.clone(),
        duration_secs: state.and_then(duration_secs),
        verdict: state.and_then(|s| s.verdict.clone()),
        cost: state.and_then(|s| s.cost.clone()),
    })
}

/// What a run recorded in its bucket, as its page shows it: the same for every viewer who
/// may read the bucket (the rest of the page, its Job and state, is read as each viewer).
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    /// `events.jsonl`, its newest part.
    pub events: Vec<Event>,
    /// `report.md` rendered, or the note saying it is too large to show.
    pub report_html: Option<String>,
    /// The run folder's files.
    pub artifacts: Vec<ArtifactEntry>,
    /// Whether the listing stopped at its bound.
    pub artifacts_truncated: bool,
    /// The bucket is not private: its records are anyone's to write.
    pub public_record: bool,
    /// `inference_gate.json`'s status.
    pub gate: Option<GateStatus>,
    /// `tests/inference_proof.json`, the gate's evidence.
    pub proof: Option<InferenceProof>,
}

/// Reads what the run recorded in its bucket.
pub async fn record(
    services: &Services,
    run: &RunLocation,
    token: &hub::Token,
) -> Result<RunRecord, ApiError> {
    let gate_path = run.paths.inference_gate();
    let proof_path = run.paths.inference_proof();
    let dir = run.paths.dir();
    let report_path = run.paths.report();
    let (events, report, gate, proof, tree, bucket) = tokio::join!(
        events(services, run, token),
        read_capped(services, &run.bucket, &report_path, MAX_REPORT_BYTES, token),
        read_capped(services, &run.bucket, &gate_path, MAX_STATE_BYTES, token),
        read_capped(services, &run.bucket, &proof_path, MAX_STATE_BYTES, token),
        services
            .hub
            .bucket_tree_bounded(&run.bucket, Some(&dir), true, MAX_TREE_ENTRIES, token),
        services.hub.bucket_info(&run.bucket, token)
    );
    let events = events?;
    let report_html = report?.map(|report| match report {
        Capped::Whole(bytes) => render::markdown(&String::from_utf8_lossy(&bytes)),
        Capped::TooLarge => REPORT_TOO_LARGE.to_owned(),
    });
    let gate = match gate? {
        Some(Capped::Whole(bytes)) => gate_status(&bytes),
        _ => None,
    };
    // Untrusted and bounded: a proof that does not parse, or is too large, is not shown.
    let proof = match proof? {
        Some(Capped::Whole(bytes)) => serde_json::from_slice(&bytes).ok(),
        _ => None,
    };
    let prefix = format!("{}/", dir.trim_end_matches('/'));
    let (artifacts, artifacts_truncated) = match tree {
        Ok(listing) => (
            listing
                .items
                .into_iter()
                .filter(|e| e.is_file())
                .filter_map(|e| {
                    Some(ArtifactEntry {
                        path: e.path.strip_prefix(&prefix)?.to_owned(),
                        size: e.size.unwrap_or(0),
                    })
                })
                .collect(),
            listing.truncated,
        ),
        Err(hub::HubError::NotFound { .. }) => (Vec::new(), false),
        Err(err) => return Err(hub_error(err)),
    };
    Ok(RunRecord {
        events,
        report_html,
        artifacts,
        artifacts_truncated,
        // A bucket that is not private is anyone's to write: its records are shown as such.
        public_record: bucket.is_ok_and(|info| !info.private),
        gate,
        proof,
    })
}

/// The page data of `run` as `user` sees it, with what it recorded.
pub fn compose(
    services: &Services,
    user: &SignedIn,
    run: &RunLocation,
    record: RunRecord,
) -> Result<RunView, ApiError> {
    let recipe = run.job.as_ref().and_then(job_recipe);
    let phase = run
        .state
        .as_ref()
        .map(|s| s.phase)
        .or_else(|| {
            run.job
                .as_ref()
                .and_then(|j| j.labels.get(job::LABEL_PHASE))
                .and_then(|p| Phase::from_id(p))
        })
        .ok_or(ApiError::NotFound)?;
    let run_status = status(run.job.as_ref(), run.state.as_ref());
    Ok(RunView {
        owner: run.owner.clone(),
        run_id: run.run_id,
        phase,
        recipe,
        job: run.job.as_ref().map(|j| job_view(services, j)),
        state: run.state.clone(),
        events: record.events,
        report_html: record.report_html,
        artifacts: record.artifacts,
        artifacts_truncated: record.artifacts_truncated,
        public_record: record.public_record,
        gate: record.gate,
        proof: record.proof,
        can_cancel: run
            .job
            .as_ref()
            .is_some_and(|j| j.owner.name == user.username)
            && !run_status.is_terminal(),
        publication: None,
    })
}

/// What the run page shows instead of a `report.md` over [`MAX_REPORT_BYTES`].
pub const REPORT_TOO_LARGE: &str =
    "<p class=\"muted\">The report is larger than 1 MiB, so it is not shown.</p>";

/// The Job as the run page shows it.
pub fn job_view(services: &Services, job: &JobInfo) -> JobView {
    JobView {
        id: job.id.clone(),
        stage: job.status.stage.clone(),
        message: job.status.message.clone(),
        flavor: job.flavor.clone(),
        url: Some(format!(
            "{}/jobs/{}/{}",
            services.hub_url, job.owner.name, job.id
        )),
        created_at: job.created_at.clone(),
    }
}

/// Where a run stands: see [`job::run_status`].
pub fn status(job: Option<&JobInfo>, state: Option<&RunState>) -> RunStatus {
    job::run_status(
        state.map(|s| s.status),
        job.map(|j| &j.status.stage),
        job.and_then(|j| j.status.message.as_deref()),
    )
}

/// The run's options as launched, from the Job's environment (the spec holds no secrets).
fn job_recipe(job: &JobInfo) -> Option<Recipe> {
    job_spec(job).map(|s| s.recipe)
}

/// The run's spec as launched, from the Job's environment.
pub fn job_spec(job: &JobInfo) -> Option<RunSpec> {
    let spec = job
        .extra
        .get("environment")?
        .get(runs::RUN_SPEC_ENV)?
        .as_str()?;
    serde_json::from_str::<RunSpec>(spec).ok()
}

fn target_space(owner: &str, state: Option<&RunState>, recipe: Option<&Recipe>) -> Option<String> {
    state
        .and_then(|s| s.links.target_space.clone())
        .or_else(|| {
            recipe
                .and_then(Recipe::space)
                .map(|space| format!("{owner}/{}", space.target_space))
        })
}

/// Wall time from `started_at` to `finished_at` (or the last update).
fn duration_secs(state: &RunState) -> Option<u64> {
    use time::format_description::well_known::Rfc3339;
    use time::OffsetDateTime;
    let start = OffsetDateTime::parse(&state.started_at, &Rfc3339).ok()?;
    let end_text = state.finished_at.as_deref().unwrap_or(&state.updated_at);
    let end = OffsetDateTime::parse(end_text, &Rfc3339).ok()?;
    u64::try_from((end - start).whole_seconds()).ok()
}

/// The status of `inference_gate.json`; `None` when the file is not a gate record.
fn gate_status(bytes: &[u8]) -> Option<GateStatus> {
    let gate: InferenceGate = serde_json::from_slice(bytes).ok()?;
    Some(gate.status)
}

/// Events of `events.jsonl`, its newest [`MAX_EVENTS_BYTES`] (re-read by the live stream).
pub async fn events(
    services: &Services,
    run: &RunLocation,
    token: &hub::Token,
) -> Result<Vec<Event>, ApiError> {
    Ok(read_newest(
        services,
        &run.bucket,
        &run.paths.events(),
        MAX_EVENTS_BYTES,
        token,
    )
    .await?
    .map(|b| Event::parse_jsonl(&String::from_utf8_lossy(&b)))
    .unwrap_or_default())
}
