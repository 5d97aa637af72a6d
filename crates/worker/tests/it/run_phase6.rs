//! Phase 6 against localhub: model repos made here (tiny safetensors, configs of real
//! sizes), the Hub's hardware list, and the recommendation the worker writes.

use crate::kit::models::{card, gpt2_config, gpt2_weights};
use crate::kit::stand::Stand;
use crate::kit::RUN_ID;
use runs::{RunStatus, StepStatus};
use serde_json::{json, Value};

fn recommendation(env: &Stand) -> Value {
    env.artifact_json(RUN_ID, "runtime_recommendation.json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tiny_model_gets_cpu_basic_for_free() {
    let env = Stand::start().await;
    let id = env
        .model(
            "tiny-gpt2",
            vec![
                (
                    "README.md",
                    card("license: mit\npipeline_tag: text-generation\n"),
                ),
                ("config.json", gpt2_config(16, 2, 64)),
                ("model.safetensors", gpt2_weights(16, 2, 64)),
            ],
        )
        .await;
    let out = env.run_worker("6", json!({ "model_id": id })).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let state = env.state(RUN_ID);
    assert_eq!(state.status, RunStatus::Succeeded);
    let names: Vec<_> = state.steps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["read_model", "read_hardware", "recommend"]);
    assert!(state.steps.iter().all(|s| s.status == StepStatus::Passed));

    let r = recommendation(&env);
    let expected_params = 64 * 16 + 2 * 4 * 16 * 16 + 2 * 8 * 16 * 16;
    assert_eq!(r["inputs"]["parameters"], expected_params);
    assert_eq!(r["inputs"]["parameter_source"], "safetensors");
    assert_eq!(r["inputs"]["dtype"], "F32");
    assert_eq!(r["inputs"]["pipeline_tag"], "text-generation");
    assert_eq!(r["inputs"]["library_name"], "transformers");
    assert_eq!(r["recommendation"]["hardware"], "cpu-basic");
    assert_eq!(r["recommendation"]["hourly_usd"], 0.0);
    assert_eq!(r["recommendation"]["confidence"], "high");
    assert!(r["recommendation"]["fixed_gpu_fallback"].is_null());
    assert_eq!(r["recommendation"]["fits"], true);
    let considered = r["recommendation"]["considered"].as_array().unwrap();
    assert!(considered.len() >= 10, "every listed flavor is judged");
    assert!(r["recommendation"]["reasoning"][0]
        .as_str()
        .unwrap()
        .contains("counted from its safetensors metadata"));
    assert!(env.report(RUN_ID).contains("cpu-basic"));
    env.assert_token_nowhere(&out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_7b_transformers_model_goes_to_zerogpu() {
    let env = Stand::start().await;
    let config = json!({
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 4096,
        "num_hidden_layers": 32, "vocab_size": 32000, "intermediate_size": 11008,
        "hidden_act": "silu", "tie_word_embeddings": false, "torch_dtype": "bfloat16"
    });
    let id = env
        .model(
            "llama-7b-config",
            vec![("config.json", config.to_string().into_bytes())],
        )
        .await;
    let out = env.run_worker("6", json!({ "model_id": id })).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = recommendation(&env);
    assert_eq!(r["inputs"]["parameter_source"], "config_estimate");
    let params = r["inputs"]["parameters"].as_u64().unwrap() as f64;
    assert!((params - 6.74e9).abs() / 6.74e9 < 0.05, "{params}");
    assert_eq!(r["inputs"]["dtype"], "BF16");
    assert_eq!(r["recommendation"]["hardware"], "zero-a10g");
    assert_eq!(r["recommendation"]["kind"], "zero_gpu");
    assert_eq!(
        r["recommendation"]["confidence"], "medium",
        "an estimated size lowers confidence"
    );
    let cpu = r["recommendation"]["considered"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["hardware"] == "cpu-basic")
        .unwrap()
        .clone();
    assert_eq!(cpu["fits"], false, "{cpu}");
    let reasoning = r["recommendation"]["reasoning"].to_string();
    assert!(reasoning.contains("@spaces.GPU"), "{reasoning}");
    // The fixed GPU for accounts without ZeroGPU: the cheapest 24 GB flavor of the list.
    assert_eq!(
        r["recommendation"]["fixed_gpu_fallback"]["hardware"],
        "l4x1"
    );
    assert_eq!(r["recommendation"]["fixed_gpu_fallback"]["hourly_usd"], 0.8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_non_pytorch_model_gets_the_cheapest_gpu_that_holds_it() {
    let env = Stand::start().await;
    let config = json!({
        "model_type": "llama", "hidden_size": 4096, "num_hidden_layers": 32,
        "vocab_size": 32000, "intermediate_size": 11008, "hidden_act": "silu",
        "tie_word_embeddings": false, "torch_dtype": "bfloat16"
    });
    let id = env
        .model(
            "mlx-7b",
            vec![
                (
                    "README.md",
                    card("library_name: mlx\npipeline_tag: text-generation\n"),
                ),
                ("config.json", config.to_string().into_bytes()),
            ],
        )
        .await;
    let out = env.run_worker("6", json!({ "model_id": id })).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = recommendation(&env);
    // ≈13.5 GB of bf16 weights need ≈17.2 GB: T4s (16 GB) are too small; among the
    // 24 GB flavors of localhub's list, L4 is the cheapest.
    assert_eq!(r["recommendation"]["hardware"], "l4x1", "{r}");
    assert_eq!(r["recommendation"]["kind"], "gpu");
    assert_eq!(r["recommendation"]["hourly_usd"], 0.8);
    let considered = r["recommendation"]["considered"].as_array().unwrap();
    let by_name = |n: &str| considered.iter().find(|c| c["hardware"] == n).unwrap();
    assert_eq!(by_name("zero-a10g")["fits"], false);
    assert!(by_name("zero-a10g")["why"]
        .as_str()
        .unwrap()
        .contains("PyTorch"));
    assert_eq!(by_name("t4-small")["fits"], false);
    assert_eq!(by_name("a10g-small")["fits"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_model_fails_at_read_model() {
    let env = Stand::start().await;
    let out = env
        .run_worker("6", json!({ "model_id": "alice/nothing-here" }))
        .await;
    assert_eq!(out.status.code(), Some(1));
    let state = env.state(RUN_ID);
    assert_eq!(state.status, RunStatus::Failed);
    assert_eq!(state.steps[0].name, "read_model");
    assert_eq!(state.steps[0].status, StepStatus::Failed);
    assert!(state.error.unwrap().contains("alice/nothing-here"));
    assert!(env.report(RUN_ID).contains("**Verdict: failed**"));
}
