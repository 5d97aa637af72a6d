//! Published runs: a finished run's page open to anyone, signed in or not.
//!
//! Publishing writes a snapshot of what the run recorded ([`Snapshot`]: state, events,
//! report, the gate and its proof, and the small text files of the run folder) to the
//! owner's public dataset repo [`PUBLIC_REPO_NAME`], at `runs/<id>/snapshot.json`, in one
//! regular commit; unpublishing is a commit deleting `runs/<id>`. The run's link then reads
//! that snapshot, without a token, for whoever may not read the owner's private bucket.
//!
//! What goes out is scrubbed once more ([`Redactor`]: the owner's token in every form, and
//! anything token-shaped), although the worker redacted the record when it wrote it; and
//! it is bounded ([`MAX_FILE_BYTES`], [`MAX_FILES_BYTES`], [`MAX_SNAPSHOT_BYTES`]). What
//! comes back is a stranger's file like any record: read only up to its cap, its links cut
//! to the trusted ones, its report rendered and sanitized, its files shown as text.

use super::access::{read_capped, RunLocation};
use super::artifact;
use super::read::{self, RunRecord};
use super::record::{state_from_bytes, Capped, MAX_REPORT_BYTES};
use super::render;
use crate::api::server::hub_error;
use crate::api::server::viewer::SignedIn;
use crate::api::server::Services;
use crate::api::{ApiError, Artifact, ArtifactEntry, Publication, RunView};
use hub::commit::CommitFile;
use hub::repos::{CreateRepo, RepoType};
use hub::{HubError, RepoId};
use runs::redact::Redactor;
use runs::{Event, GateStatus, InferenceProof, Phase, RunId, RunState};
use serde::{Deserialize, Serialize};

/// The dataset repo, in the owner's namespace, that published runs' snapshots are kept in.
pub const PUBLIC_REPO_NAME: &str = "space-factory-public-runs";

/// The snapshot's file name inside `runs/<id>/`.
pub const SNAPSHOT_FILE: &str = "snapshot.json";

/// The largest run-folder file a snapshot carries; larger ones are left out.
pub const MAX_FILE_BYTES: u64 = 64 * 1024;

/// The most bytes of run-folder files one snapshot carries, all together.
pub const MAX_FILES_BYTES: usize = 1024 * 1024;

/// The largest snapshot written, and the most of one read back.
pub const MAX_SNAPSHOT_BYTES: usize = 6 * 1024 * 1024;

/// The version of the snapshot's layout written now.
pub const SNAPSHOT_VERSION: u32 = 1;

/// The files of the run folder a snapshot holds apart (or never holds), not as artifacts.
const NOT_ARTIFACTS: [&str; 3] = ["state.json", "events.jsonl", "report.md"];

/// What a published run's page is read from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// [`SNAPSHOT_VERSION`] when written.
    pub version: u32,
    /// The namespace the run belongs to.
    pub owner: String,
    /// The run's id.
    pub run_id: RunId,
    /// The recipe's phase.
    pub phase: Phase,
    /// `state.json`.
    pub state: RunState,
    /// `events.jsonl`, its newest part.
    pub events: Vec<Event>,
    /// `report.md` as written (rendered when read back).
    pub report: Option<String>,
    /// `inference_gate.json`'s status.
    pub gate: Option<GateStatus>,
    /// `tests/inference_proof.json`.
    pub proof: Option<InferenceProof>,
    /// The run folder's small text files.
    pub files: Vec<SnapshotFile>,
}

/// One small text file of the run folder, in a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotFile {
    /// Its path relative to the run folder.
    pub path: String,
    /// Its whole text.
    pub text: String,
}

/// The owner's public dataset repo.
pub fn public_repo(owner: &str) -> Result<RepoId, ApiError> {
    format!("{owner}/{PUBLIC_REPO_NAME}")
        .parse()
        .map_err(|_| ApiError::NotFound)
}

/// `runs/<id>`: the run's folder in the public repo.
fn folder(run_id: RunId) -> String {
    runs::RunPaths::new(run_id).dir()
}

