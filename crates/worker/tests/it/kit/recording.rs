//! A model endpoint that keeps every request it receives (line, headers and body) before
//! passing it on to the stand's scripted model: what a provider, or whoever controls it,
//! would see of a run.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use std::sync::{Arc, Mutex};

/// A running recording endpoint; stops when dropped.
pub struct RecordingEndpoint {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Clone)]
struct Upstream {
    base: String,
    key: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl RecordingEndpoint {
    /// Serves on a free loopback port, forwarding to `upstream` (a base URL ending in
    /// `/v1`) with `key`.
    pub async fn start(upstream: &str, key: &str) -> RecordingEndpoint {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/v1", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let state = Upstream {
            base: upstream.trim_end_matches('/').to_owned(),
            key: key.to_owned(),
            requests: requests.clone(),
        };
        let app = axum::Router::new().fallback(relay).with_state(state);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        RecordingEndpoint {
            url,
            requests,
            task,
        }
    }

    /// The base URL to give the run as its `agent_base_url`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Every request so far, as text: method and path, headers, body.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for RecordingEndpoint {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn relay(State(up): State<Upstream>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    let mut seen = format!("{} {}\n", parts.method, parts.uri);
    for (name, value) in &parts.headers {
        seen.push_str(&format!(
            "{name}: {}\n",
            String::from_utf8_lossy(value.as_bytes())
        ));
    }
    seen.push('\n');
    seen.push_str(&String::from_utf8_lossy(&body));
    up.requests.lock().unwrap().push(seen);
    let path = parts.uri.path().trim_start_matches("/v1");
    let answer = reqwest::Client::new()
        .request(parts.method, format!("{}{path}", up.base))
        .bearer_auth(&up.key)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let mut response = Response::builder().status(answer.status());
    if let Some(kind) = answer.headers().get("content-type") {
        response = response.header("content-type", kind);
    }
    response
        .body(Body::from_stream(answer.bytes_stream()))
        .unwrap()
        .into_response()
}
