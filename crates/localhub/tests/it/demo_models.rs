//! The demo models every hub serves under `demo/`: listed, described and downloadable
//! through the Hub API, with real safetensors headers, a gate nobody passes, a namespace
//! nobody writes to, and the same files after a restart on the same data folder.

use localhub::demo_models::{
    self, ALL, CONSTANT_TEXT_CLASSIFICATION, GATED, ONNX_TEXT_CLASSIFICATION, TEXT_GENERATION,
};
use localhub::{LocalHub, RunningHub, StartError, User};
use serde_json::{json, Value};

async fn download(t: &crate::kit::TestHub, user: &str, id: &str, file: &str) -> Vec<u8> {
    let r = t
        .get(user, &format!("/{id}/resolve/main/{file}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{id}/{file}");
    r.bytes().await.unwrap().to_vec()
}

/// The tensors of a `.safetensors` file: name → (dtype, shape).
fn header(bytes: &[u8]) -> std::collections::BTreeMap<String, (String, Vec<usize>)> {
    let (_, meta) = safetensors::SafeTensors::read_metadata(bytes).expect("a safetensors file");
    meta.tensors()
        .into_iter()
        .map(|(name, info)| (name, (info.dtype.to_string(), info.shape.clone())))
        .collect()
}

/// Checks a model's info lists exactly `files` (in any order).
fn assert_files(info: &Value, files: &[&str]) {
    let mut siblings: Vec<&str> = info["siblings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["rfilename"].as_str().unwrap())
        .collect();
    siblings.sort();
    let mut files = files.to_vec();
    files.sort();
    assert_eq!(siblings, files, "{}", info["id"]);
}

#[tokio::test]
async fn the_demo_models_are_listed_by_author_with_their_pipelines() {
    let t = crate::kit::TestHub::start().await;
    t.create_and_commit("alice", "model", "mine", true, &[("README.md", "# mine")])
        .await;
    let listed = t
        .get_json("bob", "/api/models?author=space-factory-demo")
        .await;
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    let mut expected: Vec<&str> = ALL.iter().map(|m| m.id).collect();
    expected.sort();
    assert_eq!(ids, expected);
    for row in listed.as_array().unwrap() {
        let model = demo_models::find(row["id"].as_str().unwrap()).unwrap();
        assert_eq!(row["pipeline_tag"].as_str(), model.pipeline_tag, "{row}");
        assert_eq!(row["library_name"], model.library_name(), "{row}");
        assert_eq!(row["private"], false);
        assert!(row["tags"]
            .as_array()
            .unwrap()
            .contains(&json!("space-factory-demo")));
    }

    let fill = t
        .get_json(
            "bob",
            "/api/models?author=space-factory-demo&pipeline_tag=fill-mask",
        )
        .await;
    assert_eq!(
        fill,
        json!([listed[0]]),
        "space-factory-demo/tiny-bert sorts first"
    );
    let searched = t.get_json("bob", "/api/models?search=T5-&limit=1").await;
    assert_eq!(searched.as_array().unwrap().len(), 1);
    assert_eq!(searched[0]["id"], "space-factory-demo/tiny-t5-en-fr");
    let by_tag = t
        .get_json("bob", "/api/models?filter=space-factory-demo")
        .await;
    assert_eq!(by_tag, listed);

    let of_alice = |user: &'static str| {
        let t = &t;
        async move { t.get_json(user, "/api/models?author=alice").await }
    };
    assert_eq!(
        of_alice("bob").await,
        json!([]),
        "a private model is hidden"
    );
    assert_eq!(of_alice("alice").await[0]["id"], "alice/mine");
}

#[tokio::test]
async fn the_demo_gpt2_is_a_gpt2_the_hub_api_describes_and_serves() {
    let t = crate::kit::TestHub::start().await;
    let info = t
        .get_json("alice", "/api/models/space-factory-demo/tiny-gpt2")
        .await;
    assert_eq!(info["author"], "space-factory-demo");
    assert_eq!(info["pipeline_tag"], "text-generation");
    assert_eq!(info["library_name"], "transformers");
    assert_eq!(info["gated"], false);
    assert_eq!(info["config"]["architectures"], json!(["GPT2LMHeadModel"]));
    assert_eq!(
        info["transformersInfo"]["auto_model"],
        "AutoModelForCausalLM"
    );
    assert_eq!(info["cardData"]["license"], "apache-2.0");
    assert_files(&info, &demo_models::FILES);

    let tree = t
        .get_json(
            "alice",
            "/api/models/space-factory-demo/tiny-gpt2/tree/main",
        )
        .await;
    let sized: Vec<(&str, u64)> = tree
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap(), f["size"].as_u64().unwrap()))
        .collect();
    assert_eq!(sized.len(), 5, "{tree}");
    assert!(sized.iter().all(|(_, size)| *size > 0), "{tree}");

    let config: Value =
        serde_json::from_slice(&download(&t, "alice", TEXT_GENERATION, "config.json").await)
            .unwrap();
    assert_eq!(config["model_type"], "gpt2");
    assert_eq!(
        (&config["n_layer"], &config["n_embd"], &config["n_head"]),
        (&json!(2), &json!(32), &json!(2))
    );
    assert_eq!(config["n_positions"], 64);
    let vocab_size = config["vocab_size"].as_u64().unwrap() as usize;
    assert!((256..1000).contains(&vocab_size), "{vocab_size}");

    let tokenizer: Value =
        serde_json::from_slice(&download(&t, "alice", TEXT_GENERATION, "tokenizer.json").await)
            .unwrap();
    let vocab = tokenizer["model"]["vocab"]
        .as_object()
        .expect("model.vocab is a {token: id} object");
    assert_eq!(vocab.len(), vocab_size);
    assert!(vocab
        .values()
        .all(|id| id.as_u64().unwrap() < vocab_size as u64));
    let tokenizer_config: Value = serde_json::from_slice(
        &download(&t, "alice", TEXT_GENERATION, "tokenizer_config.json").await,
    )
    .unwrap();
    assert_eq!(tokenizer_config["eos_token"], "<|endoftext|>");
    assert_eq!(vocab["<|endoftext|>"], config["eos_token_id"]);

    let weights = download(&t, "alice", TEXT_GENERATION, "model.safetensors").await;
    let tensors = header(&weights);
    assert_eq!(
        tensors["wte.weight"],
        ("F32".to_owned(), vec![vocab_size, 32])
    );
    assert_eq!(tensors["wpe.weight"].1, [64, 32]);
    assert_eq!(tensors["h.0.attn.c_attn.weight"].1, [32, 96]);
    assert_eq!(tensors["h.1.mlp.c_proj.weight"].1, [128, 32]);
    assert_eq!(tensors["ln_f.weight"].1, [32]);
    assert!(!tensors.contains_key("h.2.ln_1.weight"), "two layers");
    let total: usize = tensors
        .values()
        .map(|(_, shape)| shape.iter().product::<usize>())
        .sum();
    assert_eq!(info["safetensors"]["total"], total);
    assert_eq!(info["safetensors"]["parameters"], json!({ "F32": total }));

    let card =
        String::from_utf8(download(&t, "alice", TEXT_GENERATION, "README.md").await).unwrap();
    assert!(card.contains("output is meaningless"), "{card}");
}

