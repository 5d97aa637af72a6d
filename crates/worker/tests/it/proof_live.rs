//! Phase 5's inference proof and gate against live local Spaces, in process: apps of the
//! shape phase 5 generates for text generation (`/generate` returns the prompt and its
//! continuation), with no model runtime needed. One adds the same words to every prompt:
//! its answers differ only by the prompt, so it is gated `health_only` with the evidence;
//! one whose continuation depends on the prompt passes.

use crate::kit::agent::{read, Dirs};
use crate::kit::limit;
use crate::kit::stand::Stand;
use runs::proof::{InputOrigin, OutputKind, ProofVerdict};
use runs::GateStatus;
use serde_json::json;
use worker::generate::GeneratedFile;
use worker::phases::model_card_app::gate_record;
use worker::space::{self, proof, Deployment, Expectation, HealthCheck, LiveCheck, WaitPolicy};

/// A Gradio app whose `/generate` returns the prompt followed by `continuation` (Python).
fn writer(continuation: &str) -> Vec<GeneratedFile> {
    let app = format!(
        r#"import gradio as gr


def generate(prompt: str) -> str:
    """Continues the prompt."""
    return prompt + {continuation}


demo = gr.Interface(fn=generate, inputs=gr.Textbox(label="Prompt"), outputs=gr.Textbox(label="Prompt and continuation"), api_name="generate")

if __name__ == "__main__":
    demo.launch()
"#
    );
    vec![
        GeneratedFile {
            path: "app.py".into(),
            content: app,
        },
        GeneratedFile {
            path: "requirements.txt".into(),
            content: String::new(),
        },
    ]
}

/// Deploys `files` as `alice/<name>`, validates it with the prompt phase 5 uses, proves it
/// with a second prompt, and returns the proof and phase 5's gate record (as JSON).
async fn prove(
    stand: &Stand,
    name: &str,
    files: &[GeneratedFile],
) -> (runs::InferenceProof, serde_json::Value) {
    let dirs = Dirs::new();
    let mut rec = dirs.recorder(runs::Phase::ModelCardApp, stand.token.expose());
    let access = space::HubAccess::new(stand.client.clone(), stand.token.clone());
    let check = LiveCheck {
        health: HealthCheck::IfPresent,
        api_name: Some("/generate".into()),
        inputs: Some(vec![json!("Once upon a time")]),
        expect: Expectation::TypesOnly,
    };
    let deployment = Deployment::new("alice", name, files, check, WaitPolicy::default());
    let deployed = space::deploy_and_validate(&mut rec, &access, &deployment)
        .await
        .unwrap_or_else(|f| panic!("{f:?}"));
    let proof = proof::prove(
        &mut rec,
        &access,
        &deployed.live.app,
        &deployed.validation,
        Some(vec![json!("The weather in the mountains")]),
        OutputKind::Continuation,
    )
    .await
    .unwrap();
    // What was recorded is what was returned.
    let recorded: runs::InferenceProof =
        serde_json::from_str(&read(&dirs, "tests/inference_proof.json")).unwrap();
    assert_eq!(recorded, proof);
    let gate = serde_json::to_value(gate_record(&proof)).unwrap();
    (proof, gate)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_that_adds_the_same_words_to_every_prompt_is_health_only_and_a_real_one_passes() {
    let _slot = limit::slot().await;
    let stand = Stand::start().await;

    let (constant, gate) = prove(
        &stand,
        "same-words",
        &writer(r#"" and they lived happily ever after.""#),
    )
    .await;
    assert_eq!(constant.verdict, ProofVerdict::Constant, "{constant:#?}");
    let origins: Vec<_> = constant.calls.iter().map(|c| c.origin).collect();
    assert_eq!(origins, [InputOrigin::Example, InputOrigin::Worker]);
    assert_eq!(constant.calls[0].inputs, [json!("Once upon a time")]);
    assert_eq!(
        constant.calls[1].inputs,
        [json!("The weather in the mountains")]
    );
    assert_eq!(
        constant.calls[1].outputs,
        [json!(
            "The weather in the mountains and they lived happily ever after."
        )]
    );
    assert!(constant.calls.iter().all(|c| c.latency_ms.is_some()));
    assert_ne!(
        constant.calls[0].outputs, constant.calls[1].outputs,
        "whole texts differ"
    );
    assert_eq!(gate["status"], GateStatus::HealthOnly.id(), "{gate:#}");
    assert_eq!(gate["is_reproduction"], false);
    assert_eq!(gate["evidence"]["calls"][1]["origin"], "worker");
    assert!(gate["verdict"]
        .as_str()
        .unwrap()
        .starts_with("Not proven to be model output"));

    let (real, gate) = prove(&stand, "reverser", &writer(r#"" " + prompt[::-1]"#)).await;
    assert_eq!(real.verdict, ProofVerdict::Proven, "{real:#?}");
    assert_eq!(real.calls.len(), 2);
    assert_ne!(real.calls[0].inputs, real.calls[1].inputs);
    assert_eq!(
        gate["status"],
        GateStatus::FullInferencePassed.id(),
        "{gate:#}"
    );
    assert_eq!(gate["is_reproduction"], true);
}
