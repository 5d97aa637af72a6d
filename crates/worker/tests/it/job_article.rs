//! Phase 8 in Jobs with the real Pi against localhub's scripted model and the V9 gate: a
//! scaffold-only app is deployed, healthy, and gated `health_only` (the gated mode fails
//! the run, and nothing calls it a reproduction), with ZeroGPU asked for in the create
//! request (an OAuth token may not set hardware afterwards), its refusal recorded as
//! "manual hardware action required", never asked again, and the allowed fallback created
//! instead; and documented blockers are gated `technical_blocker`. The inference proof: an
//! app whose code loads a model but answers the same to every input, or echoes its input,
//! is gated `health_only` with the evidence of both calls in `tests/inference_proof.json`;
//! the demo agent's app, which runs the demo GPT-2's embeddings, passes with two different
//! inputs getting two different answers.

use crate::kit::agent;
use crate::kit::files::assert_not_in_files;
use crate::kit::limit;
use crate::kit::stand::{assert_job_stage, step_names};
use localhub::FaultConfig;
use runs::{RunStatus, StepStatus};

const SCAFFOLD_RUN: &str = "01JDQ7ZK3G8X5V2N4M6P8R0P81";
const BLOCKER_RUN: &str = "01JDQ7ZK3G8X5V2N4M6P8R0P82";
const CONSTANT_RUN: &str = "01JDQ7ZK3G8X5V2N4M6P8R0P83";
const ECHO_RUN: &str = "01JDQ7ZK3G8X5V2N4M6P8R0P84";
const DEMO_RUN: &str = "01JDQ7ZK3G8X5V2N4M6P8R0P85";
const ARTICLE: &str =
    "# Summaries with attention\n\nWe summarize articles with a small encoder-decoder.";

/// Steps of a phase 8 run whose app was deployed, validated and put to the proof.
const PROVED_STEPS: [&str; 14] = [
    "hub_access",
    "agent_setup",
    "article",
    "agent_reproduce",
    "collect",
    "create_space",
    "hardware",
    "upload",
    "wait_running",
    "health",
    "api_schema",
    "api_call",
    "inference_proof",
    "inference_gate",
];

