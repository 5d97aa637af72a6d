//! `model_info` and `set_repo_gated` against localhub: what the worker reads to judge a
//! model (pipeline, library, card, config summary, safetensors counts, gating).

use hub::commit::CommitFile;
use hub::models::Gated;
use hub::repos::{parse_repo_id, CreateRepo, RepoType};

#[tokio::test]
async fn model_info_describes_a_transformers_model_and_its_gating() {
    let stand = crate::kit::LocalStand::start().await;
    let (hub, client, alice, bob) = (stand.hub, stand.client, stand.alice, stand.bob);
    let id = parse_repo_id("alice/tiny-gpt").unwrap();
    let mut spec = CreateRepo::new(id.clone(), RepoType::Model);
    spec.public = true;
    client.create_repo(&spec, &alice).await.unwrap();
    let weights = localhub::models::zero_safetensors(&[
        ("wte.weight", "BF16", &[32, 8]),
        ("ln.weight", "F32", &[8]),
    ]);
    let files = [
        CommitFile::new(
            "README.md",
            b"---\nlicense: mit\npipeline_tag: text-generation\n---\n# Tiny\n".to_vec(),
        ),
        CommitFile::new(
            "config.json",
            br#"{"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "torch_dtype": "bfloat16"}"#.to_vec(),
        ),
        CommitFile::new("model.safetensors", weights),
    ];
    client
        .upload_files(RepoType::Model, &id, "main", "tiny model", &files, &alice)
        .await
        .unwrap();

    let info = client.model_info(&id, Some(&bob)).await.unwrap();
    assert_eq!(info.pipeline_tag.as_deref(), Some("text-generation"));
    assert_eq!(info.library_name.as_deref(), Some("transformers"));
    assert_eq!(info.license().as_deref(), Some("mit"));
    assert_eq!(info.gated, Gated::Open);
    let st = info.safetensors.as_ref().expect("safetensors counts");
    assert_eq!(st.total, 32 * 8 + 8);
    assert_eq!(st.main_dtype(), Some("BF16"));
    assert_eq!(
        info.transformers_info.as_ref().unwrap().auto_model,
        "AutoModelForCausalLM"
    );
    assert_eq!(info.config.as_ref().unwrap()["model_type"], "gpt2");
    assert!(info.has_file("model.safetensors"));

    // Only the owner gates; everyone then sees the gate.
    assert!(client
        .set_repo_gated(RepoType::Model, &id, Gated::Auto, &bob)
        .await
        .is_err());
    client
        .set_repo_gated(RepoType::Model, &id, Gated::Auto, &alice)
        .await
        .unwrap();
    assert_eq!(
        client.model_info(&id, None).await.unwrap().gated,
        Gated::Auto
    );
    hub.shutdown().await;
}
