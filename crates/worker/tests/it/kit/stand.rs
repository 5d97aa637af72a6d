//! The one stand every test that needs a Hub uses: a real local Hub (users alice and
//! bob) with the worker registered as a Job image and alice's runs bucket, plus what the
//! tests do with it: make model repos, launch a run Job through `hub` exactly as the server
//! does or run the worker binary directly as a Job would, wait, and read what the run left
//! in the bucket.

use super::files::{assert_not_in_files, assert_not_in_output};
use hub::commit::CommitFile;
use hub::jobs::{JobImage, JobInfo, JobSpec, RunSecrets};
use hub::repos::{parse_repo_id, CreateRepo, RepoType};
use hub::{HubClient, RepoId, Token};
use localhub::inference::ChatBackend;
use localhub::{FaultConfig, LocalHub, RunningHub};
use runs::job;
use runs::{RunPaths, RunState, RunStatus, StepStatus};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The image name the tests register the worker binary under.
pub const WORKER_IMAGE: &str = "space-factory-worker:test";

/// How long a run Job may take on a loaded machine (a first Gradio venv included).
pub const JOB_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// A running local Hub, alice's client and token, and her private runs bucket.
pub struct Stand {
    pub hub: RunningHub,
    pub dir: tempfile::TempDir,
    pub client: HubClient,
    pub token: Token,
    pub bucket: RepoId,
}

impl Stand {
    /// Starts a hub (users alice and bob) with the worker as the Job image [`WORKER_IMAGE`].
    pub async fn start() -> Stand {
        Stand::start_with(FaultConfig::default()).await
    }

    /// As [`Stand::start`], with faults active from the start.
    pub async fn start_with(faults: FaultConfig) -> Stand {
        Stand::start_full(faults, ChatBackend::None).await
    }

    /// As [`Stand::start_with`], with `/v1/chat/completions` answered by `chat` (the model
    /// the agent phases drive).
    pub async fn start_full(faults: FaultConfig, chat: ChatBackend) -> Stand {
        let dir = tempfile::tempdir().unwrap();
        let hub = LocalHub::builder()
            .data_dir(dir.path().join("hub"))
            .users(["alice", "bob"])
            .faults(faults)
            .chat(chat)
            .job_image_with_program(WORKER_IMAGE, Path::new(env!("CARGO_BIN_EXE_worker")))
            .start()
            .await
            .unwrap();
        let client = HubClient::with_endpoint(&hub.url()).unwrap();
        let token = Token::new(hub.token_for("alice").unwrap());
        let bucket: RepoId = super::BUCKET.parse().unwrap();
        client.create_bucket(&bucket, &token).await.unwrap();
        Stand {
            hub,
            dir,
            client,
            token,
            bucket,
        }
    }

    /// The spec of a run of `phase` with `params`.
    pub fn spec(&self, run_id: &str, phase: &str, params: serde_json::Value) -> String {
        super::spec_json(run_id, phase, params)
    }

    /// Creates the public model repo `alice/{name}` with these files; returns its id.
    pub async fn model(&self, name: &str, files: Vec<(&str, Vec<u8>)>) -> String {
        let files = files
            .into_iter()
            .map(|(path, bytes)| CommitFile::new(path, bytes))
            .collect();
        self.model_repo(name, files).await
    }

    /// Creates the public model repo `alice/{name}` from `files`; returns its id.
    pub async fn model_repo(&self, name: &str, files: Vec<CommitFile>) -> String {
        let id = parse_repo_id(&format!("alice/{name}")).unwrap();
        let mut spec = CreateRepo::new(id.clone(), RepoType::Model);
        spec.public = true;
        self.client.create_repo(&spec, &self.token).await.unwrap();
        self.client
            .upload_files(
                RepoType::Model,
                &id,
                "main",
                "add model",
                &files,
                &self.token,
            )
            .await
            .unwrap();
        id.to_string()
    }

    /// Runs `worker run` here for a run [`super::RUN_ID`] of `phase` with `params`, as a
    /// Job would (spec, endpoint and token in the environment, the bucket at `--output`).
    pub async fn run_worker(&self, phase: &str, params: serde_json::Value) -> std::process::Output {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_worker"))
            .args(["run", "--output"])
            .arg(self.bucket_dir())
            .env(runs::RUN_SPEC_ENV, self.spec(super::RUN_ID, phase, params))
            .env("HF_ENDPOINT", self.hub.url())
            .env(job::TOKEN_SECRET, self.token.expose())
            .env("TMPDIR", self.dir.path())
            .output()
            .await
            .expect("worker starts")
    }

    /// Fails if alice's token is in any file of the bucket or in the process's output.
    pub fn assert_token_nowhere(&self, out: &std::process::Output) {
        assert_not_in_files(&self.bucket_dir(), self.token.expose());
        assert_not_in_output(out, self.token.expose());
    }

    /// Creates the run's Job the way the server does: the worker image and command, the
    /// spec in the environment, the token as a secret, the bucket at `/output`, labels.
    pub async fn launch(
        &self,
        run_id: &str,
        phase: &str,
        spec_json: &str,
        env: &[(&str, &str)],
    ) -> JobInfo {
        self.launch_with_key(run_id, phase, spec_json, env, None)
            .await
    }

