//! Item 1, Job start overhead: from asking the Hub for a Job to the run's first event
//! landing in the bucket. Ours: the `worker` binary (what the factory's image holds) running
//! phase 1. The reference, the seed's approach: a Python 3.12 process that pip-installs
//! `huggingface_hub` and `gradio_client` (from a warm pip cache) and then writes its first
//! event. Both are Jobs of one local hub with the runs bucket mounted at `/output`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use hub::jobs::{JobSpec, Volume};
use hub::{HubClient, RepoId, Token};
use localhub::{LocalHub, RunningHub};
use runs::{job, RunId, RunPaths};

use crate::report::Row;
use crate::server_process::Builds;
use crate::stats::Samples;

/// The image names both Jobs run under.
const WORKER_IMAGE: &str = "space-factory-worker:bench";
const PYTHON_IMAGE: &str = "python:3.12";

/// The reference Job's script: install, import, then the first event as the worker writes
/// it (`runs/<id>/events.jsonl` on the mount).
const PYTHON_FIRST_EVENT: &str = r#"set -e
python -m pip install --quiet --disable-pip-version-check --target "$SITE" huggingface_hub gradio_client
PYTHONPATH="$SITE" python - <<'PY'
import json, os, datetime
import huggingface_hub, gradio_client
run = os.path.join("/output/runs", os.environ["RUN_ID"])
os.makedirs(run, exist_ok=True)
event = {"time": datetime.datetime.now(datetime.timezone.utc).isoformat(), "seq": 0,
         "stage": "run", "level": "info", "message": "run started"}
with open(os.path.join(run, "events.jsonl"), "w") as f:
    f.write(json.dumps(event) + "\n")
PY
"#;

/// A local hub with both images, alice's token and her runs bucket.
struct JobStand {
    hub: RunningHub,
    client: HubClient,
    token: Token,
    bucket: RepoId,
    dir: tempfile::TempDir,
}

/// Python 3.12: `python3.12` on `PATH`, else pyenv's.
fn python312() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|d| d.join("python3.12"))
            .find(|p| p.is_file() && !p.to_string_lossy().contains("/shims/"))
    });
    on_path.or_else(|| {
        let home = std::env::var_os("HOME")?;
        let versions = Path::new(&home).join(".pyenv/versions");
        let mut found: Vec<PathBuf> = std::fs::read_dir(versions)
            .ok()?
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("3.12"))
            })
            .map(|p| p.join("bin/python3.12"))
            .filter(|p| p.is_file())
            .collect();
        found.sort();
        found.pop()
    })
}

