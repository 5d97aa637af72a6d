//! What the agent-phase Job tests share: a stand whose model replays a scenario's script,
//! the real Pi (pinned, from `tools/pi`), and the spec parameters pointing Pi at the stand.
#![allow(dead_code)]

use crate::job_stand::Stand;
use localhub::inference::ChatBackend;
use localhub::FaultConfig;
use std::path::{Path, PathBuf};
use worker::agent::PiInstall;

/// The npm prefix holding the pinned Pi.
pub fn pi_prefix() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/pi")
}

/// The replay script of a scenario, `tests/replays/<name>.json`.
pub fn replay(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/replays")
        .join(format!("{name}.json"))
}

/// A stand whose chat model replays `scenario`, with Pi installed.
pub async fn stand(scenario: &str, faults: FaultConfig) -> Stand {
    PiInstall::pinned(pi_prefix())
        .find_or_install()
        .await
        .expect("Pi is installed or installable with npm");
    Stand::start_full(faults, ChatBackend::Script(replay(scenario))).await
}

/// The Job environment that lets the worker find Pi.
pub fn job_env() -> Vec<(String, String)> {
    vec![(
        worker::agent::install::PI_PREFIX_ENV.to_owned(),
        pi_prefix().to_string_lossy().into_owned(),
    )]
}

/// `params` plus the agent's model: the stand's scripted model.
pub fn params(stand: &Stand, mut params: serde_json::Value) -> serde_json::Value {
    params["agent_model"] = "scripted".into();
    params["agent_base_url"] = format!("{}/v1", stand.hub.url()).into();
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
    let spec = stand.spec(run_id, phase, params);
    let mut env = job_env();
    env.extend(extra_env.iter().cloned());
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let job = stand.launch(run_id, phase, &spec, &env).await;
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
