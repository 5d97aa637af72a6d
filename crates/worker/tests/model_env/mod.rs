//! A local Hub with model repos made by the test, and the worker binary run against it as
//! a Job runs it (spec and token in the environment, bucket at `--output`).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use hub::commit::CommitFile;
use hub::repos::{parse_repo_id, CreateRepo, RepoType};
use hub::{HubClient, HubConfig, Token};
use runs::{RunPaths, RunState};

/// The run id every test run uses (each test has its own bucket folder).
pub const RUN_ID: &str = "01JDQ7ZK3G8X5V2N4M6P8R0T2W";

/// A running localhub, alice's token, and a temp folder for the bucket.
pub struct Env {
    pub hub: localhub::RunningHub,
    pub client: HubClient,
    pub token: String,
    pub tmp: tempfile::TempDir,
}

impl Env {
    pub async fn start() -> Env {
        let tmp = tempfile::tempdir().unwrap();
        let hub = localhub::LocalHub::builder()
            .data_dir(tmp.path().join("hub"))
            .users(["alice", "bob"])
            .start()
            .await
            .unwrap();
        let client = HubClient::new(HubConfig::new(&hub.url()).unwrap()).unwrap();
        let token = hub.token_for("alice").unwrap();
        Env {
            hub,
            client,
            token,
            tmp,
        }
    }

    /// Creates the public model repo `alice/{name}` with these files.
    pub async fn model(&self, name: &str, files: Vec<(&str, Vec<u8>)>) -> String {
        let id = parse_repo_id(&format!("alice/{name}")).unwrap();
        let mut spec = CreateRepo::new(id.clone(), RepoType::Model);
        spec.public = true;
        let token = Token::new(self.token.clone());
        self.client.create_repo(&spec, &token).await.unwrap();
        let files: Vec<CommitFile> = files
            .into_iter()
            .map(|(p, b)| CommitFile::new(p, b))
            .collect();
        self.client
            .upload_files(RepoType::Model, &id, "main", "add model", &files, &token)
            .await
            .unwrap();
        id.to_string()
    }

    /// The bucket folder the worker writes into.
    pub fn output(&self) -> PathBuf {
        self.tmp.path().join("bucket")
    }

    /// Runs `worker run` for `phase` with `params`, as a Job would.
    pub async fn run(&self, phase: &str, params: serde_json::Value) -> std::process::Output {
        let spec = serde_json::json!({
            "version": 1, "run_id": RUN_ID, "phase": phase, "owner": "alice",
            "bucket": "alice/space-factory-runs", "params": params,
        });
        tokio::process::Command::new(env!("CARGO_BIN_EXE_worker"))
            .args(["run", "--output"])
            .arg(self.output())
            .env(runs::RUN_SPEC_ENV, spec.to_string())
            .env("HF_ENDPOINT", self.hub.url())
            .env(runs::job::TOKEN_SECRET, &self.token)
            .env("TMPDIR", self.tmp.path())
            .output()
            .await
            .expect("worker starts")
    }

    /// The run's `state.json`.
    pub fn state(&self) -> RunState {
        let paths = RunPaths::new(RUN_ID.parse().unwrap());
        let bytes = std::fs::read(self.output().join(paths.state())).expect("state.json");
        serde_json::from_slice(&bytes).expect("state.json parses")
    }

    /// A JSON artifact of the run.
    pub fn artifact_json(&self, relative: &str) -> serde_json::Value {
        let bytes = std::fs::read(self.run_dir().join(relative)).unwrap_or_else(|e| {
            panic!("{relative}: {e}");
        });
        serde_json::from_slice(&bytes).unwrap()
    }

    /// The run's folder in the bucket.
    pub fn run_dir(&self) -> PathBuf {
        self.output().join("runs").join(RUN_ID)
    }

    /// The run's report.
    pub fn report(&self) -> String {
        std::fs::read_to_string(self.run_dir().join("report.md")).unwrap()
    }

    /// Fails if the token appears in any file of the bucket or in the process output.
    pub fn assert_token_nowhere(&self, out: &std::process::Output) {
        for f in walk(&self.output()) {
            let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
            assert!(!text.contains(&self.token), "token in {}", f.display());
        }
        assert!(!String::from_utf8_lossy(&out.stdout).contains(&self.token));
        assert!(!String::from_utf8_lossy(&out.stderr).contains(&self.token));
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A model card with this front matter.
pub fn card(front_matter: &str) -> Vec<u8> {
    format!("---\n{front_matter}---\n# A test model\n\nMade by the test.\n").into_bytes()
}

/// A small GPT-2 style config.json.
pub fn gpt2_config(n_embd: usize, n_layer: usize, vocab: usize) -> Vec<u8> {
    serde_json::json!({
        "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2",
        "n_embd": n_embd, "n_layer": n_layer, "n_head": 2, "vocab_size": vocab,
        "n_positions": 64, "torch_dtype": "float32"
    })
    .to_string()
    .into_bytes()
}

/// Zero-filled F32 weights of a GPT-2 of these dimensions (embeddings and layers as
/// single tensors: only the header's counts matter to the Hub).
pub fn gpt2_weights(n_embd: usize, n_layer: usize, vocab: usize) -> Vec<u8> {
    localhub::models::zero_safetensors(&[
        ("transformer.wte.weight", "F32", &[vocab, n_embd]),
        ("transformer.h.attn", "F32", &[n_layer, 4 * n_embd, n_embd]),
        ("transformer.h.mlp", "F32", &[n_layer, 8 * n_embd, n_embd]),
    ])
}