fn snapshot_path(run_id: RunId) -> String {
    format!("{}/{SNAPSHOT_FILE}", folder(run_id))
}

/// Publishes `run` (the viewer's own, and over) as its snapshot.
pub async fn publish(
    services: &Services,
    user: &SignedIn,
    run: &RunLocation,
) -> Result<Publication, ApiError> {
    check_own(user, run)?;
    let job_over = run.job.as_ref().map(|j| j.status.is_terminal());
    let Some(state) = run.state.clone().filter(|s| is_over_for_good(s, job_over)) else {
        return Err(ApiError::Internal(
            "Only a run that is over can be published.".into(),
        ));
    };
    let token = user.token();
    let record = read::record(services, run, &token).await?;
    let report = match read_capped(
        services,
        &run.bucket,
        &run.paths.report(),
        MAX_REPORT_BYTES,
        &token,
    )
    .await?
    {
        Some(Capped::Whole(bytes)) => Some(String::from_utf8_lossy(&bytes).into_owned()),
        _ => None,
    };
    let files = small_text_files(services, run, &record, &token).await?;
    let phase = state.phase;
    let snapshot = Snapshot {
        version: SNAPSHOT_VERSION,
        owner: run.owner.clone(),
        run_id: run.run_id,
        phase,
        state,
        events: record.events,
        report,
        gate: record.gate,
        proof: record.proof,
        files,
    };
    let bytes = scrubbed(&snapshot, &Redactor::new([token.expose().to_owned()]))?;
    let repo = public_repo(&run.owner)?;
    ensure_public_repo(services, &repo, &token).await?;
    services
        .hub
        .upload_files(
            RepoType::Dataset,
            &repo,
            "main",
            &format!("Publish run {}", run.run_id),
            &[CommitFile::new(snapshot_path(run.run_id), bytes)],
            &token,
        )
        .await
        .map_err(hub_error)?;
    tracing::info!(user = %user.username, run = %run.run_id, "run published");
    services
        .publications
        .set(&repo, &run.run_id.to_string(), true);
    Ok(published(services, &repo, true))
}

/// Unpublishes `run` (the viewer's own): the commit that deletes its folder.
pub async fn unpublish(
    services: &Services,
    user: &SignedIn,
    run: &RunLocation,
) -> Result<Publication, ApiError> {
    check_own(user, run)?;
    let repo = public_repo(&run.owner)?;
    match services
        .hub
        .delete_folder(
            RepoType::Dataset,
            &repo,
            "main",
            &format!("Unpublish run {}", run.run_id),
            &folder(run.run_id),
            &user.token(),
        )
        .await
    {
        Ok(_) | Err(HubError::NotFound { .. }) => {}
        Err(err) => return Err(hub_error(err)),
    }
    tracing::info!(user = %user.username, run = %run.run_id, "run unpublished");
    services
        .publications
        .set(&repo, &run.run_id.to_string(), false);
    let job_over = run.job.as_ref().map(|j| j.status.is_terminal());
    Ok(Publication::Private {
        can_publish: run
            .state
            .as_ref()
            .is_some_and(|s| is_over_for_good(s, job_over)),
    })
}

/// What the owner's page says of `view` (their own run): published or not. Anyone else's
/// view says nothing (`None`).
pub async fn publication(
    services: &Services,
    user: &SignedIn,
    view: &RunView,
) -> Result<Option<Publication>, ApiError> {
    if view.owner != user.username {
        return Ok(None);
    }
    let job_over = view.job.as_ref().map(|j| j.stage.is_terminal());
    if !view
        .state
        .as_ref()
        .is_some_and(|s| is_over_for_good(s, job_over))
    {
        return Ok(Some(Publication::Private { can_publish: false }));
    }
    let repo = public_repo(&view.owner)?;
    let key = view.run_id.to_string();
    let is_public = match services.publications.get(&repo, &key) {
        Some(known) => known,
        None => {
            // Asked without a token: published means anyone can read it.
            let read = services
                .hub
                .download_file_start(
                    RepoType::Dataset,
                    &repo,
                    "main",
                    &snapshot_path(view.run_id),
                    1,
                    None,
                )
                .await;
            let read = match read {
                Ok(_) => true,
                Err(err) if is_absent(&err) => false,
                Err(err) => return Err(hub_error(err)),
            };
            services.publications.set(&repo, &key, read);
            read
        }
    };
    Ok(Some(if is_public {
        published(services, &repo, true)
    } else {
        Publication::Private { can_publish: true }
    }))
}

