//! The agent's only credentialed way out: a loopback HTTP server inside the worker.
//!
//! Pi holds no secret. It is told a base URL on `127.0.0.1` and a key of the run's own
//! (random, worthless elsewhere); the gateway checks that key, then forwards
//!
//! - model calls (`/v1/…`, streamed both ways) to the real provider with the real key;
//! - when the phase grants it ([`HubGrant`], phase 4's `hf` CLI, whose `HF_ENDPOINT` the
//!   gateway is), the few Hub calls the recipe needs on the run's own Space, with the user's
//!   token: whoami, creating that Space, reading it, preupload and commit to it (and the
//!   README metadata check `hf upload` makes first).
//!
//! Anything else gets 403 and is kept as a [`Refusal`] for the run's record, and so does a
//! commit that holds a secret of the run in any form the redactor knows (as the worker's
//! own uploads are scanned: `space::upload`).

use super::runner::AgentKey;
use crate::engine::Redactor;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use hub::RepoId;
use std::sync::{Arc, Mutex};

/// The largest request body the gateway forwards (a commit of a small app's files).
const MAX_BODY: usize = 256 * 1024 * 1024;

/// What the phase lets the agent do on the Hub: the run's own Space, nothing else.
#[derive(Debug, Clone)]
pub struct HubGrant {
    /// The Hub's base URL (`HF_ENDPOINT` of the worker).
    pub endpoint: String,
    /// The user's token.
    pub token: AgentKey,
    /// The Space the agent is to create and upload.
    pub space: RepoId,
    /// The token's account, when known (a repo created without an organization lands in
    /// its namespace).
    pub user: Option<String>,
    /// The run's secrets: no commit through the gateway may carry one.
    pub secrets: Redactor,
}

/// What the gateway forwards to, and with which keys.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// The provider's OpenAI-compatible base URL, ending in `/v1`.
    pub model_base_url: String,
    /// The provider's key.
    pub model_key: AgentKey,
    /// The Hub calls allowed, if any.
    pub hub: Option<HubGrant>,
}

/// A call the gateway refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The HTTP method.
    pub method: String,
    /// The path, with its query.
    pub path: String,
    /// Why.
    pub reason: String,
}

/// A running gateway; stops when dropped.
#[derive(Debug)]
pub struct Gateway {
    url: String,
    key: String,
    refusals: Arc<Mutex<Vec<Refusal>>>,
    task: tokio::task::JoinHandle<()>,
}

struct Shared {
    config: GatewayConfig,
    key: String,
    client: reqwest::Client,
    refusals: Arc<Mutex<Vec<Refusal>>>,
}

