//! What the agent tests share: the real Pi (pinned, from `tools/pi`) against a stand whose
//! model replays a scenario's script, run in process (a recorder writing into a temporary
//! bucket folder) or by the worker in a Job (the spec parameters pointing Pi at the stand,
//! the Pi events and traces the run recorded).

use super::prepared::{pi, pi_prefix, replay};
use super::stand::Stand;
use super::RUN_ID;
use localhub::inference::ChatBackend;
use localhub::FaultConfig;
use std::path::PathBuf;
use worker::agent::{AgentKey, AgentModel, AgentSetup};
use worker::engine::output::Output;
use worker::engine::{Recorder, Redactor};

/// The email the agent tests give the redactor beside the token.
pub const EMAIL: &str = "alice@example.test";

/// Temp folders of one test: the bucket mount, the working copies, the workspace, and the
/// private agent folder.
pub struct Dirs {
    pub root: tempfile::TempDir,
}

impl Dirs {
    pub fn new() -> Dirs {
        let root = tempfile::tempdir().unwrap();
        for sub in ["bucket", "local", "workspace"] {
            std::fs::create_dir_all(root.path().join(sub)).unwrap();
        }
        Dirs { root }
    }
    pub fn bucket(&self) -> PathBuf {
        self.root.path().join("bucket")
    }
    pub fn workspace(&self) -> PathBuf {
        self.root.path().join("workspace")
    }
    pub fn agent(&self) -> PathBuf {
        self.root.path().join("agent")
    }
    /// The run folder inside the bucket.
    pub fn run(&self) -> PathBuf {
        self.bucket().join("runs").join(RUN_ID)
    }
    pub fn recorder(&self, phase: runs::Phase, token: &str) -> Recorder {
        Recorder::new(
            RUN_ID.parse().unwrap(),
            phase,
            Output::new(self.bucket(), self.root.path().join("local")),
            Redactor::new([token.to_owned()]),
        )
    }
}

/// Pi against the stand's scripted model, keyed with alice's token.
pub fn setup(stand: &Stand, dirs: &Dirs) -> AgentSetup {
    AgentSetup {
        pi: pi(),
        model: AgentModel::new(Some("scripted"), Some(&format!("{}/v1", stand.hub.url()))),
        key: AgentKey::new(stand.token.expose()),
        agent_dir: dirs.agent(),
    }
}

/// The run's events as recorded in `events.jsonl`.
pub fn events(dirs: &Dirs) -> Vec<runs::Event> {
    let text = std::fs::read_to_string(dirs.run().join("events.jsonl")).unwrap();
    runs::Event::parse_jsonl(&text)
}

/// A file of the run folder.
pub fn read(dirs: &Dirs, relative: &str) -> String {
    std::fs::read_to_string(dirs.run().join(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

/// A stand whose chat model replays `scenario`, with Pi there for its Jobs.
pub async fn stand(scenario: &str, faults: FaultConfig) -> Stand {
    pi();
    Stand::start_full(faults, ChatBackend::Script(replay(scenario))).await
}

/// The Job environment that lets the worker find Pi.
pub fn job_env() -> Vec<(String, String)> {
    vec![(
        worker::agent::install::PI_PREFIX_ENV.to_owned(),
        pi_prefix().to_string_lossy().into_owned(),
    )]
}

/// `params` plus the agent's model: the stand's scripted model, which the Job reaches as
/// its Inference Providers router (the stand's `HF_INFERENCE_URL`) with the user's token.
pub fn params(mut params: serde_json::Value) -> serde_json::Value {
    params["agent_model"] = "scripted".into();
    params
}

/// Launches a run Job of `phase` and waits for it; returns the Job and its log.
pub async fn run_job(
    stand: &Stand,
    run_id: &str,
    phase: &str,
    params: serde_json::Value,
    extra_env: &[(String, String)],
) -> (hub::jobs::JobInfo, Vec<String>) {
    run_job_with_key(stand, run_id, phase, params, extra_env, None).await
}

/// As [`run_job`], the Job also carrying `endpoint_key` as a custom endpoint's own key.
pub async fn run_job_with_key(
    stand: &Stand,
    run_id: &str,
    phase: &str,
    params: serde_json::Value,
    extra_env: &[(String, String)],
    endpoint_key: Option<&runs::job::EndpointKey>,
) -> (hub::jobs::JobInfo, Vec<String>) {
    let spec = stand.spec(run_id, phase, params);
    let mut env = job_env();
    env.extend(extra_env.iter().cloned());
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let job = stand
        .launch_with_key(run_id, phase, &spec, &env, endpoint_key)
        .await;
    let job = stand.wait_job(&job.id).await;
    let log = stand.job_log(&job.id).await;
    (job, log)
}

/// The Pi events (`data.agent == "pi"`) of a run, as `(kind, tool)` pairs.
pub fn pi_events(stand: &Stand, run_id: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(stand.run_dir(run_id).join("events.jsonl")).unwrap();
    runs::Event::parse_jsonl(&text)
        .into_iter()
        .filter(|e| e.data["agent"] == "pi")
        .map(|e| {
            (
                e.data["kind"].as_str().unwrap_or_default().to_owned(),
                e.data["tool"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Checks the traces exist raw and redacted, and that the redacted ones lack `email`.
pub fn assert_traces(stand: &Stand, run_id: &str, email: &str) {
    let dir = stand.run_dir(run_id);
    for kind in ["raw", "redacted"] {
        for name in ["pi-events.jsonl", "pi-session.jsonl"] {
            let path = dir.join("traces").join(kind).join(name);
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(text.lines().count() >= 3, "{}", path.display());
            if kind == "redacted" {
                assert!(!text.contains(email), "{} has the email", path.display());
            }
        }
    }
    assert!(dir.join("logs/pi_output.txt").is_file());
}