/// Whether runs are published, as this server last read or changed it, kept
/// [`PUBLICATION_TTL`]: a change made on the Hub itself (the dataset deleted there) shows
/// once it has passed, one made here at once.
#[derive(Debug, Default)]
pub struct KnownPublications {
    entries:
        std::sync::Mutex<std::collections::HashMap<(String, String), (std::time::Instant, bool)>>,
}

/// How long a run's publication state is taken as known.
pub const PUBLICATION_TTL: std::time::Duration = std::time::Duration::from_secs(30);
/// The most entries kept; past it the oldest half goes.
const MAX_PUBLICATIONS: usize = 10_000;

impl KnownPublications {
    /// Whether run `run_id` of public repo `repo` is published, when known and fresh.
    pub fn get(&self, repo: &RepoId, run_id: &str) -> Option<bool> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let (at, is_public) = entries.get(&(repo.to_string(), run_id.to_owned()))?;
        (at.elapsed() < PUBLICATION_TTL).then_some(*is_public)
    }

    /// Records what was read or just done.
    pub fn set(&self, repo: &RepoId, run_id: &str, is_public: bool) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_PUBLICATIONS {
            let mut ages: Vec<_> = entries.values().map(|(at, _)| *at).collect();
            ages.sort();
            let cut = ages[ages.len() / 2];
            entries.retain(|_, (at, _)| *at > cut);
        }
        entries.insert(
            (repo.to_string(), run_id.to_owned()),
            (std::time::Instant::now(), is_public),
        );
    }
}

/// The page of a published run, read from its snapshot without a token; `None` when it is
/// not published (or the snapshot is not one: too large, not parsing, another run's).
pub async fn view(
    services: &Services,
    owner: &str,
    run_id: &str,
) -> Result<Option<RunView>, ApiError> {
    let Some(snapshot) = read_snapshot(services, owner, run_id).await? else {
        return Ok(None);
    };
    let repo = public_repo(owner)?;
    let mut state = snapshot.state;
    state.links = services
        .hub_hosts
        .keep_trusted(std::mem::take(&mut state.links));
    Ok(Some(RunView {
        owner: snapshot.owner,
        run_id: snapshot.run_id,
        phase: snapshot.phase,
        recipe: None,
        job: None,
        state: Some(state),
        events: snapshot.events,
        report_html: snapshot.report.map(|text| render::markdown(&text)),
        artifacts: snapshot
            .files
            .iter()
            .map(|f| ArtifactEntry {
                path: f.path.clone(),
                size: f.text.len() as u64,
            })
            .collect(),
        artifacts_truncated: false,
        public_record: false,
        gate: snapshot.gate,
        proof: snapshot.proof,
        can_cancel: false,
        publication: Some(published(services, &repo, false)),
    }))
}

/// One file of a published run, from its snapshot; `None` when it is not published or the
/// snapshot has no such file.
pub async fn artifact(
    services: &Services,
    owner: &str,
    run_id: &str,
    path: &str,
) -> Result<Option<Artifact>, ApiError> {
    let Some(snapshot) = read_snapshot(services, owner, run_id).await? else {
        return Ok(None);
    };
    Ok(snapshot
        .files
        .into_iter()
        .find(|f| f.path == path)
        .map(|f| artifact::present(path, f.text.into_bytes())))
}

