//! A real server on a free port, with its embedded local hub running the real `worker` as
//! the Job image, and a small cookie-keeping HTTP client that signs in through the local
//! hub's consent page like a browser.
//!
//! The worker binary: integration tests of `server` cannot name another package's binary
//! (`CARGO_BIN_EXE_*` is per package, and artifact dependencies are unstable), so
//! [`worker_binary`] uses `worker` from the same target folder, building it with `cargo
//! build -p worker` when it is missing or older than its sources.
#![allow(dead_code)]

use clap::Parser;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Response, StatusCode};
use server::config::Config;
use server::Factory;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

/// The `worker` binary of this workspace, from the same target folder as this test: used
/// as is when it is newer than every source it is built from (`cargo test --workspace`
/// builds it first), else built (once per test binary) with `cargo build -p worker`.
pub fn worker_binary() -> PathBuf {
    static WORKER: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    WORKER
        .get_or_init(|| {
            let exe = std::env::current_exe().unwrap();
            let profile_dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
            let release = profile_dir.file_name().is_some_and(|n| n == "release");
            let target_dir = std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .map(|dir| dir.join(if release { "release" } else { "debug" }))
                .unwrap_or(profile_dir);
            let worker = target_dir.join("worker");
            if !is_fresh(&worker) {
                let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
                let mut build = Command::new(cargo);
                build
                    .args(["build", "--quiet", "-p", "worker", "--bin", "worker"])
                    .current_dir(env!("CARGO_MANIFEST_DIR"));
                if release {
                    build.arg("--release");
                }
                let status = build.status().expect("cargo build -p worker");
                assert!(status.success(), "building the worker failed");
            }
            assert!(worker.is_file(), "no worker at {}", worker.display());
            worker
        })
        .clone()
}

/// Whether `binary` exists and is newer than the sources of the crates it is built from.
fn is_fresh(binary: &std::path::Path) -> bool {
    let Ok(built) = std::fs::metadata(binary).and_then(|m| m.modified()) else {
        return false;
    };
    let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut newest = std::time::SystemTime::UNIX_EPOCH;
    let mut pending: Vec<PathBuf> = ["worker", "runs", "hub"]
        .iter()
        .map(|c| crates.join(c))
        .collect();
    pending.push(crates.join("../Cargo.lock"));
    while let Some(path) = pending.pop() {
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            if path.file_name().is_some_and(|n| n == "tests") {
                continue;
            }
            if let Ok(entries) = std::fs::read_dir(&path) {
                pending.extend(entries.flatten().map(|e| e.path()));
            }
        } else if let Ok(modified) = meta.modified() {
            newest = newest.max(modified);
        }
    }
    built > newest
}

/// A running server with its embedded hub.
pub struct Stand {
    pub factory: Arc<Factory>,
    pub addr: SocketAddr,
    pub dir: tempfile::TempDir,
    task: tokio::task::JoinHandle<()>,
}

impl Stand {
    /// A server as `scripts/run.sh` starts it, with nothing configured.
    pub async fn start() -> Stand {
        Stand::start_with(|_| {}).await
    }