#[tokio::test]
async fn every_demo_model_has_weights_shaped_by_its_config() {
    let t = crate::kit::TestHub::start().await;
    let transformers = ALL
        .iter()
        .filter(|m| !m.gated && m.library_name() == "transformers");
    for model in transformers {
        let config: Value =
            serde_json::from_slice(&download(&t, "alice", model.id, "config.json").await).unwrap();
        let vocab = config["vocab_size"].as_u64().unwrap() as usize;
        let tensors = header(&download(&t, "alice", model.id, "model.safetensors").await);
        assert!(
            tensors.values().all(|(dtype, _)| dtype == "F32"),
            "{}",
            model.id
        );
        let (embedding, width) = match config["model_type"].as_str().unwrap() {
            "gpt2" => ("wte.weight", &config["n_embd"]),
            "t5" => ("shared.weight", &config["d_model"]),
            "bert" if config.get("architectures").is_some() => (
                "bert.embeddings.word_embeddings.weight",
                &config["hidden_size"],
            ),
            "bert" => ("embeddings.word_embeddings.weight", &config["hidden_size"]),
            other => panic!("{}: model type {other}", model.id),
        };
        let width = width.as_u64().unwrap() as usize;
        assert_eq!(tensors[embedding].1, [vocab, width], "{}", model.id);
        if let Some(labels) = config.get("id2label").and_then(Value::as_object) {
            assert_eq!(tensors["classifier.weight"].1, [labels.len(), width]);
        }
        let tokenizer: Value =
            serde_json::from_slice(&download(&t, "alice", model.id, "tokenizer.json").await)
                .unwrap();
        let size = match &tokenizer["model"]["vocab"] {
            Value::Object(map) => map.len(),
            Value::Array(pieces) => pieces.len(),
            other => panic!("{}: vocab {other}", model.id),
        };
        assert_eq!(size, vocab, "{}", model.id);
        let info = t
            .get_json("alice", &format!("/api/models/{}", model.id))
            .await;
        assert_eq!(
            info["pipeline_tag"].as_str(),
            model.pipeline_tag,
            "{}",
            model.id
        );
    }
}

