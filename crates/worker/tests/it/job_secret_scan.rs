//! A workspace holding a secret of the run never leaves the worker: a generated app (phase
//! 2.1, through the app override) or Pi's workspace (phase 3) with the user's token in a
//! file, plain or base64, fails the `upload` step naming the file, and the Space gets no
//! commit.

use crate::kit::agent;
use crate::kit::files::assert_not_in_files;
use crate::kit::limit;
use crate::kit::prepared::{pi, replay};
use crate::kit::stand::{app_override, assert_job_stage, Stand};
use base64::Engine;
use hub::repos::RepoType;
use localhub::inference::ChatBackend;
use localhub::FaultConfig;
use runs::{RunStatus, StepStatus};
use worker::generate::APP_OVERRIDE_ENV;

const PLAIN_RUN: &str = "01JDQ7ZK3G8X5V2N4M6P8R0S01";
const ENCODED_RUN: &str = "01JDQ7ZK3G8X5V2N4M6P8R0S02";
const PI_RUN: &str = "01JDQ7ZK3G8X5V2N4M6P8R0S03";

fn base64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// Checks the run failed at `upload` naming `file` (and not the token), and that the Space
/// `alice/{space}` got nothing: no preupload, no commit, no file.
async fn assert_not_uploaded(stand: &Stand, run_id: &str, space: &str, file: &str) {
    let state = stand.state(run_id);
    assert_eq!(state.status, RunStatus::Failed, "{state:#?}");
    let last = state.steps.last().unwrap();
    assert_eq!(
        (last.name.as_str(), last.status),
        ("upload", StepStatus::Failed),
        "{state:#?}"
    );
    let error = state.error.unwrap_or_default();
    assert!(
        error.starts_with(&format!("{file} holds a secret of this run")),
        "{error}"
    );
    for write in ["preupload", "commit"] {
        let path = format!("/api/spaces/alice/{space}/{write}/main");
        assert_eq!(stand.hub.hits("POST", &path), 0, "{path}");
    }
    let id: hub::RepoId = format!("alice/{space}").parse().unwrap();
    assert!(stand.space_exists(&id).await, "the Space was created first");
    let download = stand
        .client
        .download_file(RepoType::Space, &id, "main", file, Some(&stand.token))
        .await;
    assert!(download.is_err(), "{file} reached the Space");
    assert_not_in_files(&stand.bucket_dir(), stand.token.expose());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_app_holding_the_token_plain_or_base64_is_not_uploaded() {
    let _slot = limit::slot().await;
    let stand = Stand::start().await;
    let token = stand.token.expose().to_owned();
    let leaks = [
        (
            PLAIN_RUN,
            "plain-leak",
            "notes.txt",
            format!("HF_TOKEN={token}\n"),
        ),
        (
            ENCODED_RUN,
            "encoded-leak",
            "data.txt",
            format!("{}\n", base64(&format!("HF_TOKEN={token}\n"))),
        ),
    ];
    for (run_id, space, file, content) in &leaks {
        let app = app_override(&stand.dir.path().join(space), &[(file, content)]);
        let spec = stand.spec(run_id, "2.1", serde_json::json!({ "target_space": space }));
        let job = stand
            .launch(
                run_id,
                "2.1",
                &spec,
                &[(APP_OVERRIDE_ENV, app.to_str().unwrap())],
            )
            .await;
        let job = stand.wait_job(&job.id).await;
        let log = stand.job_log(&job.id).await;
        assert_job_stage(&job, &log, "ERROR");
        assert!(log.iter().all(|line| !line.contains(&token)));
        assert_not_uploaded(&stand, run_id, space, file).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pis_workspace_holding_the_token_is_not_uploaded() {
    let _slot = limit::slot().await;
    pi();
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("leak.json");
    let stand =
        Stand::start_full(FaultConfig::default(), ChatBackend::Script(script.clone())).await;
    // The script is read at each turn, so it may name the stand's token once it is up:
    // Pi's edit of app.py carries the token, base64, in a comment.
    let text = std::fs::read_to_string(replay("phase3_edit")).unwrap();
    let leak = format!(
        "return text.upper() + \\\"!!\\\"  # {}",
        base64(&format!("token={}", stand.token.expose()))
    );
    let edited = text.replacen("return text.upper() + \\\"!!\\\"", &leak, 1);
    assert_ne!(edited, text, "the replay's edit is where the leak goes");
    std::fs::write(&script, edited).unwrap();
    let params = agent::params(serde_json::json!({"target_space": "pi-leak"}));
    let (job, log) = agent::run_job(&stand, PI_RUN, "3", params, &[]).await;
    assert_job_stage(&job, &log, "ERROR");
    assert_not_uploaded(&stand, PI_RUN, "pi-leak", "app.py").await;
}
