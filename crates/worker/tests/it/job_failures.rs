//! Phase 2.1 runs that fail, each through a real Job on a real local Hub, each leaving a
//! truthful final `state.json` and `report.md`: a build error, an app that crashes on start,
//! an app that answers wrongly, a taken Space name, an invalid spec, and a cancel (SIGTERM)
//! in the middle of the run.

use crate::kit::files::assert_not_in_files;
use crate::kit::limit;
use crate::kit::stand::{app_override, step_names, Stand};
use crate::kit::RUN_ID as RUN;
use localhub::{Burst, FaultConfig};
use runs::{RunStatus, StepStatus};
use std::time::{Duration, Instant};
use worker::generate::{template_app, APP_OVERRIDE_ENV};

fn template_spec(stand: &Stand, name: &str) -> String {
    stand.spec(RUN, "2.1", serde_json::json!({ "target_space": name }))
}

/// The last step, which must be the failed one, and the run's error.
fn failed_at(stand: &Stand, step: &str) -> runs::RunState {
    let state = stand.state(RUN);
    assert_eq!(state.status, RunStatus::Failed, "{state:#?}");
    let last = state.steps.last().expect("a step ran");
    assert_eq!(last.name, step, "{state:#?}");
    assert_eq!(last.status, StepStatus::Failed);
    assert!(state.finished_at.is_some());
    assert_eq!(
        state.verdict.as_deref(),
        Some(format!("Failed at step {step}").as_str())
    );
    let report = stand.report(RUN);
    assert!(report.contains("**Verdict: failed**"), "{report}");
    assert!(report.contains(&format!("| {step} | failed |")), "{report}");
    assert_not_in_files(&stand.bucket_dir(), stand.token.expose());
    state
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_build_error_fails_fast_with_the_build_log_saved() {
    let stand = Stand::start_with(FaultConfig {
        force_build_error: true,
        ..FaultConfig::default()
    })
    .await;
    let job = stand
        .launch(RUN, "2.1", &template_spec(&stand, "broken-build"), &[])
        .await;
    let job = stand.wait_job(&job.id).await;
    assert_eq!(job.status.stage, "ERROR");
    assert_eq!(
        job.status.message.as_deref(),
        Some("Job failed with exit code: 1")
    );

    let state = failed_at(&stand, "wait_running");
    let error = state.error.unwrap();
    assert!(error.contains("BUILD_ERROR"), "{error}");
    let build_log =
        std::fs::read_to_string(stand.run_dir(RUN).join("diagnostics/build_log.txt")).unwrap();
    assert!(build_log.contains("Build failed"), "{build_log}");
    let runtime = stand.artifact_json(RUN, "diagnostics/runtime.json");
    assert_eq!(runtime["stage"], "BUILD_ERROR");
    assert_eq!(
        stand.artifact_json(RUN, "target_space.json")["stage"],
        "BUILD_ERROR"
    );
    assert!(state
        .links
        .artifacts
        .contains(&"diagnostics/run_log.txt".to_owned()));
    assert!(
        !stand.run_dir(RUN).join("tests").exists(),
        "nothing was called"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_that_fails_to_start_fails_with_its_traceback_saved() {
    let _slot = limit::slot().await;
    let stand = Stand::start().await;
    let app = app_override(
        stand.dir.path(),
        &[(
            "app.py",
            "raise RuntimeError('the model weights are missing')\n",
        )],
    );
    let job = stand
        .launch(
            RUN,
            "2.1",
            &template_spec(&stand, "crashes"),
            &[(APP_OVERRIDE_ENV, app.to_str().unwrap())],
        )
        .await;
    let job = stand.wait_job(&job.id).await;
    assert_eq!(job.status.stage, "ERROR");

    let state = failed_at(&stand, "wait_running");
    let error = state.error.unwrap();
    assert!(error.contains("RUNTIME_ERROR"), "{error}");
    assert!(error.contains("the model weights are missing"), "{error}");
    let run_log =
        std::fs::read_to_string(stand.run_dir(RUN).join("diagnostics/run_log.txt")).unwrap();
    assert!(run_log.contains("Traceback"), "{run_log}");
    assert!(
        run_log.contains("RuntimeError: the model weights are missing"),
        "{run_log}"
    );
    // The record says what was deployed.
    let deployed = std::fs::read_to_string(stand.run_dir(RUN).join("generated/app.py")).unwrap();
    assert!(deployed.contains("the model weights are missing"));
    let generate = state.steps.iter().find(|s| s.name == "generate").unwrap();
    assert!(generate
        .message
        .as_deref()
        .unwrap()
        .contains(APP_OVERRIDE_ENV));
}

/// A healthy app with the wrong answer: FastAPI with a `/health` route and the Gradio app
/// mounted on it, served by uvicorn, whose `/shout` whispers instead.
const WHISPER_APP: &str = r#"import os
import gradio as gr
import uvicorn
from fastapi import FastAPI


def shout(text: str) -> str:
    return text.lower()


demo = gr.Interface(fn=shout, inputs=gr.Textbox(label="Text"), outputs=gr.Textbox(label="Shouted"), api_name="shout")
app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok"}


app = gr.mount_gradio_app(app, demo, path="/")
uvicorn.run(app, host=os.environ["GRADIO_SERVER_NAME"], port=int(os.environ["GRADIO_SERVER_PORT"]))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_healthy_app_that_answers_wrongly_fails_at_the_call_with_the_evidence() {
    let _slot = limit::slot().await;
    let stand = Stand::start().await;
    let app = app_override(stand.dir.path(), &[("app.py", WHISPER_APP)]);
    let job = stand
        .launch(
            RUN,
            "2.1",
            &template_spec(&stand, "whisper"),
            &[(APP_OVERRIDE_ENV, app.to_str().unwrap())],
        )
        .await;
    let job = stand.wait_job(&job.id).await;
    assert_eq!(job.status.stage, "ERROR");

    let state = failed_at(&stand, "api_call");
    for passed in ["wait_running", "health", "api_schema"] {
        let step = state.steps.iter().find(|s| s.name == passed).unwrap();
        assert_eq!(step.status, StepStatus::Passed, "{step:?}");
    }
    let health = stand.artifact_json(RUN, "tests/health.json");
    assert_eq!(
        health,
        serde_json::json!({"status": 200, "body": {"status": "ok"}})
    );
    let result = stand.artifact_json(RUN, "tests/test_result.json");
    assert_eq!(result["verdict"], "failed");
    assert_eq!(result["call_made"], true);
    assert_eq!(
        result["outputs"],
        serde_json::json!([template_app::SAMPLE_INPUT])
    );
    let expected = template_app::expected_output(template_app::SAMPLE_INPUT);
    assert_eq!(result["expected"], serde_json::json!([expected]));
    assert!(result["latency_ms"].as_u64().is_some());
    let error = state.error.unwrap();
    assert!(
        error.contains(&expected) && error.contains("expected"),
        "{error}"
    );
    // The Space was made, runs and says it is healthy; the run still failed on its answer.
    assert!(state.links.space_url.is_some());
}

/// The Hub made the Space but its answer was lost on the way back (a proxy's 502): the
/// create is not sent again (a second one would answer 409 for the Space this run just
/// made); the worker finds the Space it asked for and carries on to a validated app.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_space_create_whose_answer_was_lost_is_sent_once_and_the_run_goes_on() {
    let _slot = limit::slot().await;
    let stand = Stand::start_with(FaultConfig {
        lost_answers: vec![Burst {
            method: Some("POST".into()),
            path_prefix: "/api/repos/create".into(),
            status: 502,
            count: 1,
        }],
        ..FaultConfig::default()
    })
    .await;
    let job = stand
        .launch(RUN, "2.1", &template_spec(&stand, "lost-answer"), &[])
        .await;
    let job = stand.wait_job(&job.id).await;
    let state = stand.state(RUN);
    assert_eq!(job.status.stage, "COMPLETED", "{state:#?}");
    assert_eq!(state.status, RunStatus::Succeeded, "{state:#?}");
    assert_eq!(stand.hub.hits("POST", "/api/repos/create"), 1);
    assert_eq!(
        state
            .links
            .target_space
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("alice/lost-answer")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_existing_target_name_is_refused_and_left_alone() {
    let stand = Stand::start().await;
    let taken = stand.take_space_name("taken").await;
    let job = stand
        .launch(RUN, "2.1", &template_spec(&stand, "taken"), &[])
        .await;
    let job = stand.wait_job(&job.id).await;
    assert_eq!(job.status.stage, "ERROR");

    let state = failed_at(&stand, "create_space");
    assert_eq!(
        step_names(&state),
        ["hub_access", "generate", "create_space"]
    );
    let error = state.error.unwrap();
    assert!(error.contains("alice/taken already exists"), "{error}");
    assert!(error.contains("never overwritten"), "{error}");
    assert!(state.links.target_space.is_none(), "no Space is claimed");
    // The existing Space got no commit.
    let info = stand.client.space_info(&taken, &stand.token).await.unwrap();
    assert!(
        info.siblings.iter().all(|f| f.rfilename != "app.py"),
        "{info:?}"
    );
    assert!(!stand.run_dir(RUN).join("target_space.json").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_spec_is_recorded_as_refused() {
    let stand = Stand::start().await;
    let spec = stand.spec(
        RUN,
        "2.1",
        serde_json::json!({ "target_space": "bad name!", "api_name": "predict" }),
    );
    let job = stand.launch(RUN, "2.1", &spec, &[]).await;
    let job = stand.wait_job(&job.id).await;
    assert_eq!(job.status.stage, "ERROR");
    assert_eq!(
        job.status.message.as_deref(),
        Some("Job failed with exit code: 2")
    );

    let state = stand.state(RUN);
    assert_eq!(state.status, RunStatus::Failed);
    assert!(state.steps.is_empty(), "no step ran");
    let error = state.error.unwrap();
    assert!(
        error.contains("target_space") && error.contains("api_name"),
        "{error}"
    );
    let report = stand.report(RUN);
    assert!(report.contains("**Verdict: failed**"), "{report}");
    assert!(report.contains("refused"), "{report}");
    let log = stand.job_log(&job.id).await.join("\n");
    assert!(log.contains("invalid run spec"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_the_job_mid_run_records_a_cancelled_run() {
    let _slot = limit::slot().await;
    let stand = Stand::start().await;
    // An app that takes its time to start, so the run is surely waiting when cancelled.
    let app = app_override(
        stand.dir.path(),
        &[("app.py", "import time\ntime.sleep(600)\n")],
    );
    let job = stand
        .launch(
            RUN,
            "2.1",
            &template_spec(&stand, "slow"),
            &[(APP_OVERRIDE_ENV, app.to_str().unwrap())],
        )
        .await;
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let events =
            std::fs::read_to_string(stand.run_dir(RUN).join("events.jsonl")).unwrap_or_default();
        if events.contains("is APP_STARTING") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the Space never started: {events}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    stand
        .client
        .cancel_job("alice", &job.id, &stand.token)
        .await
        .unwrap();
    let job = stand.wait_job(&job.id).await;
    assert_eq!(job.status.stage, "CANCELED");

    let state = stand.state(RUN);
    assert_eq!(state.status, RunStatus::Cancelled, "{state:#?}");
    let last = state.steps.last().unwrap();
    assert_eq!(last.name, "wait_running");
    assert_eq!(last.status, StepStatus::Failed);
    assert!(
        last.message.as_deref().unwrap().starts_with("interrupted"),
        "{last:?}"
    );
    assert!(state.current_step.is_none() && state.finished_at.is_some());
    let report = stand.report(RUN);
    assert!(report.contains("**Verdict: cancelled**"), "{report}");
    assert!(report.contains("| wait_running | failed |"), "{report}");
    assert_not_in_files(&stand.bucket_dir(), stand.token.expose());
}