#[tokio::test]
async fn the_onnx_demo_classifiers_are_described_and_serve_their_export() {
    let t = crate::kit::TestHub::start().await;
    for id in [ONNX_TEXT_CLASSIFICATION, CONSTANT_TEXT_CLASSIFICATION] {
        let info = t.get_json("alice", &format!("/api/models/{id}")).await;
        assert_eq!(info["library_name"], "onnx", "{info}");
        assert_eq!(info["pipeline_tag"], "text-classification", "{info}");
        assert!(
            info.get("safetensors").is_none(),
            "no PyTorch weights: {info}"
        );
        assert!(info.get("transformersInfo").is_none(), "{info}");
        assert_files(&info, &demo_models::ONNX_FILES);
        let config: Value =
            serde_json::from_slice(&download(&t, "bob", id, "config.json").await).unwrap();
        assert_eq!(
            config["id2label"],
            json!({"0": "NEGATIVE", "1": "POSITIVE"})
        );
        let tokenizer: Value =
            serde_json::from_slice(&download(&t, "bob", id, "tokenizer.json").await).unwrap();
        assert_eq!(
            tokenizer["model"]["vocab"].as_object().unwrap().len() as u64,
            config["vocab_size"].as_u64().unwrap()
        );
        let network = download(&t, "bob", id, demo_models::ONNX_WEIGHTS).await;
        assert!(
            network.windows(6).any(|w| w == b"logits"),
            "an ONNX graph with a logits output"
        );
    }
    let card =
        String::from_utf8(download(&t, "bob", CONSTANT_TEXT_CLASSIFICATION, "README.md").await)
            .unwrap();
    assert!(card.contains("every text gets the same scores"), "{card}");
}

