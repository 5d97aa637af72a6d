//! Phase 4 in a Job with the real Pi against localhub's scripted model: Pi follows the
//! shipped recipe and runs the official `hf` CLI itself against localhub to create and
//! upload a private Space; the worker then checks the Space on its own and calls it.

use crate::kit::agent;
use crate::kit::files::assert_not_in_files;
use crate::kit::stand::{assert_failed_at, assert_job_stage, step_names};
use crate::kit::{limit, prepared};
use localhub::FaultConfig;
use runs::{RunStatus, StepStatus};

const RUN: &str = "01JDQ7ZK3G8X5V2N4M6P8R0P41";
const PUBLIC_RUN: &str = "01JDQ7ZK3G8X5V2N4M6P8R0P42";

async fn hf_cli_env() -> [(String, String); 1] {
    let venv = prepared::hf_client_venv();
    [(
        worker::phases::pi_recipe::HF_CLI_ENV.to_owned(),
        venv.bin_dir().join("hf").to_string_lossy().into_owned(),
    )]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pi_creates_and_uploads_a_private_space_with_the_hf_cli_and_the_worker_validates_it() {
    let _slot = limit::slot().await;
    let env = hf_cli_env().await;
    let stand = agent::stand("phase4_recipe", FaultConfig::default()).await;
    let params = agent::params(serde_json::json!({"target_space": "pi-recipe"}));
    let (job, log) = agent::run_job(&stand, RUN, "4", params, &env).await;
    assert_job_stage(&job, &log, "COMPLETED");

    let state = stand.state(RUN);
    assert_eq!(state.status, RunStatus::Succeeded, "{state:#?}");
    assert_eq!(
        step_names(&state),
        [
            "hub_access",
            "agent_setup",
            "choose_space",
            "agent_recipe",
            "check_space",
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

    // Pi ran the hf CLI itself: its bash calls and their output are in the record.
    let events = std::fs::read_to_string(stand.run_dir(RUN).join("events.jsonl")).unwrap();
    let events = runs::Event::parse_jsonl(&events);
    let bash: Vec<&runs::Event> = events
        .iter()
        .filter(|e| e.data["kind"] == "tool_result" && e.data["tool"] == "bash")
        .collect();
    assert_eq!(bash.len(), 3, "{bash:#?}");
    assert!(
        bash.iter().all(|e| e.data["is_error"] == false),
        "{bash:#?}"
    );
    assert!(
        bash[0].data["output"].as_str().unwrap().contains("alice"),
        "whoami: {:?}",
        bash[0].data
    );
    assert!(events.iter().any(|e| e
        .message
        .starts_with("Pi runs bash: hf upload alice/pi-recipe")));

    // The Space is what the worker says: private, Pi's files, running, answering.
    let id: hub::RepoId = "alice/pi-recipe".parse().unwrap();
    let info = stand.client.space_info(&id, &stand.token).await.unwrap();
    assert_eq!(info.private, Some(true));
    let mut files: Vec<&str> = info.siblings.iter().map(|f| f.rfilename.as_str()).collect();
    files.sort();
    assert_eq!(files, ["README.md", "app.py", "requirements.txt"]);
    let target = stand.artifact_json(RUN, "target_space.json");
    assert_eq!(target["id"], "alice/pi-recipe");
    assert_eq!(target["stage"], "RUNNING");
    let result = stand.artifact_json(RUN, "tests/test_result.json");
    assert_eq!(result["endpoint"], "/reverse");
    assert_eq!(result["outputs"], serde_json::json!(["yrotcaf ecaps"]));
    assert!(state.links.space_url.is_some());
    let live = stand
        .client
        .gradio(&info.space_app(Some(&stand.token)).unwrap())
        .await
        .unwrap();
    assert_eq!(
        live.call("/reverse", vec!["abc".into()]).await.unwrap(),
        vec![serde_json::json!("cba")]
    );
    assert!(stand.run_dir(RUN).join("logs/recipe.md").is_file());

    // Pi had the token in its environment for the CLI: it is still nowhere in the record.
    agent::assert_traces(&stand, RUN, "alice@localhub.invalid");
    let token = stand.token.expose().to_owned();
    assert!(assert_not_in_files(&stand.bucket_dir(), &token) >= 12);
    assert!(log.iter().all(|l| !l.contains(&token)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_public_space_claimed_private_fails_the_workers_own_check() {
    let _slot = limit::slot().await;
    let env = hf_cli_env().await;
    let stand = agent::stand("phase4_public_claimed_private", FaultConfig::default()).await;
    let params = agent::params(serde_json::json!({"target_space": "pi-public"}));
    let (job, log) = agent::run_job(&stand, PUBLIC_RUN, "4", params, &env).await;
    assert_job_stage(&job, &log, "ERROR");

    let state = stand.state(PUBLIC_RUN);
    assert_failed_at(&state, "check_space", "alice/pi-public is not private");
    // Pi's step passed and its answer claims a private Space: the claim counted for nothing.
    let agent = state
        .steps
        .iter()
        .find(|s| s.name == "agent_recipe")
        .unwrap();
    assert_eq!(agent.status, StepStatus::Passed);
    let output =
        std::fs::read_to_string(stand.run_dir(PUBLIC_RUN).join("logs/pi_output.txt")).unwrap();
    assert!(output.contains("Created the private Space alice/pi-public"));
    assert!(!stand
        .run_dir(PUBLIC_RUN)
        .join("tests/test_result.json")
        .exists());
    assert_not_in_files(&stand.bucket_dir(), stand.token.expose());
}
