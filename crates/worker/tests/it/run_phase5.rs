//! Phase 5 against localhub, the parts that need no model runtime: reading the model,
//! the support decision with its "unsupported, because …" verdicts, and the analysis.

use crate::kit::models::{card, gpt2_config, gpt2_weights};
use crate::kit::stand::Stand;
use crate::kit::RUN_ID;
use hub::models::Gated;
use hub::repos::{parse_repo_id, RepoType};
use runs::{RunStatus, StepStatus};
use serde_json::json;

/// Runs phase 5 on `model` and checks it stopped at `decide_support` with a reason
/// containing `because`; returns the analysis.
async fn expect_unsupported(env: &Stand, model: &str, because: &str) -> serde_json::Value {
    let out = env
        .run_worker(
            "5",
            json!({ "model_id": model, "target_space": "card-app" }),
        )
        .await;
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let state = env.state(RUN_ID);
    assert_eq!(state.status, RunStatus::Failed);
    let names: Vec<_> = state.steps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["hub_access", "read_model", "decide_support"]);
    assert_eq!(state.steps[2].status, StepStatus::Failed);
    let error = state.error.unwrap();
    assert!(error.starts_with("unsupported, because"), "{error}");
    assert!(error.contains(because), "{error}");
    let analysis = env.artifact_json(RUN_ID, "analysis/model_card.json");
    assert_eq!(analysis["decision"]["verdict"], "unsupported");
    assert_eq!(analysis["decision"]["reason"], error.as_str());
    assert!(analysis["app"].is_null());
    let report = env.report(RUN_ID);
    assert!(report.contains(&error), "{report}");
    assert!(
        !env.run_dir(RUN_ID).join("generated").exists(),
        "no app for it"
    );
    env.assert_token_nowhere(&out);
    analysis
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timm_image_model_is_unsupported_because_of_its_library() {
    let env = Stand::start().await;
    let id = env
        .model(
            "vit-timm",
            vec![
                (
                    "README.md",
                    card("library_name: timm\npipeline_tag: image-classification\nlicense: apache-2.0\n"),
                ),
                (
                    "model.safetensors",
                    localhub::models::zero_safetensors(&[("head", "F32", &[4, 4])]),
                ),
            ],
        )
        .await;
    let a = expect_unsupported(&env, &id, "library is `timm`").await;
    assert_eq!(a["pipeline_tag"], "image-classification");
    assert_eq!(a["license"], "apache-2.0");
    assert_eq!(a["size"]["parameters"], 16);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transformers_model_with_a_non_text_pipeline_is_unsupported() {
    let env = Stand::start().await;
    let config = json!({"architectures": ["ViTForImageClassification"], "model_type": "vit"});
    let id = env
        .model(
            "vit",
            vec![
                ("config.json", config.to_string().into_bytes()),
                ("model.safetensors", gpt2_weights(8, 1, 8)),
            ],
        )
        .await;
    let a = expect_unsupported(
        &env,
        &id,
        "pipeline `image-classification` is not a Transformers text pipeline",
    )
    .await;
    assert_eq!(a["library_name"], "transformers");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gated_model_is_unsupported() {
    let env = Stand::start().await;
    let id = env
        .model(
            "gated-gpt2",
            vec![
                ("README.md", card("pipeline_tag: text-generation\n")),
                ("config.json", gpt2_config(16, 2, 64)),
                ("model.safetensors", gpt2_weights(16, 2, 64)),
            ],
        )
        .await;
    env.client
        .set_repo_gated(
            RepoType::Model,
            &parse_repo_id(&id).unwrap(),
            Gated::Manual,
            &env.token,
        )
        .await
        .unwrap();
    let a = expect_unsupported(&env, &id, "gated (manual)").await;
    assert_eq!(a["gated"], "manual");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_code_and_missing_weights_are_unsupported() {
    let env = Stand::start().await;
    let config = json!({"architectures": ["MyForCausalLM"], "model_type": "my",
        "auto_map": {"AutoModelForCausalLM": "modeling_my.MyForCausalLM"}});
    let id = env
        .model(
            "custom-code",
            vec![
                ("config.json", config.to_string().into_bytes()),
                ("model.safetensors", gpt2_weights(8, 1, 8)),
            ],
        )
        .await;
    let a = expect_unsupported(&env, &id, "trust_remote_code").await;
    assert_eq!(a["needs_remote_code"], true);

    let env = Stand::start().await;
    let id = env
        .model(
            "no-weights",
            vec![
                ("README.md", card("pipeline_tag: text-generation\n")),
                ("config.json", gpt2_config(16, 2, 64)),
            ],
        )
        .await;
    let a = expect_unsupported(&env, &id, "no weight files").await;
    assert_eq!(a["size"]["source"], "config_estimate");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hubs_gated_and_pipeline_less_demo_models_are_unsupported_with_their_reasons() {
    let env = Stand::start().await;
    let a = expect_unsupported(&env, localhub::demo_models::GATED, "gated (manual)").await;
    assert_eq!(a["gated"], "manual");

    let env = Stand::start().await;
    let a = expect_unsupported(
        &env,
        localhub::demo_models::NO_PIPELINE,
        "names no pipeline task",
    )
    .await;
    assert_eq!(a["library_name"], "transformers");
    assert!(a["pipeline_tag"].is_null(), "{a}");
}