#[tokio::test]
async fn the_gated_demo_model_shows_its_card_but_refuses_its_files() {
    let t = crate::kit::TestHub::start().await;
    let info = t
        .get_json("alice", "/api/models/space-factory-demo/tiny-gated")
        .await;
    assert_eq!(info["gated"], "manual");
    let tree = t
        .get_json(
            "alice",
            "/api/models/space-factory-demo/tiny-gated/tree/main",
        )
        .await;
    assert_eq!(tree.as_array().unwrap().len(), 5, "files are listed");
    download(&t, "alice", GATED, "README.md").await;

    let signed_in = t
        .get(
            "alice",
            "/space-factory-demo/tiny-gated/resolve/main/config.json",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 403);
    assert_eq!(signed_in.headers()["x-error-code"], "GatedRepo");
    let body: Value = signed_in.json().await.unwrap();
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("you are not in the authorized list"),
        "{body}"
    );
    let anonymous = t
        .http
        .head(t.url("/space-factory-demo/tiny-gated/resolve/main/model.safetensors"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(anonymous.headers()["x-error-code"], "GatedRepo");
    let open = t
        .http
        .get(t.url("/space-factory-demo/tiny-gpt2/resolve/main/config.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(open.status(), 200, "the open ones need no token");
}

#[tokio::test]
async fn nobody_writes_to_the_demo_namespace_and_nobody_may_be_called_demo() {
    let t = crate::kit::TestHub::start().await;
    let commit = t
        .post(
            "alice",
            "/api/models/space-factory-demo/tiny-gpt2/commit/main",
        )
        .header("content-type", "application/x-ndjson")
        .body("{\"key\":\"header\",\"value\":{\"summary\":\"x\"}}\n")
        .send()
        .await
        .unwrap();
    assert_eq!(commit.status(), 403);
    let create = t
        .post_json(
            "alice",
            "/api/repos/create",
            &json!({"name": "space-factory-demo/mine", "type": "model"}),
        )
        .await;
    assert_eq!(create.status(), 403);
    let settings = t
        .http
        .put(t.url("/api/models/space-factory-demo/tiny-gated/settings"))
        .bearer_auth(t.tok("bob"))
        .json(&json!({"gated": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(settings.status(), 403);

    let dir = tempfile::tempdir().unwrap();
    let refused = LocalHub::builder()
        .data_dir(dir.path())
        .user(User::new("space-factory-demo"))
        .start()
        .await;
    assert!(
        matches!(&refused, Err(StartError::Config(m)) if m.contains("reserved")),
        "{refused:?}"
    );
}

#[tokio::test]
async fn without_demo_models_the_namespace_is_empty_and_free() {
    let dir = tempfile::tempdir().unwrap();
    let hub = LocalHub::builder()
        .data_dir(dir.path())
        .users(["space-factory-demo", "alice"])
        .demo_models(false)
        .start()
        .await
        .unwrap();
    let r = reqwest::get(format!(
        "{}/api/models/space-factory-demo/tiny-gpt2",
        hub.url()
    ))
    .await
    .unwrap();
    assert_eq!(r.status(), 404);
    assert!(!dir.path().join("repos/models/demo").exists());
    hub.shutdown().await;
}

/// A hub on `dir`, and the demo GPT-2's head commit and weights as served.
async fn start_on(dir: &std::path::Path) -> (RunningHub, String, Vec<u8>) {
    let hub = LocalHub::builder().data_dir(dir).start().await.unwrap();
    let info: Value = reqwest::get(format!("{}/api/models/{TEXT_GENERATION}", hub.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let weights = reqwest::get(format!(
        "{}/{TEXT_GENERATION}/resolve/main/model.safetensors",
        hub.url()
    ))
    .await
    .unwrap()
    .bytes()
    .await
    .unwrap()
    .to_vec();
    (hub, info["sha"].as_str().unwrap().to_owned(), weights)
}

#[tokio::test]
async fn a_restart_on_the_same_data_folder_keeps_the_same_demo_models() {
    let dir = tempfile::tempdir().unwrap();
    let (hub, sha, weights) = start_on(dir.path()).await;
    hub.shutdown().await;
    let card = dir
        .path()
        .join("repos/models/space-factory-demo/tiny-gpt2/README.md");
    let written = std::fs::metadata(&card).unwrap().modified().unwrap();

    let (hub, sha_again, weights_again) = start_on(dir.path()).await;
    hub.shutdown().await;
    assert_eq!(sha_again, sha);
    assert_eq!(weights_again, weights);
    assert_eq!(
        std::fs::metadata(&card).unwrap().modified().unwrap(),
        written,
        "present files are left as they are (a restart regenerates nothing)"
    );

    // A lost file is written again, the same bytes.
    let path = dir
        .path()
        .join("repos/models/space-factory-demo/tiny-gpt2/model.safetensors");
    std::fs::remove_file(&path).unwrap();
    let (hub, sha_restored, weights_restored) = start_on(dir.path()).await;
    hub.shutdown().await;
    assert_eq!((sha_restored, weights_restored), (sha, weights));
}
