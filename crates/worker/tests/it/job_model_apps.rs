//! Phases 5 and 6 end to end: a Job created through `hub` runs the worker against model
//! repos made here, or the demo models every localhub serves (`localhub::demo_models`).
//!
//! Phase 5's live part needs PyTorch and Transformers in the Space's environment: PyPI's
//! torch brings the CUDA wheels (≈5.6 GB installed, ≈3 min to install here), too much to
//! install in every CI run. `SPACE_FACTORY_LIVE_TORCH` decides: `1` runs it (installing the
//! stack into the cached venv if missing), `0` skips it, anything else (the default, and
//! what `.ci/run` sets) runs it only where that venv is already prepared. Without it, a
//! local Space that needs PyTorch stops at BUILD_ERROR saying how to install it, which is
//! checked instead. The ONNX demo classifiers need no PyTorch: their runs are live
//! everywhere, one proving model output, the other (a zero head) gated `health_only`.

use crate::kit::files::assert_not_in_files;
use crate::kit::limit;
use crate::kit::stand::{step_names, Stand};
use crate::kit::RUN_ID as RUN;
use hub::commit::CommitFile;
use runs::{RunStatus, StepStatus};
use std::path::Path;
use worker::generate::model_app;
use worker::model::support::{Runtime, TextTask};

/// The switch for the live phase 5 test.
const LIVE_TORCH_ENV: &str = "SPACE_FACTORY_LIVE_TORCH";