impl Gateway {
    /// Listens on `127.0.0.1` (a free port) and serves until dropped.
    pub async fn start(config: GatewayConfig) -> std::io::Result<Gateway> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let key = format!("space-factory-gateway-{}", random_hex()?);
        let refusals = Arc::new(Mutex::new(Vec::new()));
        let shared = Arc::new(Shared {
            config,
            key: key.clone(),
            client: reqwest::Client::builder()
                .build()
                .map_err(std::io::Error::other)?,
            refusals: refusals.clone(),
        });
        let app = axum::Router::new().fallback(handle).with_state(shared);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Gateway {
            url,
            key,
            refusals,
            task,
        })
    }

    /// `http://127.0.0.1:PORT` (the `HF_ENDPOINT` Pi's `hf` CLI is given).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The model base URL Pi is given: [`Gateway::url`] + `/v1`.
    pub fn model_base_url(&self) -> String {
        format!("{}/v1", self.url)
    }

    /// The key Pi uses with the gateway (no use anywhere else).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The calls refused since the last time.
    pub fn take_refusals(&self) -> Vec<Refusal> {
        std::mem::take(&mut *self.refusals.lock().expect("the refusals lock"))
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn random_hex() -> std::io::Result<String> {
    use std::io::Read;
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let method = request.method().clone();
    let path = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".into());
    let bearer = request
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if bearer != Some(shared.key.as_str()) {
        return (StatusCode::UNAUTHORIZED, "the gateway's key is required").into_response();
    }
    let headers = request.headers().clone();
    let body = match axum::body::to_bytes(request.into_body(), MAX_BODY).await {
        Ok(body) => body,
        Err(e) => {
            return (StatusCode::BAD_REQUEST, format!("unreadable body: {e}")).into_response()
        }
    };
    let config = &shared.config;
    let target = if let Some(rest) = path.strip_prefix("/v1/") {
        Ok((
            format!("{}/{rest}", config.model_base_url.trim_end_matches('/')),
            &config.model_key,
        ))
    } else {
        match &config.hub {
            Some(grant) => allowed(grant, &method, &path, &body).map(|()| {
                (
                    format!("{}{path}", grant.endpoint.trim_end_matches('/')),
                    &grant.token,
                )
            }),
            None => Err("the agent may call only the model".to_owned()),
        }
    };
    match target {
        Ok((url, key)) => forward(&shared.client, method, &url, key, &headers, body).await,
        Err(reason) => {
            let message = format!("refused by the Space Factory gateway: {reason}");
            shared
                .refusals
                .lock()
                .expect("the refusals lock")
                .push(Refusal {
                    method: method.to_string(),
                    path,
                    reason,
                });
            let body = serde_json::json!({ "error": message });
            let mut response = (StatusCode::FORBIDDEN, axum::Json(body)).into_response();
            if let Ok(value) = message.parse() {
                // What the `hf` CLI shows of a refused call.
                response.headers_mut().insert("x-error-message", value);
            }
            response
        }
    }
}

/// Whether the recipe needs this Hub call on the grant's Space; why not, when it does not.
fn allowed(grant: &HubGrant, method: &Method, path: &str, body: &[u8]) -> Result<(), String> {
    let (route, _query) = path.split_once('?').unwrap_or((path, ""));
    let lower = route.to_ascii_lowercase();
    if lower.contains("..")
        || lower.contains("%2e")
        || lower.contains("%2f")
        || lower.contains("//")
    {
        return Err(format!("{route} is not a plain path"));
    }
    let space = grant.space.to_string();
    let own = format!("/api/spaces/{space}");
    let refused = || Err(format!("{method} {route} is not needed to build {space}"));
    match *method {
        Method::GET if route == "/api/whoami-v2" => Ok(()),
        // `hf upload` checks a README's metadata before committing it (no repo involved).
        Method::POST if route == "/api/validate-yaml" => Ok(()),
        Method::GET if route == own || route.starts_with(&format!("{own}/")) => Ok(()),
        Method::POST if route == "/api/repos/create" => creates_the_space(grant, body),
        Method::POST if route.starts_with(&format!("{own}/preupload/")) => Ok(()),
        Method::POST if route.starts_with(&format!("{own}/commit/")) => {
            commit_holds_no_secret(grant, body)
        }
        _ => refused(),
    }
}

/// A commit (NDJSON: a header, then `file` lines, base64 or plain) whose files' paths and
/// contents hold no secret of the run; the refusal names the file.
fn commit_holds_no_secret(grant: &HubGrant, body: &[u8]) -> Result<(), String> {
    use base64::Engine;
    let refusal = |what: &str| {
        Err(format!(
            "{what} holds a secret of this run; the commit to {} was refused",
            grant.space
        ))
    };
    for line in body.split(|&b| b == b'\n') {
        let Ok(entry) = serde_json::from_slice::<serde_json::Value>(line) else {
            continue;
        };
        let value = &entry["value"];
        let path = value["path"].as_str().unwrap_or("a file of the commit");
        let content = value["content"].as_str().unwrap_or_default();
        let decoded = match value["encoding"].as_str() {
            Some("base64") => base64::engine::general_purpose::STANDARD
                .decode(content)
                .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
                .unwrap_or_default(),
            _ => content.to_owned(),
        };
        if grant.secrets.holds_secret(path) || grant.secrets.holds_secret(&decoded) {
            return refusal(path);
        }
    }
    // Whatever the lines were, the body as sent holds none either.
    if grant.secrets.holds_secret(&String::from_utf8_lossy(body)) {
        return refusal("the commit");
    }
    Ok(())
}

/// A `repos/create` body that creates the grant's Space and nothing else.
fn creates_the_space(grant: &HubGrant, body: &[u8]) -> Result<(), String> {
    let json: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let kind = json["type"].as_str().unwrap_or("model");
    let name = json["name"].as_str().unwrap_or_default();
    let namespace = json["organization"]
        .as_str()
        .map(str::to_owned)
        .or_else(|| grant.user.clone())
        .unwrap_or_default();
    if kind == "space" && name == grant.space.name() && namespace == grant.space.owner() {
        Ok(())
    } else {
        Err(format!(
            "creating the {kind} {namespace}/{name}: only the Space {} may be created",
            grant.space
        ))
    }
}

/// Headers not passed on: the credentials (replaced), and what belongs to one connection.
fn passed(name: &HeaderName) -> bool {
    !matches!(
        name.as_str(),
        "authorization"
            | "host"
            | "content-length"
            | "connection"
            | "keep-alive"
            | "transfer-encoding"
            | "accept-encoding"
            | "upgrade"
            | "proxy-authorization"
    )
}

async fn forward(
    client: &reqwest::Client,
    method: Method,
    url: &str,
    key: &AgentKey,
    headers: &HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let mut request = client.request(method, url).bearer_auth(key.expose());
    for (name, value) in headers.iter().filter(|(name, _)| passed(name)) {
        request = request.header(name, value);
    }
    let upstream = match request.body(body).send().await {
        Ok(upstream) => upstream,
        Err(e) => {
            let message = format!("the gateway could not reach the upstream: {e}");
            return (StatusCode::BAD_GATEWAY, message).into_response();
        }
    };
    let mut response = Response::builder().status(upstream.status());
    for (name, value) in upstream.headers().iter().filter(|(name, _)| passed(name)) {
        response = response.header(name, value);
    }
    response
        .body(Body::from_stream(upstream.bytes_stream()))
        .unwrap_or_else(|e| (StatusCode::BAD_GATEWAY, e.to_string()).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant() -> HubGrant {
        HubGrant {
            endpoint: "http://hub".into(),
            token: AgentKey::new("hf_x"),
            space: "alice/app".parse().unwrap(),
            user: Some("alice".into()),
            secrets: Redactor::new(["hf_the_users_own_token".to_owned()]),
        }
    }

    #[test]
    fn a_commit_holding_a_secret_in_a_file_is_refused_naming_the_file() {
        use base64::Engine;
        let g = grant();
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let commit = |path: &str, content: &str| {
            format!(
                "{}\n{}\n",
                r#"{"key":"header","value":{"summary":"app"}}"#,
                serde_json::json!({"key": "file", "value": {"path": path, "content": b64(content), "encoding": "base64"}})
            )
        };
        let route = "/api/spaces/alice/app/commit/main";
        let clean = commit("app.py", "print('hello')\n");
        assert!(allowed(&g, &Method::POST, route, clean.as_bytes()).is_ok());
        for content in [
            "TOKEN = 'hf_the_users_own_token'\n".to_owned(),
            format!("KEY = '{}'\n", b64("hf_the_users_own_token")),
            "the_users_own_token".to_owned(),
        ] {
            let body = commit("notes.txt", &content);
            let why = allowed(&g, &Method::POST, route, body.as_bytes()).unwrap_err();
            assert!(why.starts_with("notes.txt holds a secret"), "{why}");
        }
    }

    #[test]
    fn only_the_runs_own_space_may_be_created_read_and_committed_to() {
        let g = grant();
        let ok = |m: Method, p: &str, b: &str| allowed(&g, &m, p, b.as_bytes()).is_ok();
        assert!(ok(Method::GET, "/api/whoami-v2", ""));
        assert!(ok(Method::POST, "/api/validate-yaml", "{}"));
        assert!(ok(
            Method::POST,
            "/api/repos/create",
            r#"{"type":"space","name":"app","organization":"alice"}"#
        ));
        assert!(ok(
            Method::POST,
            "/api/repos/create",
            r#"{"type":"space","name":"app","organization":null}"#
        ));
        assert!(ok(Method::GET, "/api/spaces/alice/app", ""));
        assert!(ok(Method::GET, "/api/spaces/alice/app/runtime", ""));
        assert!(ok(
            Method::POST,
            "/api/spaces/alice/app/preupload/main",
            "{}"
        ));
        assert!(ok(
            Method::POST,
            "/api/spaces/alice/app/commit/main?create_pr=0",
            "{}"
        ));

        assert!(!ok(
            Method::DELETE,
            "/api/repos/delete",
            r#"{"type":"space","name":"app"}"#
        ));
        assert!(!ok(
            Method::POST,
            "/api/repos/create",
            r#"{"type":"model","name":"app","organization":"alice"}"#
        ));
        assert!(!ok(
            Method::POST,
            "/api/repos/create",
            r#"{"type":"space","name":"other","organization":"alice"}"#
        ));
        assert!(!ok(
            Method::POST,
            "/api/repos/create",
            r#"{"type":"space","name":"app","organization":"evil"}"#
        ));
        assert!(!ok(Method::GET, "/api/spaces/alice/app2", ""));
        assert!(!ok(Method::GET, "/api/spaces/alice/app/../other", ""));
        assert!(!ok(Method::GET, "/api/spaces/alice/app/%2e%2e/other", ""));
        assert!(!ok(
            Method::POST,
            "/api/spaces/alice/other/commit/main",
            "{}"
        ));
        assert!(!ok(Method::PUT, "/api/spaces/alice/app/settings", "{}"));
        assert!(!ok(Method::GET, "/api/models/alice/secret-model", ""));
        assert!(!ok(Method::POST, "/api/spaces/alice/app/secrets", "{}"));
    }
}
