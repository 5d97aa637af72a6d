//! A recording OpenAI-compatible endpoint, standing for one a user typed as the agent's
//! `agent_base_url`: it keeps every request it receives (headers and body) and answers each
//! with the stand's scripted model, which it reaches with a credential of its own.

use axum::body::{to_bytes, Body};
use axum::http::{Request, Response};
use std::sync::{Arc, Mutex};

/// One request as the endpoint received it.
#[derive(Debug, Clone)]
pub struct Received {
    /// `METHOD /path`.
    pub line: String,
    /// Every header, `name: value`.
    pub headers: Vec<String>,
    /// The body, as text.
    pub body: String,
}

impl Received {
    /// Whether `needle` is anywhere in the request.
    pub fn contains(&self, needle: &str) -> bool {
        self.line.contains(needle)
            || self.headers.iter().any(|h| h.contains(needle))
            || self.body.contains(needle)
    }

    /// The `authorization` header's value, when there is one.
    pub fn authorization(&self) -> Option<&str> {
        self.headers
            .iter()
            .find_map(|h| h.strip_prefix("authorization: "))
    }
}

/// The endpoint, serving on a loopback port until dropped.
pub struct RecordingEndpoint {
    /// Its base URL, ending in `/v1`.
    pub base_url: String,
    received: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl RecordingEndpoint {
    /// Serves answers from `upstream` (a `/v1` base URL) reached with `upstream_key`.
    pub async fn start(upstream: String, upstream_key: String) -> RecordingEndpoint {
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        let client = reqwest::Client::new();
        let app = axum::Router::new().fallback(move |request: Request<Body>| {
            let (log, client, upstream, key) = (
                log.clone(),
                client.clone(),
                upstream.clone(),
                upstream_key.clone(),
            );
            async move {
                let (parts, body) = request.into_parts();
                let body = to_bytes(body, usize::MAX).await.unwrap_or_default();
                log.lock().unwrap().push(Received {
                    line: format!("{} {}", parts.method, parts.uri),
                    headers: parts
                        .headers
                        .iter()
                        .map(|(k, v)| format!("{k}: {}", String::from_utf8_lossy(v.as_bytes())))
                        .collect(),
                    body: String::from_utf8_lossy(&body).into_owned(),
                });
                let path = parts
                    .uri
                    .path()
                    .strip_prefix("/v1")
                    .unwrap_or(parts.uri.path());
                let answer = client
                    .request(parts.method, format!("{upstream}{path}"))
                    .bearer_auth(key)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                let status = answer.status();
                let content_type = answer
                    .headers()
                    .get("content-type")
                    .cloned()
                    .unwrap_or_else(|| "application/json".parse().unwrap());
                let bytes = answer.bytes().await.unwrap_or_default();
                Response::builder()
                    .status(status)
                    .header("content-type", content_type)
                    .body(Body::from(bytes))
                    .unwrap()
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}/v1", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        RecordingEndpoint {
            base_url,
            received,
            task,
        }
    }

    /// Every request received so far, in order.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

impl Drop for RecordingEndpoint {
    fn drop(&mut self) {
        self.task.abort();
    }
}