/// Runs `phase` with `params` in a Job and returns its final stage and log.
async fn run_job(
    stand: &Stand,
    phase: &str,
    params: serde_json::Value,
) -> (hub::jobs::JobStage, String) {
    let spec = stand.spec(RUN, phase, params);
    let job = stand.launch(RUN, phase, &spec, &[]).await;
    let job = stand.wait_job(&job.id).await;
    let log = stand.job_log(&job.id).await.join("\n");
    (job.status.stage, log)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runtime_recommender_job_writes_its_recommendation() {
    let stand = Stand::start().await;
    let weights = localhub::models::zero_safetensors(&[
        ("wte", "BF16", &[1000, 64]),
        ("h", "BF16", &[2, 12, 64, 64]),
    ]);
    let id = stand
        .model_repo(
            "small-lm",
            vec![
                CommitFile::new(
                    "README.md",
                    b"---\npipeline_tag: text-generation\nlicense: mit\n---\n".to_vec(),
                ),
                CommitFile::new(
                    "config.json",
                    br#"{"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2"}"#.to_vec(),
                ),
                CommitFile::new("model.safetensors", weights),
            ],
        )
        .await;
    let (stage, log) = run_job(&stand, "6", serde_json::json!({ "model_id": id })).await;
    assert_eq!(stage, "COMPLETED", "{log}");
    let state = stand.state(RUN);
    assert_eq!(state.status, RunStatus::Succeeded);
    assert_eq!(
        step_names(&state),
        ["read_model", "read_hardware", "recommend"]
    );
    let r = stand.artifact_json(RUN, "runtime_recommendation.json");
    assert_eq!(r["inputs"]["parameters"], 1000 * 64 + 2 * 12 * 64 * 64);
    assert_eq!(r["inputs"]["dtype"], "BF16");
    assert_eq!(r["recommendation"]["hardware"], "cpu-basic");
    assert!(stand.report(RUN).contains("cpu-basic"));
    assert!(assert_not_in_files(&stand.bucket_dir(), stand.token.expose()) >= 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runtime_recommender_job_on_the_demo_gpt2_recommends_cpu_basic() {
    let stand = Stand::start().await;
    let id = localhub::demo_models::TEXT_GENERATION;
    let (stage, log) = run_job(&stand, "6", serde_json::json!({ "model_id": id })).await;
    assert_eq!(stage, "COMPLETED", "{log}");
    let state = stand.state(RUN);
    assert_eq!(state.status, RunStatus::Succeeded, "{state:#?}");
    assert_eq!(
        step_names(&state),
        ["read_model", "read_hardware", "recommend"]
    );
    let info = stand
        .client
        .model_info(&id.parse().unwrap(), Some(&stand.token))
        .await
        .unwrap();
    let counted = info.safetensors.expect("the Hub counts its weights").total;
    let r = stand.artifact_json(RUN, "runtime_recommendation.json");
    assert_eq!(r["model_id"], id);
    assert_eq!(r["inputs"]["parameters"], counted);
    assert_eq!(r["inputs"]["parameter_source"], "safetensors");
    assert_eq!(r["inputs"]["dtype"], "F32");
    assert_eq!(r["inputs"]["pipeline_tag"], "text-generation");
    assert_eq!(r["inputs"]["library_name"], "transformers");
    assert_eq!(r["recommendation"]["hardware"], "cpu-basic");
    assert_eq!(r["recommendation"]["fits"], true);
    assert!(stand.report(RUN).contains("cpu-basic"));
}

/// Whether to run the live part, and the Space environment it uses.
fn live_torch() -> Option<localhub::spaces::SpaceEnv> {
    let env = localhub::spaces::space_env(&model_app::requirements(
        TextTask::TextGeneration,
        &Runtime::Transformers,
    ));
    match std::env::var(LIVE_TORCH_ENV).as_deref() {
        Ok("1") => Some(env),
        Ok("0") => {
            eprintln!("skipped: {LIVE_TORCH_ENV}=0");
            None
        }
        _ if env.is_prepared() => Some(env),
        _ => {
            eprintln!(
                "skipped: the Transformers + PyTorch venv `{}` is not prepared; set {LIVE_TORCH_ENV}=1 to install it (≈5.6 GB) and run",
                env.name
            );
            None
        }
    }
}

/// Checks a phase 5 Job completed and its run passed every step (a health check the app
/// lacks is skipped); returns the run's state.
fn assert_every_step_passed(
    stand: &Stand,
    stage: &hub::jobs::JobStage,
    log: &str,
) -> runs::RunState {
    assert_eq!(*stage, "COMPLETED", "{log}");
    let state = stand.state(RUN);
    assert_eq!(state.status, RunStatus::Succeeded, "{state:#?}");
    assert_eq!(
        step_names(&state),
        [
            "hub_access",
            "read_model",
            "decide_support",
            "generate",
            "create_space",
            "upload",
            "wait_running",
            "health",
            "api_schema",
            "api_call",
            "check_model_output",
            "inference_proof",
            "inference_gate"
        ]
    );
    for step in &state.steps {
        let ok = step.status == StepStatus::Passed
            || (step.name == "health" && step.status == StepStatus::Skipped);
        assert!(ok, "{step:?}");
    }
    state
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_card_job_builds_a_working_text_generation_space() {
    let _slot = limit::slot().await;
    let Some(env) = live_torch() else { return };
    let python = tokio::task::spawn_blocking(move || env.ensure())
        .await
        .unwrap()
        .expect("the Space environment installs")
        .python();

    // A tiny GPT-2 with random weights, written by Transformers itself.
    let made = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/make_tiny_gpt2.py");
    let out = tokio::process::Command::new(&python)
        .arg(&script)
        .arg(made.path())
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut files = vec![CommitFile::new(
        "README.md",
        b"---\nlicense: mit\npipeline_tag: text-generation\n---\n# Tiny GPT-2\n\nRandom weights, for tests.\n".to_vec(),
    )];
    for entry in std::fs::read_dir(made.path()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        files.push(CommitFile::new(&name, std::fs::read(&path).unwrap()));
    }

    let stand = Stand::start().await;
    let id = stand.model_repo("tiny-gpt2", files).await;
    let (stage, log) = run_job(
        &stand,
        "5",
        serde_json::json!({ "model_id": id, "target_space": "tiny-writer" }),
    )
    .await;
    assert_every_step_passed(&stand, &stage, &log);

    let analysis = stand.artifact_json(RUN, "analysis/model_card.json");
    assert_eq!(analysis["decision"]["verdict"], "supported");
    assert_eq!(analysis["decision"]["task"], "text-generation");
    assert_eq!(analysis["license"], "mit");
    assert_eq!(analysis["size"]["source"], "safetensors");
    assert_eq!(analysis["app"]["api_name"], "/generate");

    let result = stand.artifact_json(RUN, "tests/test_result.json");
    assert_eq!(result["verdict"], "passed", "{result}");
    assert_eq!(result["endpoint"], "/generate");
    let output = result["outputs"][0].as_str().expect("text output");
    assert!(output.starts_with("Once upon a time"), "{output}");
    let check = stand.artifact_json(RUN, "tests/model_output.json");
    assert_eq!(check["passed"], true, "{check}");
    assert_model_proven(&stand);

    let target = stand.artifact_json(RUN, "target_space.json");
    assert_eq!(target["private"], true);
    assert_eq!(target["id"], "alice/tiny-writer");
    let readme = std::fs::read_to_string(stand.run_dir(RUN).join("generated/README.md")).unwrap();
    assert!(readme.contains("sdk: gradio"));
    assert!(assert_not_in_files(&stand.bucket_dir(), stand.token.expose()) >= 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_pytorch_a_model_card_job_on_the_demo_gpt2_stops_at_the_build_saying_why() {
    let env = localhub::spaces::space_env(&model_app::requirements(
        TextTask::TextGeneration,
        &Runtime::Transformers,
    ));
    if env.is_prepared() || std::env::var(LIVE_TORCH_ENV).as_deref() == Ok("1") {
        eprintln!(
            "skipped: PyTorch is available to local Spaces here (the live test runs instead)"
        );
        return;
    }
    let stand = Stand::start().await;
    let id = localhub::demo_models::TEXT_GENERATION;
    let (stage, log) = run_job(
        &stand,
        "5",
        serde_json::json!({ "model_id": id, "target_space": "demo-writer" }),
    )
    .await;
    assert_eq!(stage, "ERROR", "{log}");
    let state = stand.state(RUN);
    assert_eq!(state.status, RunStatus::Failed, "{state:#?}");
    let analysis = stand.artifact_json(RUN, "analysis/model_card.json");
    assert_eq!(analysis["decision"]["verdict"], "supported");
    assert_eq!(analysis["decision"]["task"], "text-generation");
    let last = state.steps.last().unwrap();
    assert_eq!(last.name, "wait_running", "{state:#?}");
    let error = state.error.unwrap();
    assert!(error.contains("BUILD_ERROR"), "{error}");
    assert!(
        error.contains("SPACE_FACTORY_LIVE_TORCH=1 scripts/run.sh"),
        "{error}"
    );
    let build_log =
        std::fs::read_to_string(stand.run_dir(RUN).join("diagnostics/build_log.txt")).unwrap();
    assert!(build_log.contains("about 5.6 GB"), "{build_log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_card_job_builds_a_working_space_for_the_demo_gpt2() {
    let _slot = limit::slot().await;
    let Some(env) = live_torch() else { return };
    tokio::task::spawn_blocking(move || env.ensure())
        .await
        .unwrap()
        .expect("the Space environment installs");
    let stand = Stand::start().await;
    let id = localhub::demo_models::TEXT_GENERATION;
    let (stage, log) = run_job(
        &stand,
        "5",
        serde_json::json!({ "model_id": id, "target_space": "demo-writer" }),
    )
    .await;
    assert_eq!(stage, "COMPLETED", "{log}");
    let state = stand.state(RUN);
    assert_eq!(state.status, RunStatus::Succeeded, "{state:#?}");
    let analysis = stand.artifact_json(RUN, "analysis/model_card.json");
    assert_eq!(analysis["decision"]["task"], "text-generation");
    assert_eq!(analysis["license"], "apache-2.0");
    let result = stand.artifact_json(RUN, "tests/test_result.json");
    assert_eq!(result["verdict"], "passed", "{result}");
    let output = result["outputs"][0].as_str().expect("text output");
    assert!(output.starts_with("Once upon a time"), "{output}");
    assert_eq!(
        stand.artifact_json(RUN, "tests/model_output.json")["passed"],
        true
    );
    assert_model_proven(&stand);
}

/// The run's inference proof: the app's example and the worker's other prompt, each
/// continued by the model, differently; and the gate that follows from it.
fn assert_model_proven(stand: &Stand) {
    let proof = stand.artifact_json(RUN, "tests/inference_proof.json");
    assert_eq!(proof["output_kind"], "continuation", "{proof:#}");
    let calls = proof["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 2, "{proof:#}");
    assert_ne!(calls[0]["inputs"], calls[1]["inputs"], "{proof:#}");
    for call in calls {
        let prompt = call["inputs"][0].as_str().unwrap();
        assert!(
            call["outputs"][0].as_str().unwrap().starts_with(prompt),
            "{proof:#}"
        );
        assert!(call["latency_ms"].is_u64(), "{proof:#}");
    }
    assert_eq!(proof["verdict"], "proven", "{proof:#}");
    let gate = stand.artifact_json(RUN, "inference_gate.json");
    assert_eq!(gate["status"], "full_inference_passed", "{gate:#}");
    assert_eq!(gate["evidence"], proof);
}

/// The Space environment of phase 5's ONNX Runtime apps (Gradio, `onnxruntime`,
/// `tokenizers`: no PyTorch, so every run has it), installed from PyPI the first time.
async fn onnx_env() {
    let runtime = Runtime::OnnxRuntime {
        file: localhub::demo_models::ONNX_WEIGHTS.into(),
    };
    let env = localhub::spaces::space_env(&model_app::requirements(
        TextTask::TextClassification,
        &runtime,
    ));
    tokio::task::spawn_blocking(move || env.ensure())
        .await
        .unwrap()
        .expect("the ONNX Runtime Space environment installs");
}

/// Runs phase 5 on an ONNX demo classifier in a Job, checks the run built, served and
/// proved its app on ONNX Runtime, and returns the inference proof and the gate.
async fn onnx_classifier_run(model: &str) -> (serde_json::Value, serde_json::Value) {
    onnx_env().await;
    let stand = Stand::start().await;
    let (stage, log) = run_job(
        &stand,
        "5",
        serde_json::json!({ "model_id": model, "target_space": "classifier" }),
    )
    .await;
    let state = assert_every_step_passed(&stand, &stage, &log);
    let decided = state
        .steps
        .iter()
        .find(|s| s.name == "decide_support")
        .unwrap();
    assert!(
        decided
            .message
            .as_deref()
            .unwrap_or_default()
            .contains("ONNX Runtime on `onnx/model.onnx`, no PyTorch"),
        "{decided:?}"
    );
    let analysis = stand.artifact_json(RUN, "analysis/model_card.json");
    assert_eq!(
        analysis["decision"],
        serde_json::json!({"verdict": "supported", "task": "text-classification",
            "runtime": "onnx_runtime", "file": "onnx/model.onnx"})
    );
    let generated =
        |f: &str| std::fs::read_to_string(stand.run_dir(RUN).join("generated").join(f)).unwrap();
    assert!(!generated("requirements.txt").contains("torch"));
    assert!(generated("app.py").contains("ort.InferenceSession"));
    assert_eq!(
        stand.artifact_json(RUN, "tests/model_output.json")["passed"],
        true
    );
    let proof = stand.artifact_json(RUN, "tests/inference_proof.json");
    assert_eq!(proof["api_name"], "/classify", "{proof:#}");
    assert_eq!(proof["output_kind"], "label", "{proof:#}");
    let calls = proof["calls"].as_array().unwrap();
    let origins: Vec<_> = calls
        .iter()
        .map(|c| c["origin"].as_str().unwrap())
        .collect();
    assert_eq!(origins, ["example", "worker"], "{proof:#}");
    assert_ne!(calls[0]["inputs"], calls[1]["inputs"], "{proof:#}");
    for call in calls {
        assert!(call["latency_ms"].is_u64(), "{proof:#}");
        let confidences = call["outputs"][0]["confidences"].as_array().unwrap();
        let labels: Vec<_> = confidences
            .iter()
            .map(|c| c["label"].as_str().unwrap())
            .collect();
        let mut sorted = labels.clone();
        sorted.sort();
        assert_eq!(sorted, ["NEGATIVE", "POSITIVE"], "{proof:#}");
    }
    let gate = stand.artifact_json(RUN, "inference_gate.json");
    assert_eq!(gate["evidence"], proof, "the gate's evidence is the proof");
    let gated = state
        .steps
        .iter()
        .find(|s| s.name == "inference_gate")
        .unwrap();
    assert!(
        gated
            .message
            .as_deref()
            .unwrap_or_default()
            .starts_with(gate["status"].as_str().unwrap()),
        "{gated:?}"
    );
    (proof, gate)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_card_job_on_the_zero_head_onnx_classifier_is_gated_health_only_with_its_evidence()
{
    let _slot = limit::slot().await;
    let (proof, gate) =
        onnx_classifier_run(localhub::demo_models::CONSTANT_TEXT_CLASSIFICATION).await;
    assert_eq!(proof["verdict"], "constant", "{proof:#}");
    let calls = proof["calls"].as_array().unwrap();
    assert_eq!(calls[0]["outputs"], calls[1]["outputs"], "{proof:#}");
    assert_eq!(gate["status"], "health_only", "{gate:#}");
    assert_eq!(gate["is_reproduction"], false);
    assert_eq!(gate["run_succeeds"], true);
    assert!(
        gate["verdict"]
            .as_str()
            .unwrap()
            .starts_with("Not proven to be model output"),
        "{gate:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_card_job_on_the_onnx_classifier_proves_model_output_without_pytorch() {
    let _slot = limit::slot().await;
    let (proof, gate) = onnx_classifier_run(localhub::demo_models::ONNX_TEXT_CLASSIFICATION).await;
    assert_eq!(proof["verdict"], "proven", "{proof:#}");
    let calls = proof["calls"].as_array().unwrap();
    assert_ne!(calls[0]["outputs"], calls[1]["outputs"], "{proof:#}");
    assert_eq!(gate["status"], "full_inference_passed", "{gate:#}");
    assert_eq!(gate["is_reproduction"], true);
}
