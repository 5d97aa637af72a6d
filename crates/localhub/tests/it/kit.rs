//! The test kit: a running localhub on an ephemeral port with its own temp folder
//! ([`TestHub`], configured through [`TestHubBuilder`]), request helpers that check the
//! status, and the limit on how many tests run Gradio at once ([`gradio_slot`]).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use localhub::{LocalHub, LocalHubBuilder, RunningHub};
use serde_json::Value;
use tokio::sync::{Semaphore, SemaphorePermit};

/// How many tests may run Gradio processes at once in this binary.
const GRADIO_AT_ONCE: usize = 2;
static GRADIO_SLOTS: Semaphore = Semaphore::const_new(GRADIO_AT_ONCE);

/// A permit to run Gradio; hold it as long as the Gradio process (or the Space) lives.
pub async fn gradio_slot() -> SemaphorePermit<'static> {
    GRADIO_SLOTS
        .acquire()
        .await
        .expect("the Gradio semaphore is never closed")
}

/// A running localhub (default users alice, bob and carol) and an HTTP client that does
/// not follow redirects.
pub struct TestHub {
    pub hub: RunningHub,
    pub _dir: tempfile::TempDir,
    pub http: reqwest::Client,
    _gradio: Option<SemaphorePermit<'static>>,
}

/// Options for a [`TestHub`]: whatever the localhub builder offers, a scripted chat
/// backend, and whether the test runs Gradio (then it waits for a [`gradio_slot`]).
pub struct TestHubBuilder {
    dir: tempfile::TempDir,
    hub: LocalHubBuilder,
    runs_gradio: bool,
}

impl TestHubBuilder {
    /// The test's temp folder (the hub's data lives in its `data/`), for files the hub
    /// is configured with.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
    /// Any other localhub option (users, plans, orgs, faults, OAuth apps, Job images).
    pub fn hub(mut self, configure: impl FnOnce(LocalHubBuilder) -> LocalHubBuilder) -> Self {
        self.hub = configure(self.hub);
        self
    }
    /// Only these users (instead of alice, bob and carol).
    pub fn users<const N: usize>(self, names: [&str; N]) -> Self {
        self.hub(|b| b.users(names))
    }
    /// Answers `/v1/chat/completions` from this script (`{"model", "turns": [...]}`).
    pub fn chat_script(self, script: Value) -> Self {
        let path = self.dir().join("chat-script.json");
        std::fs::write(&path, script.to_string()).unwrap();
        self.hub(|b| b.chat(localhub::inference::ChatBackend::Script(path)))
    }
    /// The test starts Gradio (a Space): it waits for one of the shared slots first.
    pub fn runs_gradio(mut self) -> Self {
        self.runs_gradio = true;
        self
    }
    /// Starts the hub.
    pub async fn start(self) -> TestHub {
        let gradio = match self.runs_gradio {
            true => Some(gradio_slot().await),
            false => None,
        };
        let hub = self
            .hub
            .data_dir(self.dir.path().join("data"))
            .start()
            .await
            .unwrap();
        TestHub {
            hub,
            _dir: self.dir,
            http: http_client(),
            _gradio: gradio,
        }
    }
}

/// The kit's client: no redirects followed (tests look at them), a generous timeout.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// Sends `request` and reads its JSON body, asserting status 200 (shown with the URL and
/// the body).
pub async fn json_of(request: reqwest::RequestBuilder) -> Value {
    let (client, request) = request.build_split();
    let request = request.unwrap();
    let url = request.url().clone();
    let r = client.execute(request).await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    assert_eq!(status, 200, "{url}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// The `data:` payloads of a server-sent event stream.
pub fn sse_data(body: &str) -> Vec<String> {
    body.lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .map(String::from)
        .collect()
}

/// Runs `command` to its end and returns its stdout, asserting success (shown with stderr).
pub async fn stdout_of(command: &mut tokio::process::Command) -> String {
    let out = command.kill_on_drop(true).output().await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// A prepared Python venv (`localhub prepare-venvs`), or a panic naming that set-up step.
pub fn prepared_python(venv: localhub::python_env::VenvRecipe) -> PathBuf {
    venv.prepared().unwrap_or_else(|e| panic!("{e}")).python()
}

impl TestHub {
    /// A hub with the defaults.
    pub async fn start() -> Self {
        Self::builder().start().await
    }
    /// A hub to configure first.
    pub fn builder() -> TestHubBuilder {
        TestHubBuilder {
            dir: tempfile::tempdir().unwrap(),
            hub: LocalHub::builder(),
            runs_gradio: false,
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
    /// GET `path` with a bearer token that is not a user's dev token (an OAuth token).
    pub fn get_as(&self, token: &str, path: &str) -> reqwest::RequestBuilder {
        self.http.get(self.url(path)).bearer_auth(token)
    }
    /// POST to `path` with a bearer token that is not a user's dev token (an OAuth token).
    pub fn post_as(&self, token: &str, path: &str) -> reqwest::RequestBuilder {
        self.http.post(self.url(path)).bearer_auth(token)
    }
    /// GET `path` as `user`: its JSON, asserting status 200.
    pub async fn get_json(&self, user: &str, path: &str) -> Value {
        json_of(self.get(user, path)).await
    }
    /// GET `path` as `user`: its body as text, asserting status 200.
    pub async fn get_text(&self, user: &str, path: &str) -> String {
        let r = self.get(user, path).send().await.unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        assert_eq!(status, 200, "{path}: {text}");
        text
    }
    /// POST `body` to `path` as `user`: the response, for its status.
    pub async fn post_json(&self, user: &str, path: &str, body: &Value) -> reqwest::Response {
        self.post(user, path).json(body).send().await.unwrap()
    }
    /// `python` pointed at this hub as alice (`HF_ENDPOINT`, `HF_TOKEN`, no telemetry).
    pub fn python(&self, python: &Path) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(python);
        command
            .env("HF_ENDPOINT", self.hub.url())
            .env("HF_TOKEN", self.tok("alice"))
            .env("HF_HUB_DISABLE_TELEMETRY", "1");
        command
    }
    /// Polls `/api/spaces/{id}/runtime` until its stage is one of `settled`; the runtime.
    pub async fn space_stage(&self, id: &str, settled: &[&str], secs: u64) -> Value {
        let deadline = std::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let v = self
                .get_json("alice", &format!("/api/spaces/{id}/runtime"))
                .await;
            if settled.iter().any(|w| v["stage"] == *w) {
                return v;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "space never reached {settled:?}: {v}"
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
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