    /// A server whose configuration `tweak` adjusts first.
    pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> Stand {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::try_parse_from(["space-factory"]).unwrap();
        config.hub_endpoint = None;
        config.space_host = None;
        config.oauth_client_id = None;
        config.oauth_client_secret = None;
        config.openid_provider_url = None;
        config.bucket_source = None;
        config.localhub_data = Some(dir.path().join("hub"));
        config.worker_bin = Some(worker_binary());
        tweak(&mut config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let factory = Arc::new(Factory::start(&config, addr).await.unwrap());
        let router = factory.router.clone();
        let task = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        Stand {
            factory,
            addr,
            dir,
            task,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The embedded hub.
    pub fn hub(&self) -> &localhub::RunningHub {
        self.factory.embedded_hub.as_ref().unwrap()
    }

    /// A browser with no cookies.
    pub fn browser(&self) -> Browser {
        Browser::new(&self.url())
    }

    /// A browser signed in as `user`, granting every requested scope.
    pub async fn signed_in(&self, user: &str) -> Browser {
        let mut browser = self.browser();
        browser.sign_in(user, None).await;
        browser
    }
}

impl Drop for Stand {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A cookie-keeping client for the server (cookies are kept for the server's origin only,
/// as a browser would; the hub's pages are fetched without them).
pub struct Browser {
    pub base: String,
    pub http: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
    /// Every `Set-Cookie` header the server sent, verbatim.
    pub set_cookies: Vec<String>,
}

impl Browser {
    /// A browser with no cookies, for the server at `base` (`http://127.0.0.1:PORT`).
    pub fn new(base: &str) -> Browser {
        Browser {
            base: base.to_owned(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(120))
                .build()
                .unwrap(),
            cookies: BTreeMap::new(),
            set_cookies: Vec::new(),
        }
    }

    fn keep_cookies(&mut self, response: &Response) {
        for header in response.headers().get_all(SET_COOKIE) {
            let text = header.to_str().unwrap().to_owned();
            let pair = text.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            let expired = text.to_ascii_lowercase().contains("max-age=0");
            if expired || value.is_empty() {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
            self.set_cookies.push(text);
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// `GET` a server path (or full server URL) with the cookies.
    pub async fn get(&mut self, path: &str) -> Response {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        };
        let response = self
            .http
            .get(url)
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep_cookies(&response);
        response
    }

    /// `GET` a page of the hub (no server cookies).
    pub async fn get_hub(&self, url: &str) -> Response {
        self.http.get(url).send().await.unwrap()
    }

    /// Calls a server function with its arguments struct, as the browser does (JSON body,
    /// JSON answer); returns the status and the body text.
    pub async fn call<T: serde::Serialize>(
        &mut self,
        endpoint: &str,
        args: &T,
    ) -> (StatusCode, String) {
        self.call_with(endpoint, args, &[]).await
    }

    /// Calls a server function as [`Browser::call`] does, with extra request headers (an
    /// `Origin`, fetch metadata) as another site's page would make the browser send.
    pub async fn call_with<T: serde::Serialize>(
        &mut self,
        endpoint: &str,
        args: &T,
        headers: &[(&str, &str)],
    ) -> (StatusCode, String) {
        let path = format!("/api/fn/{endpoint}");
        let body = serde_json::to_string(args).unwrap();
        let mut all = vec![("accept", "application/json")];
        all.extend_from_slice(headers);
        self.post(&path, "application/json", body, &all).await
    }

    /// `POST`s a URL-encoded `body` to a server path with the cookies and `headers`, as a
    /// plain HTML form does; returns the status and the body text.
    pub async fn post_form(
        &mut self,
        path: &str,
        body: &str,
        headers: &[(&str, &str)],
    ) -> (StatusCode, String) {
        self.post(
            path,
            "application/x-www-form-urlencoded",
            body.to_owned(),
            headers,
        )
        .await
    }

    /// `POST`s `body` of `content_type` with the cookies and `headers`; keeps the cookies
    /// the answer sets and returns its status and text.
    async fn post(
        &mut self,
        path: &str,
        content_type: &str,
        body: String,
        headers: &[(&str, &str)],
    ) -> (StatusCode, String) {
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .header("content-type", content_type)
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        self.keep_cookies(&response);
        let status = response.status();
        (status, response.text().await.unwrap())
    }

    /// Starts signing in: `/login`, returning the hub's consent URL.
    pub async fn start_login(&mut self) -> String {
        self.start_login_at("/login").await
    }

    /// Starts signing in at `path` (`/login?next=…`), returning the hub's consent URL.
    pub async fn start_login_at(&mut self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{response:?}");
        location(&response)
    }

    /// Signs in through the consent page as `user`; `granted` overrides the scopes the user
    /// grants (all requested ones when `None`).
    pub async fn sign_in(&mut self, user: &str, granted: Option<&str>) -> Response {
        let consent = self.start_login().await;
        let page = self.get_hub(&consent).await;
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(html.contains(&format!("Sign in as {user}")), "{html}");
        let callback = self.consent(&consent, user, granted).await;
        let response = self.get(&callback).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{response:?}");
        response
    }

    /// Answers the consent page as `user`; returns the callback URL the hub redirects to.
    pub async fn consent(&self, consent_url: &str, user: &str, granted: Option<&str>) -> String {
        let mut url = url::Url::parse(consent_url).unwrap();
        url.query_pairs_mut().append_pair("user", user);
        if let Some(scopes) = granted {
            url.query_pairs_mut().append_pair("grant", scopes);
        }
        let response = self.get_hub(url.as_str()).await;
        assert!(response.status().is_redirection(), "{response:?}");
        location(&response)
    }
}

/// The `Location` of a redirect.
pub fn location(response: &Response) -> String {
    response
        .headers()
        .get(LOCATION)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned()
}
