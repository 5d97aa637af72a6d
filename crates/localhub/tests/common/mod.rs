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
            .users(["alice", "bob", "carol"])
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
        let r = self
            .post(user, "/api/repos/create")
            .json(&serde_json::json!({"name": name, "type": kind, "visibility": if private {"private"} else {"public"}, "sdk": "gradio"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
        self.commit_files(user, kind, name, files).await
    }
    /// Commits files (path, content) to an existing repo of `user`; the commit's id.
    pub async fn commit_files(
        &self,
        user: &str,
        kind: &str,
        name: &str,
        files: &[(&str, &str)],
    ) -> String {
        use base64::Engine;
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
    /// The factory app's redirect URI, on some loopback port.
    pub const CALLBACK: &'static str = "http://127.0.0.1:9/login/callback";
    /// `/oauth/authorize` for the factory's app, asking for `scope`, consented as `user`.
    pub fn authorize_url(
        &self,
        client_id: &str,
        redirect_uri: &str,
        scope: &str,
        user: &str,
    ) -> String {
        let mut u = url::Url::parse(&self.url("/oauth/authorize")).unwrap();
        u.query_pairs_mut()
            .append_pair("client_id", client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", scope)
            .append_pair("response_type", "code")
            .append_pair("state", "st")
            .append_pair("user", user);
        u.to_string()
    }
    /// An OAuth access token for `user` with exactly `scope`, through the OIDC flow of the
    /// factory's own app.
    pub async fn oauth_token(&self, user: &str, scope: &str) -> String {
        let r = self
            .http
            .get(self.authorize_url("space-factory-local", Self::CALLBACK, scope, user))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
        let loc = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
        let code = loc
            .query_pairs()
            .find(|(k, _)| k == "code")
            .unwrap()
            .1
            .to_string();
        let tok: serde_json::Value = self
            .http
            .post(self.url("/oauth/token"))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", Self::CALLBACK),
                ("client_id", "space-factory-local"),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        tok["access_token"].as_str().unwrap().to_owned()
    }
}