impl JobStand {
    async fn start(worker: &Path, python: &Path) -> Result<JobStand, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        // `python` in the reference Job's PATH is this 3.12.
        let python_bin = dir.path().join("python-bin");
        std::fs::create_dir_all(&python_bin).map_err(|e| e.to_string())?;
        std::os::unix::fs::symlink(python, python_bin.join("python")).map_err(|e| e.to_string())?;
        let hub = LocalHub::builder()
            .data_dir(dir.path().join("hub"))
            .users(["alice"])
            .job_image_with_program(WORKER_IMAGE, worker)
            .job_image_with_program(PYTHON_IMAGE, &python_bin.join("python"))
            .start()
            .await
            .map_err(|e| e.to_string())?;
        let client = HubClient::with_endpoint(&hub.url()).map_err(|e| e.to_string())?;
        let token = Token::new(hub.token_for("alice").ok_or("no token for alice")?);
        let bucket: RepoId = "alice/space-factory-runs"
            .parse()
            .map_err(|e| format!("{e}"))?;
        client
            .create_bucket(&bucket, &token)
            .await
            .map_err(|e| e.to_string())?;
        Ok(JobStand {
            hub,
            client,
            token,
            bucket,
            dir,
        })
    }

    fn job(&self, image: &str, command: Vec<String>, run_id: &RunId) -> JobSpec {
        let mut spec = JobSpec::docker(image, command);
        spec.secrets
            .insert(job::TOKEN_SECRET.into(), self.token.expose().to_owned());
        spec.volumes
            .push(Volume::bucket(&self.bucket, job::OUTPUT_MOUNT));
        spec.labels
            .insert(job::LABEL_RUN_ID.into(), run_id.to_string());
        spec
    }

    fn worker_job(&self, run_id: &RunId) -> JobSpec {
        let command = job::JOB_COMMAND.iter().map(|s| s.to_string()).collect();
        let mut spec = self.job(WORKER_IMAGE, command, run_id);
        let run_spec = serde_json::json!({
            "version": 1,
            "run_id": run_id.to_string(),
            "phase": "1",
            "owner": "alice",
            "bucket": self.bucket.to_string(),
            "params": {},
        });
        spec.env
            .insert(runs::RUN_SPEC_ENV.into(), run_spec.to_string());
        spec
    }

    fn python_job(&self, run_id: &RunId, pip_cache: &Path) -> JobSpec {
        let command = vec!["bash".into(), "-c".into(), PYTHON_FIRST_EVENT.into()];
        let mut spec = self.job(PYTHON_IMAGE, command, run_id);
        let site = self.dir.path().join(format!("site-{run_id}"));
        spec.env.insert("SITE".into(), site.display().to_string());
        spec.env.insert("RUN_ID".into(), run_id.to_string());
        spec.env
            .insert("PIP_CACHE_DIR".into(), pip_cache.display().to_string());
        spec
    }

    /// Creates the Job and returns the time until `events.jsonl` has a line in the bucket;
    /// then waits for the Job to end.
    async fn time_to_first_event(&self, spec: &JobSpec, run_id: &RunId) -> Result<f64, String> {
        let events = self
            .hub
            .bucket_dir(&self.bucket.to_string())
            .join(RunPaths::new(*run_id).dir())
            .join("events.jsonl");
        let start = Instant::now();
        let created = self
            .client
            .create_job("alice", spec, &self.token)
            .await
            .map_err(|e| e.to_string())?;
        let deadline = start + Duration::from_secs(300);
        let elapsed = loop {
            if std::fs::read(&events).is_ok_and(|b| b.contains(&b'\n')) {
                break start.elapsed();
            }
            if Instant::now() > deadline {
                return Err(format!("no first event in 300 s ({})", events.display()));
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        };
        loop {
            let info = self
                .client
                .job("alice", &created.id, &self.token)
                .await
                .map_err(|e| e.to_string())?;
            if info.status.is_terminal() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(elapsed.as_secs_f64() * 1e3)
    }
}

/// One warm-up Job each (it fills the pip cache), then `n` of each, alternating.
pub async fn measure(builds: &Builds, n: usize) -> Result<Vec<Row>, String> {
    let python = python312().ok_or("no Python 3.12 (python3.12 on PATH or under pyenv)")?;
    let stand = JobStand::start(&builds.worker, &python).await?;
    let pip_cache = stand.dir.path().join("pip-cache");
    let mut ours = Samples::default();
    let mut reference = Samples::default();
    for round in 0..=n {
        let id = RunId::generate();
        let ms = stand
            .time_to_first_event(&stand.worker_job(&id), &id)
            .await?;
        if round > 0 {
            ours.push(ms);
        }
        let id = RunId::generate();
        let ms = stand
            .time_to_first_event(&stand.python_job(&id, &pip_cache), &id)
            .await?;
        if round > 0 {
            reference.push(ms);
        }
    }
    let what = format!("Job start: Job created → first event in the bucket, median of {n}");
    let mut row = Row::ms("1", &what, ours.median(), reference.median());
    row.note = format!(
        "ours: worker phase 1 (min {:.1} ms); reference: {} pip-installs huggingface_hub + gradio_client from a warm cache (min {:.1} ms)",
        ours.min(),
        python.display(),
        reference.min()
    );
    Ok(vec![row])
}
