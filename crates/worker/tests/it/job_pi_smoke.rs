//! Phase 3 in a Job with the real Pi against localhub's scripted model: the named edit
//! lands, is checked, deployed as a private Space and validated live with the edited
//! output; and a Pi that claims an edit it never made fails the run before anything is
//! deployed.

use crate::kit::agent;
use crate::kit::files::assert_not_in_files;
use crate::kit::limit;
use crate::kit::stand::{assert_failed_at, assert_job_stage, step_names};
use localhub::FaultConfig;
use runs::{RunStatus, StepStatus};

const RUN: &str = "01JDQ7ZK3G8X5V2N4M6P8R0P31";
const CLAIM_RUN: &str = "01JDQ7ZK3G8X5V2N4M6P8R0P32";
const ERROR_RUN: &str = "01JDQ7ZK3G8X5V2N4M6P8R0P33";
const TURNS_RUN: &str = "01JDQ7ZK3G8X5V2N4M6P8R0P34";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pis_edit_lands_and_the_live_api_returns_the_edited_output() {
    let _slot = limit::slot().await;
    let stand = agent::stand("phase3_edit", FaultConfig::default()).await;
    let params = agent::params(serde_json::json!({"target_space": "pi-shouter"}));
    let (job, log) = agent::run_job(&stand, RUN, "3", params, &[]).await;
    assert_job_stage(&job, &log, "COMPLETED");

    let state = stand.state(RUN);
    assert_eq!(state.status, RunStatus::Succeeded, "{state:#?}");
    assert_eq!(
        step_names(&state),
        [
            "hub_access",
            "agent_setup",
            "generate",
            "agent_edit",
            "check_edit",
            "create_space",
            "upload",
            "wait_running",
            "health",
            "api_schema",
            "api_call"
        ]
    );
    assert!(state
        .steps
        .iter()
        .all(|s| s.status == StepStatus::Passed || s.name == "health"));
    assert_eq!(
        state.verdict.as_deref(),
        Some("Pi's edit `double-exclamation` is live: the private Space alice/pi-shouter answered \"HELLO FROM SPACE FACTORY!!\" on /shout.")
    );

    // Pi's work was recorded live: its tool calls and messages are events of agent_edit.
    let kinds = agent::pi_events(&stand, RUN);
    assert!(
        kinds.contains(&("tool_call".into(), "read".into())),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("tool_call".into(), "edit".into())),
        "{kinds:?}"
    );
    assert_eq!(kinds.last().unwrap().0, "end");
    assert!(
        log.iter().any(|l| l.contains("Pi runs edit: app.py")),
        "the Job log shows Pi's edit live"
    );

    // The uploaded app is the edited one, and the diff says exactly what changed.
    let id: hub::RepoId = "alice/pi-shouter".parse().unwrap();
    let app = stand
        .client
        .download_file(
            hub::repos::RepoType::Space,
            &id,
            "main",
            "app.py",
            Some(&stand.token),
        )
        .await
        .unwrap();
    let app = String::from_utf8(app.bytes.to_vec()).unwrap();
    assert!(app.contains("return text.upper() + \"!!\""), "{app}");
    let diff = std::fs::read_to_string(stand.run_dir(RUN).join("logs/pi_edit.diff")).unwrap();
    assert!(
        diff.contains("-    return text.upper() + \"!\"\n+    return text.upper() + \"!!\"\n"),
        "{diff}"
    );
    let info = stand.client.space_info(&id, &stand.token).await.unwrap();
    assert_eq!(info.private, Some(true));

    // The worker's own call, and ours: the live app answers with the edit.
    let result = stand.artifact_json(RUN, "tests/test_result.json");
    assert_eq!(
        result["outputs"],
        serde_json::json!(["HELLO FROM SPACE FACTORY!!"])
    );
    assert!(state.links.space_url.is_some());
    let live = stand
        .client
        .gradio(&info.space_app(Some(&stand.token)).unwrap())
        .await
        .unwrap();
    assert_eq!(
        live.call("/shout", vec!["again".into()]).await.unwrap(),
        vec![serde_json::json!("AGAIN!!")]
    );

    // Traces and Pi's answer; no token anywhere, no email in the redacted traces.
    agent::assert_traces(&stand, RUN, "alice@localhub.invalid");
    let output = std::fs::read_to_string(stand.run_dir(RUN).join("logs/pi_output.txt")).unwrap();
    assert!(output.contains("two exclamation marks"), "{output}");
    let token = stand.token.expose().to_owned();
    assert!(assert_not_in_files(&stand.bucket_dir(), &token) >= 15);
    assert!(log.iter().all(|l| !l.contains(&token)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claimed_edit_that_was_never_made_fails_before_deploying() {
    let _slot = limit::slot().await;
    let stand = agent::stand("phase3_claim_without_edit", FaultConfig::default()).await;
    let params = agent::params(serde_json::json!({"target_space": "claimed"}));
    let (job, log) = agent::run_job(&stand, CLAIM_RUN, "3", params, &[]).await;
    assert_job_stage(&job, &log, "ERROR");

    let state = stand.state(CLAIM_RUN);
    assert_failed_at(&state, "check_edit", "Pi changed nothing, whatever it said");
    // Pi itself was content: its step passed, its answer claims the edit.
    let output =
        std::fs::read_to_string(stand.run_dir(CLAIM_RUN).join("logs/pi_output.txt")).unwrap();
    assert!(output.contains("Done: shout now adds two exclamation marks."));
    let id: hub::RepoId = "alice/claimed".parse().unwrap();
    assert!(!stand.space_exists(&id).await, "nothing was deployed");
    assert_not_in_files(&stand.bucket_dir(), stand.token.expose());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_error_mid_run_fails_the_agent_step_although_pi_exits_0() {
    let _slot = limit::slot().await;
    let stand = agent::stand("phase3_model_error", FaultConfig::default()).await;
    let params = agent::params(serde_json::json!({"target_space": "errored"}));
    let (job, log) = agent::run_job(&stand, ERROR_RUN, "3", params, &[]).await;
    assert_job_stage(&job, &log, "ERROR");

    let state = stand.state(ERROR_RUN);
    assert_failed_at(
        &state,
        "agent_edit",
        "the model failed and Pi gave up: 400 the provider refused the request: context too long",
    );
    // Pi itself exited 0: the verdict came from its stream.
    let events = std::fs::read_to_string(stand.run_dir(ERROR_RUN).join("events.jsonl")).unwrap();
    let end = runs::Event::parse_jsonl(&events)
        .into_iter()
        .find(|e| e.data["kind"] == "end")
        .unwrap();
    assert_eq!(end.data["report"]["exit_code"], 0);
    assert_eq!(end.data["report"]["outcome"], "model_error");
    assert!(!stand.space_exists(&"alice/errored".parse().unwrap()).await);
    assert_not_in_files(&stand.bucket_dir(), stand.token.expose());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pi_past_the_runs_turn_limit_is_stopped_and_the_run_fails() {
    let _slot = limit::slot().await;
    let stand = agent::stand("phase3_edit", FaultConfig::default()).await;
    let params = agent::params(serde_json::json!({"target_space": "limited"}));
    let env = [(
        worker::phases::agent_step::MAX_TURNS_ENV.to_owned(),
        "1".to_owned(),
    )];
    let (job, log) = agent::run_job(&stand, TURNS_RUN, "3", params, &env).await;
    assert_job_stage(&job, &log, "ERROR");

    let state = stand.state(TURNS_RUN);
    let setup = state
        .steps
        .iter()
        .find(|s| s.name == "agent_setup")
        .unwrap();
    assert!(
        setup.message.as_deref().unwrap().contains("limits 1 turns"),
        "{setup:?}"
    );
    let last = state.steps.last().unwrap();
    assert_eq!(
        (last.name.as_str(), last.status),
        ("agent_edit", StepStatus::Failed)
    );
    assert_eq!(
        state.error.as_deref(),
        Some("Pi exceeded its limit of 1 turns and was stopped")
    );
    assert!(!stand.space_exists(&"alice/limited".parse().unwrap()).await);
    agent::assert_traces(&stand, TURNS_RUN, "alice@localhub.invalid");
    assert_not_in_files(&stand.bucket_dir(), stand.token.expose());
}
