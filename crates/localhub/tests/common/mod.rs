//! Shared helpers: an in-process hub on an ephemeral port with its own temp data dir.
#![allow(dead_code)]

use localhub::{LocalHub, RunningHub};

pub struct TestHub {
    pub hub: RunningHub,
    pub _dir: tempfile::TempDir,
    pub http: reqwest::Client,
}

impl TestHub {
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let hub = LocalHub::builder()
            .data_dir(dir.path())
            .users(["alice", "bob"])
            .start()
            .await
            .unwrap();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .unwrap();
        Self {
            hub,
            _dir: dir,
            http,
        }
    }
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.hub.url(), path)
    }
    pub fn tok(&self, user: &str) -> String {
        self.hub.token_for(user).unwrap()
    }
    pub fn get(&self, user: &str, path: &str) -> reqwest::RequestBuilder {
        self.http.get(self.url(path)).bearer_auth(self.tok(user))
    }
    pub fn post(&self, user: &str, path: &str) -> reqwest::RequestBuilder {
        self.http.post(self.url(path)).bearer_auth(self.tok(user))
    }
    /// Creates a repo and commits files (path, content) to it.
    pub async fn create_and_commit(
        &self,
        user: &str,
        kind: &str,
        name: &str,
        private: bool,
        files: &[(&str, &str)],
    ) -> String {
        use base64::Engine;
        let r = self
            .post(user, "/api/repos/create")
            .json(&serde_json::json!({"name": name, "type": kind, "visibility": if private {"private"} else {"public"}, "sdk": "gradio"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
        let mut body = String::from("{\"key\":\"header\",\"value\":{\"summary\":\"add\"}}\n");
        for (p, c) in files {
            let v = serde_json::json!({"key": "file", "value": {"path": p, "content": base64::engine::general_purpose::STANDARD.encode(c), "encoding": "base64"}});
            body.push_str(&v.to_string());
            body.push('\n');
        }
        let r = self
            .post(user, &format!("/api/{kind}s/{user}/{name}/commit/main"))
            .header("content-type", "application/x-ndjson")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
        let v: serde_json::Value = r.json().await.unwrap();
        v["commitOid"].as_str().unwrap().to_string()
    }
}
