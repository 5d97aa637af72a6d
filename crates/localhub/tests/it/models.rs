//! Model repo info as the Hub derives it: card front matter, config summary, Transformers
//! info, safetensors parameter counts, gating through the repo settings.

use serde_json::json;

/// A `.safetensors` file of zero-filled tensors `(name, dtype, shape, bytes per value)`.
/// Header and data are ASCII/NUL bytes, so the file is also a valid `&str`.
fn safetensors_file(tensors: &[(&str, &str, &[u64], u64)]) -> String {
    let mut header = serde_json::Map::new();
    let mut offset = 0;
    for (name, dtype, shape, width) in tensors {
        let len = shape.iter().product::<u64>() * width;
        header.insert(
            (*name).into(),
            json!({"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len]}),
        );
        offset += len;
    }
    let mut text = serde_json::Value::Object(header).to_string();
    // Padding keeps every byte of the little-endian length below 0x80 (valid UTF-8).
    while !text.len().is_multiple_of(8)
        || (text.len() as u64).to_le_bytes().iter().any(|b| *b >= 0x80)
    {
        text.push(' ');
    }
    let mut bytes = (text.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(text.as_bytes());
    bytes.resize(bytes.len() + offset as usize, 0);
    String::from_utf8(bytes).expect("ASCII header, NUL data")
}

#[tokio::test]
async fn model_info_reads_card_config_and_safetensors() {
    let t = crate::kit::TestHub::start().await;
    let card = "---\nlicense: apache-2.0\ntags:\n  - tiny\nlanguage: en\n---\n# Tiny\n";
    let config =
        r#"{"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 8}"#;
    let weights = safetensors_file(&[
        ("embed.weight", "F32", &[16, 8], 4),
        ("head.weight", "BF16", &[16, 8], 2),
    ]);
    let shard = safetensors_file(&[("norm.weight", "F32", &[8], 4)]);
    t.create_and_commit(
        "alice",
        "model",
        "tiny",
        false,
        &[
            ("README.md", card),
            ("config.json", config),
            ("model-00001-of-00002.safetensors", &weights),
            ("model-00002-of-00002.safetensors", &shard),
        ],
    )
    .await;
    let v: serde_json::Value = t.get_json("alice", "/api/models/alice/tiny").await;
    assert_eq!(v["pipeline_tag"], "text-generation", "{v}");
    assert_eq!(v["library_name"], "transformers");
    assert_eq!(v["gated"], false);
    assert_eq!(v["cardData"]["license"], "apache-2.0");
    assert_eq!(v["cardData"]["language"], "en");
    assert_eq!(v["config"]["model_type"], "llama");
    assert!(
        v["config"].get("hidden_size").is_none(),
        "a summary, not the file"
    );
    assert_eq!(v["transformersInfo"]["auto_model"], "AutoModelForCausalLM");
    assert_eq!(
        v["safetensors"],
        json!({"parameters": {"F32": 136, "BF16": 128}, "total": 264})
    );
    let tags: Vec<&str> = v["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    for want in [
        "transformers",
        "safetensors",
        "llama",
        "tiny",
        "license:apache-2.0",
    ] {
        assert!(tags.contains(&want), "{want} missing from {tags:?}");
    }
}

#[tokio::test]
async fn card_pipeline_wins_and_no_config_means_no_library() {
    let t = crate::kit::TestHub::start().await;
    let card = "---\npipeline_tag: image-classification\nlibrary_name: timm\n---\n";
    t.create_and_commit("alice", "model", "vision", false, &[("README.md", card)])
        .await;
    t.create_and_commit("alice", "model", "bare", false, &[("notes.txt", "x")])
        .await;
    let v: serde_json::Value = t.get_json("alice", "/api/models/alice/vision").await;
    assert_eq!(v["pipeline_tag"], "image-classification");
    assert_eq!(v["library_name"], "timm");
    assert!(v.get("safetensors").is_none());
    let v: serde_json::Value = t.get_json("alice", "/api/models/alice/bare").await;
    assert_eq!(v["pipeline_tag"], serde_json::Value::Null);
    assert_eq!(v["library_name"], serde_json::Value::Null);
    assert!(v.get("cardData").is_none());
}

#[tokio::test]
async fn settings_gate_a_model_for_its_owner_only() {
    let t = crate::kit::TestHub::start().await;
    t.create_and_commit("alice", "model", "gated", false, &[("README.md", "# g")])
        .await;
    let put = |user: &str, body: serde_json::Value| {
        t.http
            .put(t.url("/api/models/alice/gated/settings"))
            .bearer_auth(t.tok(user))
            .json(&body)
            .send()
    };
    assert_eq!(
        put("bob", json!({"gated": "auto"})).await.unwrap().status(),
        403
    );
    assert_eq!(
        put("alice", json!({"gated": "yes"}))
            .await
            .unwrap()
            .status(),
        400
    );
    assert_eq!(
        put("alice", json!({"gated": "manual"}))
            .await
            .unwrap()
            .status(),
        200
    );
    let t = &t;
    let info =
        |user: &'static str| async move { t.get_json(user, "/api/models/alice/gated").await };
    assert_eq!(info("bob").await["gated"], "manual");
    assert_eq!(
        put("alice", json!({"gated": false}))
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(info("alice").await["gated"], false);
}