/// An OAuth access token for alice, as a signed-in user's session holds.
async fn oauth_token(hub: &localhub::RunningHub) -> String {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = http
        .get(format!(
            "{}/oauth/authorize?client_id=space-factory-local&redirect_uri=http://127.0.0.1:1/login/callback&response_type=code&scope={}&user=alice",
            hub.url(),
            hub::oauth::FACTORY_SCOPES.join("%20")
        ))
        .send()
        .await
        .unwrap();
    let location = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .to_string();
    let token: serde_json::Value = http
        .post(format!("{}/oauth/token", hub.url()))
        .form(&[("grant_type", "authorization_code"), ("code", &code)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    token["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scaffold_is_gated_health_only_and_a_refused_zerogpu_is_recorded_not_retried() {
    let _slot = limit::slot().await;
    // The Hub refuses the first create (ZeroGPU) for its hardware; an OAuth token could not
    // set hardware afterwards anyway (the 401 is on).
    let faults = FaultConfig {
        hardware_401_for_oauth: true,
        bursts: vec![localhub::Burst {
            method: Some("POST".into()),
            path_prefix: "/api/repos/create".into(),
            status: 402,
            count: 1,
        }],
        ..FaultConfig::default()
    };
    let mut stand = agent::stand("phase8_scaffold", faults).await;
    stand.token = hub::Token::new(oauth_token(&stand.hub).await);
    let params = agent::params(serde_json::json!({
        "target_space": "summarizer",
        "article_text": ARTICLE,
        "allow_gpu_fallback": true,
    }));
    let (job, log) = agent::run_job(&stand, SCAFFOLD_RUN, "8", params, &[]).await;
    assert_job_stage(&job, &log, "ERROR");

    let state = stand.state(SCAFFOLD_RUN);
    assert_eq!(state.status, RunStatus::Failed, "{state:#?}");
    assert_eq!(step_names(&state), PROVED_STEPS);
    for step in &state.steps {
        let expected = if step.name == "inference_gate" {
            StepStatus::Failed
        } else {
            StepStatus::Passed
        };
        assert_eq!(step.status, expected, "{step:?}");
    }

    // The gate: healthy scaffold, health_only, not a reproduction, with its evidence.
    let gate = stand.artifact_json(SCAFFOLD_RUN, "inference_gate.json");
    assert_eq!(gate["status"], "health_only", "{gate:#}");
    assert_eq!(gate["mode"], "full-inference-gated");
    assert_eq!(gate["is_reproduction"], false);
    assert_eq!(gate["run_succeeds"], false);
    assert_eq!(gate["evidence"]["health_passed"], true);
    assert_eq!(gate["evidence"]["api_call"]["passed"], true);
    assert_eq!(
        gate["evidence"]["api_call"]["outputs"],
        serde_json::json!(["placeholder: the summarization model is not wired yet"])
    );
    let reasons = gate["reasons"].to_string();
    assert!(reasons.contains("the code loads no model"), "{reasons}");
    assert!(
        reasons.contains("the output says `placeholder`"),
        "{reasons}"
    );
    assert!(
        state.error.as_deref().unwrap().contains("health_only"),
        "{:?}",
        state.error
    );
    let report = stand.report(SCAFFOLD_RUN);
    assert!(report.contains("Not a reproduction"), "{report}");

    // Hardware: asked for in the create body; ZeroGPU refused (402), recorded and not asked
    // again, the allowed fallback GPU created instead; never a hardware call after it.
    let hardware = stand.artifact_json(SCAFFOLD_RUN, "diagnostics/hardware.json");
    assert_eq!(hardware["manual_action_required"], true, "{hardware:#}");
    let attempts = hardware["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2, "{hardware:#}");
    assert_eq!(attempts[0]["flavor"], "zero-a10g");
    assert_eq!(attempts[0]["result"], "refused");
    assert_eq!(attempts[1]["flavor"], "t4-small");
    assert_eq!(attempts[1]["result"], "granted");
    assert_eq!(stand.hub.hits("POST", "/api/repos/create"), 2);
    assert_eq!(
        stand
            .hub
            .hits("POST", "/api/spaces/alice/summarizer/hardware"),
        0,
        "no hardware request after the create"
    );
    let target = stand.artifact_json(SCAFFOLD_RUN, "target_space.json");
    assert_eq!(target["hardware"], "t4-small", "{target:#}");
    let hw_step = state.steps.iter().find(|s| s.name == "hardware").unwrap();
    assert!(hw_step
        .message
        .as_deref()
        .unwrap()
        .starts_with("manual hardware action required"));

    // Diagnostics, the whole workspace uploaded, the Space private and running.
    for file in [
        "diagnostics/runtime.json",
        "diagnostics/run_log.txt",
        "diagnostics/build_log.txt",
    ] {
        assert!(stand.run_dir(SCAFFOLD_RUN).join(file).is_file(), "{file}");
    }
    let id: hub::RepoId = "alice/summarizer".parse().unwrap();
    let info = stand.client.space_info(&id, &stand.token).await.unwrap();
    assert_eq!(info.private, Some(true));
    let mut files: Vec<&str> = info.siblings.iter().map(|f| f.rfilename.as_str()).collect();
    files.sort();
    assert_eq!(files, ["README.md", "app.py", "requirements.txt"]);
    assert!(stand
        .run_dir(SCAFFOLD_RUN)
        .join("analysis/article.md")
        .is_file());

    agent::assert_traces(&stand, SCAFFOLD_RUN, "alice@localhub.invalid");
    let token = stand.token.expose().to_owned();
    assert!(assert_not_in_files(&stand.bucket_dir(), &token) >= 20);
    assert!(log.iter().all(|l| !l.contains(&token)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documented_blockers_are_gated_technical_blocker_without_a_deploy() {
    let _slot = limit::slot().await;
    let stand = agent::stand("phase8_blockers", FaultConfig::default()).await;
    let params = agent::params(serde_json::json!({
        "target_space": "blocked",
        "article_text": ARTICLE,
        "article_url": "https://example.org/block-sparse",
        "implementation_mode": "full-inference-attempt",
    }));
    let (job, log) = agent::run_job(&stand, BLOCKER_RUN, "8", params, &[]).await;
    assert_job_stage(&job, &log, "ERROR");

    let state = stand.state(BLOCKER_RUN);
    assert_eq!(state.status, RunStatus::Failed);
    assert_eq!(
        step_names(&state),
        [
            "hub_access",
            "agent_setup",
            "article",
            "agent_reproduce",
            "collect",
            "inference_gate"
        ]
    );
    let gate = stand.artifact_json(BLOCKER_RUN, "inference_gate.json");
    assert_eq!(gate["status"], "technical_blocker", "{gate:#}");
    assert_eq!(gate["mode"], "full-inference-attempt");
    assert_eq!(gate["is_reproduction"], false);
    assert_eq!(gate["evidence"]["technical_blockers"]["count"], 1);
    assert_eq!(
        gate["evidence"]["technical_blockers"]["flash_attn_alternatives_missing"],
        serde_json::json!([])
    );
    let blockers = stand.artifact_json(BLOCKER_RUN, "TECHNICAL_BLOCKERS.json");
    assert_eq!(blockers["blockers"][0]["component"], "flash-attn");
    let article =
        std::fs::read_to_string(stand.run_dir(BLOCKER_RUN).join("analysis/article.md")).unwrap();
    assert!(article.starts_with("Source: https://example.org/block-sparse\n\n# Summaries"));
    let id: hub::RepoId = "alice/blocked".parse().unwrap();
    assert!(!stand.space_exists(&id).await, "nothing to deploy");
    agent::assert_traces(&stand, BLOCKER_RUN, "alice@localhub.invalid");
    assert_not_in_files(&stand.bucket_dir(), stand.token.expose());
}

/// `tests/inference_proof.json` of `run`, checked for its evidence: the app's example and
/// the worker's different input, each answered, with its latency.
fn proof_of(stand: &crate::kit::stand::Stand, run: &str) -> serde_json::Value {
    let proof = stand.artifact_json(run, "tests/inference_proof.json");
    let calls = proof["calls"].as_array().expect("calls");
    assert_eq!(calls.len(), 2, "{proof:#}");
    assert_eq!(calls[0]["origin"], "example", "{proof:#}");
    assert_eq!(calls[1]["origin"], "worker", "{proof:#}");
    assert_ne!(calls[0]["inputs"], calls[1]["inputs"], "{proof:#}");
    for call in calls {
        assert!(call["latency_ms"].is_u64(), "{proof:#}");
        assert_eq!(
            call["outputs"].as_array().map(Vec::len),
            Some(1),
            "{proof:#}"
        );
        assert!(call["error"].is_null(), "{proof:#}");
    }
    assert_eq!(proof["output_kind"], "declared");
    proof
}

/// Runs phase 8 with the scripted agent of `scenario` in `mode` and checks the app was
/// deployed and put to the proof; returns the run's state, gate and proof.
async fn run_scripted(
    scenario: &str,
    run: &str,
    mode: &str,
) -> (runs::RunState, serde_json::Value, serde_json::Value) {
    let stand = agent::stand(scenario, FaultConfig::default()).await;
    let params = agent::params(serde_json::json!({
        "target_space": "summarizer",
        "article_text": ARTICLE,
        "implementation_mode": mode,
    }));
    let (_, log) = agent::run_job(&stand, run, "8", params, &[]).await;
    let state = stand.state(run);
    assert_eq!(
        step_names(&state),
        PROVED_STEPS,
        "{state:#?}\n{}",
        log.join("\n")
    );
    let proof = proof_of(&stand, run);
    let gate = stand.artifact_json(run, "inference_gate.json");
    (state, gate, proof)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_whose_code_loads_a_model_but_answers_the_same_to_everything_is_health_only() {
    let _slot = limit::slot().await;
    let (state, gate, proof) =
        run_scripted("phase8_constant", CONSTANT_RUN, "full-inference-gated").await;
    assert_eq!(proof["verdict"], "constant", "{proof:#}");
    let calls = proof["calls"].as_array().unwrap();
    // The app's example, as its API schema gives it, then the worker's sentence.
    assert!(calls[0]["inputs"][0].is_string(), "{proof:#}");
    assert_eq!(
        calls[1]["inputs"],
        serde_json::json!([worker::space::proof::WORKER_SENTENCE])
    );
    assert_eq!(calls[0]["outputs"], calls[1]["outputs"]);
    // The code scan alone would have called it real: it loads a model, says no placeholder.
    assert!(gate["evidence"]["code"]["model_loading"]
        .as_array()
        .is_some_and(|m| !m.is_empty()));
    assert_eq!(gate["evidence"]["api_call"]["passed"], true);
    assert_eq!(gate["status"], "health_only", "{gate:#}");
    assert_eq!(gate["is_reproduction"], false);
    assert_eq!(gate["run_succeeds"], false);
    let reasons = gate["reasons"].to_string();
    assert!(reasons.contains("got the same answer"), "{reasons}");
    assert_eq!(state.status, RunStatus::Failed);
    assert!(state.error.as_deref().unwrap().contains("health_only"));
    let proof_step = state
        .steps
        .iter()
        .find(|s| s.name == "inference_proof")
        .unwrap();
    assert_eq!(proof_step.status, StepStatus::Passed);
    assert!(proof_step
        .message
        .as_deref()
        .unwrap()
        .starts_with("constant:"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_that_echoes_its_input_is_health_only_and_a_partial_result() {
    let _slot = limit::slot().await;
    let (state, gate, proof) =
        run_scripted("phase8_echo", ECHO_RUN, "full-inference-attempt").await;
    assert_eq!(proof["verdict"], "echoed", "{proof:#}");
    for call in proof["calls"].as_array().unwrap() {
        assert_eq!(call["outputs"], call["inputs"], "{proof:#}");
    }
    assert_eq!(gate["status"], "health_only", "{gate:#}");
    assert_eq!(gate["is_reproduction"], false);
    assert_eq!(gate["run_succeeds"], true);
    assert!(gate["reasons"]
        .to_string()
        .contains("the API echoed its input"));
    assert_eq!(state.status, RunStatus::Succeeded, "{state:#?}");
    assert!(
        state
            .verdict
            .as_deref()
            .unwrap()
            .starts_with("Partial result, not a reproduction"),
        "{:?}",
        state.verdict
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_agents_app_answers_two_inputs_differently_and_passes_the_gate() {
    let _slot = limit::slot().await;
    crate::kit::prepared::pi();
    let stand = crate::kit::stand::Stand::start_full(
        FaultConfig::default(),
        localhub::inference::ChatBackend::None,
    )
    .await;
    let params = serde_json::json!({
        "target_space": "next-token",
        "article_text": ARTICLE,
        "agent_model": runs::demo::AGENT_MODEL,
    });
    let (job, log) = agent::run_job(&stand, DEMO_RUN, "8", params, &[]).await;
    assert_job_stage(&job, &log, "COMPLETED");
    let state = stand.state(DEMO_RUN);
    assert_eq!(state.status, RunStatus::Succeeded, "{state:#?}");
    assert_eq!(step_names(&state), PROVED_STEPS);
    let proof = proof_of(&stand, DEMO_RUN);
    assert_eq!(proof["verdict"], "proven", "{proof:#}");
    assert_eq!(proof["api_name"], "/guess");
    let calls = proof["calls"].as_array().unwrap();
    assert_ne!(calls[0]["outputs"], calls[1]["outputs"], "{proof:#}");
    for call in calls {
        let text = call["outputs"][0].as_str().unwrap();
        assert!(
            text.starts_with(&format!(
                "{} ranks next: ",
                runs::demo::TEXT_GENERATION_MODEL
            )),
            "{text}"
        );
    }
    let gate = stand.artifact_json(DEMO_RUN, "inference_gate.json");
    assert_eq!(gate["status"], "full_inference_passed", "{gate:#}");
    assert_eq!(gate["is_reproduction"], true);
    assert!(gate["reasons"][0]
        .as_str()
        .unwrap()
        .contains("2 different inputs got 2 different answers"));
}