/// The snapshot of `owner`'s run `run_id`, read without a token and judged as a stranger's
/// record: `None` unless it is there, within [`MAX_SNAPSHOT_BYTES`], parses, and names this
/// very run; its files only those whose paths stay inside a run folder.
async fn read_snapshot(
    services: &Services,
    owner: &str,
    run_id: &str,
) -> Result<Option<Snapshot>, ApiError> {
    let Ok(run_id) = run_id.parse::<RunId>() else {
        return Ok(None);
    };
    let Ok(repo) = public_repo(owner) else {
        return Ok(None);
    };
    let read = services
        .hub
        .download_file_start(
            RepoType::Dataset,
            &repo,
            "main",
            &snapshot_path(run_id),
            MAX_SNAPSHOT_BYTES + 1,
            None,
        )
        .await;
    let bytes = match read {
        Ok(bytes) => bytes,
        Err(err) if is_absent(&err) => return Ok(None),
        Err(err) => return Err(hub_error(err)),
    };
    if bytes.len() > MAX_SNAPSHOT_BYTES {
        return Ok(None);
    }
    Ok(parse_snapshot(&bytes, owner, run_id, services))
}

/// A snapshot's bytes as one that may be shown, or `None`.
fn parse_snapshot(
    bytes: &[u8],
    owner: &str,
    run_id: RunId,
    services: &Services,
) -> Option<Snapshot> {
    let mut snapshot: Snapshot = serde_json::from_slice(bytes).ok()?;
    if snapshot.owner != owner || snapshot.run_id != run_id {
        return None;
    }
    // The state goes through the same check as a bucket's `state.json`.
    let state_bytes = serde_json::to_vec(&snapshot.state).ok()?;
    snapshot.state = state_from_bytes(&state_bytes, &services.hub_hosts).ok()?;
    let paths = runs::RunPaths::new(run_id);
    snapshot
        .files
        .retain(|f| paths.artifact(&f.path).is_ok() && f.text.len() as u64 <= MAX_FILE_BYTES);
    Some(snapshot)
}

/// The snapshot as JSON, every string of it redacted; refused over [`MAX_SNAPSHOT_BYTES`].
pub fn scrubbed(snapshot: &Snapshot, redactor: &Redactor) -> Result<Vec<u8>, ApiError> {
    let value = serde_json::to_value(snapshot)
        .map_err(|e| ApiError::Internal(format!("the snapshot does not serialize: {e}")))?;
    let bytes = serde_json::to_vec(&redactor.redact_json(&value))
        .map_err(|e| ApiError::Internal(format!("the snapshot does not serialize: {e}")))?;
    if bytes.len() > MAX_SNAPSHOT_BYTES {
        return Err(ApiError::Internal(format!(
            "this run's record is larger than {} MiB, too large to publish",
            MAX_SNAPSHOT_BYTES / (1024 * 1024)
        )));
    }
    Ok(bytes)
}

/// The run folder's files a snapshot carries: text (UTF-8, no NUL), each at most
/// [`MAX_FILE_BYTES`], together at most [`MAX_FILES_BYTES`], in listing order.
async fn small_text_files(
    services: &Services,
    run: &RunLocation,
    record: &RunRecord,
    token: &hub::Token,
) -> Result<Vec<SnapshotFile>, ApiError> {
    let mut files = Vec::new();
    let mut total = 0usize;
    for entry in &record.artifacts {
        if NOT_ARTIFACTS.contains(&entry.path.as_str())
            || entry.size > MAX_FILE_BYTES
            || total + entry.size as usize > MAX_FILES_BYTES
        {
            continue;
        }
        let Ok(full) = run.paths.artifact(&entry.path) else {
            continue;
        };
        let Some(Capped::Whole(bytes)) =
            read_capped(services, &run.bucket, &full, MAX_FILE_BYTES, token).await?
        else {
            continue;
        };
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        if text.contains('\0') || total + text.len() > MAX_FILES_BYTES {
            continue;
        }
        total += text.len();
        files.push(SnapshotFile {
            path: entry.path.clone(),
            text,
        });
    }
    Ok(files)
}