    /// As [`Stand::launch`], with a custom model endpoint's own key as a secret too.
    pub async fn launch_with_key(
        &self,
        run_id: &str,
        phase: &str,
        spec_json: &str,
        env: &[(&str, &str)],
        endpoint_key: Option<&runs::job::EndpointKey>,
    ) -> JobInfo {
        let phase = runs::Phase::from_id(phase).expect("a phase's wire name");
        let mut spec = JobSpec::for_run(
            JobImage::Docker(WORKER_IMAGE.into()),
            spec_json.to_owned(),
            run_id,
            phase,
            &self.bucket,
            job::OUTPUT_MOUNT,
            RunSecrets {
                token: &self.token,
                endpoint_key,
            },
        );
        // A stuck Space fails the run within minutes, with diagnostics, not after 10.
        spec.env
            .insert("SPACE_FACTORY_START_TIMEOUT_SECS".into(), "300".into());
        for (k, v) in env {
            spec.env.insert((*k).into(), (*v).into());
        }
        spec.timeout_seconds = Some(JOB_TIMEOUT.as_secs());
        self.client
            .create_job("alice", &spec, &self.token)
            .await
            .unwrap()
    }

    /// Polls the Job until it is terminal.
    pub async fn wait_job(&self, id: &str) -> JobInfo {
        let deadline = Instant::now() + JOB_TIMEOUT;
        loop {
            let info = self.client.job("alice", id, &self.token).await.unwrap();
            if info.status.is_terminal() {
                return info;
            }
            assert!(
                Instant::now() < deadline,
                "Job {id} never ended: {:?}",
                info.status
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// The Job's whole log, one string per line.
    pub async fn job_log(&self, id: &str) -> Vec<String> {
        use futures_util::StreamExt;
        let mut stream = self
            .client
            .job_logs("alice", id, None, Duration::from_secs(10), &self.token)
            .await
            .unwrap();
        let mut lines = Vec::new();
        while let Some(Ok(line)) = stream.next().await {
            lines.push(line.data);
        }
        lines
    }

    /// The bucket's folder on disk.
    pub fn bucket_dir(&self) -> PathBuf {
        self.hub.bucket_dir(&self.bucket.to_string())
    }

    /// `runs/<id>` in the bucket.
    pub fn run_dir(&self, run_id: &str) -> PathBuf {
        self.bucket_dir()
            .join(RunPaths::new(run_id.parse().unwrap()).dir())
    }

    /// The run's `state.json`.
    pub fn state(&self, run_id: &str) -> RunState {
        let bytes = std::fs::read(self.run_dir(run_id).join("state.json")).expect("state.json");
        serde_json::from_slice(&bytes).expect("state.json parses")
    }

    /// The run's `report.md`.
    pub fn report(&self, run_id: &str) -> String {
        std::fs::read_to_string(self.run_dir(run_id).join("report.md")).expect("report.md")
    }

    /// A JSON artifact of the run.
    pub fn artifact_json(&self, run_id: &str, relative: &str) -> serde_json::Value {
        let path = self.run_dir(run_id).join(relative);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_json::from_str(&text).unwrap()
    }

    /// Creates a Space with no app (so nothing starts), to take a name.
    pub async fn take_space_name(&self, name: &str) -> RepoId {
        let id: RepoId = format!("alice/{name}").parse().unwrap();
        self.client
            .create_repo(&CreateRepo::gradio_space(id.clone()), &self.token)
            .await
            .unwrap();
        id
    }

    /// Alice's Spaces that exist now, among `names`.
    pub async fn space_exists(&self, id: &RepoId) -> bool {
        self.client
            .repo_exists(RepoType::Space, id, Some(&self.token))
            .await
            .unwrap()
    }
}

/// The step names of a state, in order.
pub fn step_names(state: &RunState) -> Vec<&str> {
    state.steps.iter().map(|s| s.name.as_str()).collect()
}

/// A folder holding replacement app files (what `SPACE_FACTORY_APP_DIR` points at).
pub fn app_override(dir: &Path, files: &[(&str, &str)]) -> PathBuf {
    let folder = dir.join("app-override");
    std::fs::create_dir_all(&folder).unwrap();
    for (name, content) in files {
        std::fs::write(folder.join(name), content).unwrap();
    }
    folder
}

/// Asserts the Job ended in `stage`, showing its status and its log when it did not.
pub fn assert_job_stage(job: &JobInfo, log: &[String], stage: &str) {
    assert_eq!(
        job.status.stage,
        stage,
        "{:?}\n{}",
        job.status,
        log.join("\n")
    );
}

/// Asserts the run failed at its last step, `step`, and says `error` about it.
pub fn assert_failed_at(state: &RunState, step: &str, error: &str) {
    assert_eq!(state.status, RunStatus::Failed, "{state:#?}");
    let last = state.steps.last().expect("a step ran");
    assert_eq!(
        (last.name.as_str(), last.status),
        (step, StepStatus::Failed),
        "{state:#?}"
    );
    assert_eq!(state.error.as_deref(), Some(error));
}