/// Creates the owner's public dataset repo unless it exists; an existing one that is
/// private is refused (a snapshot there would open for nobody).
async fn ensure_public_repo(
    services: &Services,
    repo: &RepoId,
    token: &hub::Token,
) -> Result<(), ApiError> {
    match services
        .hub
        .repo_info(RepoType::Dataset, repo, Some(token))
        .await
    {
        Ok(info) if info.private == Some(true) => Err(ApiError::Internal(format!(
            "the dataset {repo} is private, so a run published there would open for nobody; \
             make it public on the Hub, or delete it, and publish again"
        ))),
        Ok(_) => Ok(()),
        Err(err) if is_absent(&err) => {
            let mut create = CreateRepo::new(repo.clone(), RepoType::Dataset);
            create.public = true;
            match services.hub.create_repo(&create, token).await {
                Ok(_) | Err(HubError::Conflict { .. }) => Ok(()),
                Err(err) => Err(hub_error(err)),
            }
        }
        Err(err) => Err(hub_error(err)),
    }
}

/// Whether a run whose state is `state` (and whose Job, when still listed, is over or not:
/// `job_over`) is over for good, so what it recorded no longer changes: then it may be
/// published, and its page kept ([`super::page::RunPageData::is_finished`]).
pub(super) fn is_over_for_good(state: &RunState, job_over: Option<bool>) -> bool {
    state.status.is_terminal() && job_over != Some(false)
}

/// Only the run's owner publishes or unpublishes it; to anyone else it is not there.
fn check_own(user: &SignedIn, run: &RunLocation) -> Result<(), ApiError> {
    if run.owner == user.username {
        Ok(())
    } else {
        Err(ApiError::NotFound)
    }
}

fn published(services: &Services, repo: &RepoId, can_unpublish: bool) -> Publication {
    Publication::Public {
        snapshot_url: services.hub.repo_page_url(RepoType::Dataset, repo),
        can_unpublish,
    }
}

/// The Hub's "nothing there for you": a missing repo or file, or (to a request without a
/// token) a private repo, which some answers call 401 `RepoNotFound`.
fn is_absent(err: &HubError) -> bool {
    matches!(err, HubError::NotFound { .. })
        || matches!(err, HubError::Unauthorized { code, .. } if code.as_deref() == Some("RepoNotFound"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(text: &str) -> Snapshot {
        let run_id = RunId::generate();
        let state: RunState = serde_json::from_value(serde_json::json!({
            "run_id": run_id.to_string(),
            "phase": "1",
            "status": "succeeded",
            "started_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:01Z",
        }))
        .unwrap();
        Snapshot {
            version: SNAPSHOT_VERSION,
            owner: "alice".into(),
            run_id,
            phase: Phase::BucketRoundTrip,
            state,
            events: Vec::new(),
            report: Some(text.to_owned()),
            gate: None,
            proof: None,
            files: vec![SnapshotFile {
                path: "notes.txt".into(),
                text: text.to_owned(),
            }],
        }
    }

    #[test]
    fn a_snapshot_leaves_without_the_owners_token() {
        let token = "owner-token-value-0123456789";
        let text = format!("t={token} upper={}", token.to_uppercase());
        let bytes = scrubbed(&snapshot(&text), &Redactor::new([token.to_owned()])).unwrap();
        let out = String::from_utf8(bytes).unwrap();
        assert!(!out.to_lowercase().contains(token), "{out}");
        assert!(out.contains("[REDACTED]"));
    }

    #[test]
    fn a_snapshot_over_its_cap_is_refused() {
        let big = "x".repeat(MAX_SNAPSHOT_BYTES);
        assert!(scrubbed(&snapshot(&big), &Redactor::default()).is_err());
    }

    #[test]
    fn a_runs_publication_is_known_per_repo_and_run_as_last_set() {
        let known = KnownPublications::default();
        let alice: RepoId = "alice/space-factory-public-runs".parse().unwrap();
        let bob: RepoId = "bob/space-factory-public-runs".parse().unwrap();
        assert_eq!(
            known.get(&alice, "01A"),
            None,
            "nothing is known before a read"
        );
        known.set(&alice, "01A", true);
        assert_eq!(known.get(&alice, "01A"), Some(true));
        assert_eq!(
            known.get(&bob, "01A"),
            None,
            "another owner's run is another entry"
        );
        assert_eq!(known.get(&alice, "01B"), None);
        known.set(&alice, "01A", false);
        assert_eq!(
            known.get(&alice, "01A"),
            Some(false),
            "an unpublish is known at once"
        );
    }
}
