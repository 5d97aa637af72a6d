//! The Spaces proxy: every Space's app is reached through a host of its own (on the Hub,
//! `https://{subdomain}.hf.space`; here a loopback port per Space, bound once and kept for
//! the Space's life), never at the app's port directly.
//!
//! What it does, as the Hub's proxy does (gradio PR #11700; hub-docs
//! `spaces-api-endpoints.md`; gradio_client sends its token as `X-HF-Authorization` for
//! this reason):
//! - a private Space answers only a request whose `X-HF-Authorization: Bearer …` or
//!   `Authorization: Bearer …` carries a token that may read it; anything else is a 404
//!   (the Space's existence is not revealed);
//! - `X-HF-Authorization` is removed before the request reaches the app;
//! - `Authorization` is passed through to the app's own code;
//! - a Space whose app is not up answers 503.
//!
//! The request and answer bodies are streamed both ways (Gradio's results are SSE), and
//! redirects are passed back to the caller, not followed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::task::JoinHandle;

use crate::store::RepoKind;
use crate::AppState;

/// The header gradio_client sends its token in; the proxy strips it.
pub const HF_AUTHORIZATION: &str = "x-hf-authorization";

/// Headers that describe one hop of a connection and are never forwarded.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// One Space's proxy listener.
#[derive(Debug)]
struct ProxyHost {
    port: u16,
    task: JoinHandle<()>,
}

/// Every Space's proxy host, keyed by Space id.
#[derive(Debug, Default)]
pub struct SpaceProxies(Mutex<HashMap<String, ProxyHost>>);

impl SpaceProxies {
    /// The Space's host (`http://127.0.0.1:<port>`), binding its proxy on first use.
    pub fn host_for(&self, s: &AppState, id: &str) -> std::io::Result<String> {
        let mut hosts = self.0.lock().expect("proxies");
        if let Some(host) = hosts.get(id) {
            return Ok(host_url(host.port));
        }
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let app = axum::Router::new()
            .fallback(forward)
            .with_state(ProxyState {
                hub: s.clone(),
                space: Arc::from(id),
            });
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        hosts.insert(id.to_owned(), ProxyHost { port, task });
        Ok(host_url(port))
    }

    /// Closes the Space's host (the Space was deleted).
    pub fn forget(&self, id: &str) {
        if let Some(host) = self.0.lock().expect("proxies").remove(id) {
            host.task.abort();
        }
    }

    /// Closes every host (the hub stops).
    pub fn stop_all(&self) {
        for (_, host) in self.0.lock().expect("proxies").drain() {
            host.task.abort();
        }
    }
}

fn host_url(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}

/// What one proxy listener serves.
#[derive(Clone)]
struct ProxyState {
    hub: AppState,
    space: Arc<str>,
}

/// The bearer token of `X-HF-Authorization`, else of `Authorization`.
fn space_token(headers: &HeaderMap) -> Option<&str> {
    let bearer = |name: &str| {
        let value = headers.get(name)?.to_str().ok()?;
        value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .map(str::trim)
    };
    bearer(HF_AUTHORIZATION).or_else(|| bearer("authorization"))
}

/// May this request reach the Space's app? Public Spaces: always; private ones: with a
/// token of someone who may read the Space.
fn admitted(s: &AppState, space: &str, headers: &HeaderMap) -> bool {
    let caller = space_token(headers).and_then(|t| s.accounts.authenticate(t));
    crate::repos::find(s, RepoKind::Space, space, caller.as_ref()).is_ok()
}

async fn forward(State(proxy): State<ProxyState>, request: Request) -> Response {
    let s = &proxy.hub;
    let space = &*proxy.space;
    if !admitted(s, space, request.headers()) {
        return (
            StatusCode::NOT_FOUND,
            "404: this Space does not exist or you may not see it",
        )
            .into_response();
    }
    let Some(port) = s.spaces.app_port(space) else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{space} is not running: see its runtime stage"),
        )
            .into_response();
    };
    let (parts, body) = request.into_parts();
    let path = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let mut headers = parts.headers;
    let public_host = headers.get("host").cloned();
    strip(&mut headers);
    if let Some(host) = public_host {
        headers.insert("x-forwarded-host", host);
        headers.insert("x-forwarded-proto", "http".parse().expect("static value"));
    }
    let upstream = s
        .proxy_client()
        .request(parts.method, format!("http://127.0.0.1:{port}{path}"))
        .headers(headers)
        .body(reqwest::Body::wrap_stream(body.into_data_stream()))
        .send()
        .await;
    match upstream {
        Ok(answer) => {
            let mut response = Response::builder().status(answer.status().as_u16());
            for (name, value) in answer.headers() {
                if !is_hop_by_hop(name) {
                    response = response.header(name, value);
                }
            }
            response
                .body(Body::from_stream(answer.bytes_stream()))
                .unwrap_or_else(|e| (StatusCode::BAD_GATEWAY, e.to_string()).into_response())
        }
        Err(e) => (
            StatusCode::BAD_GATEWAY,
            format!("{space}'s app did not answer: {e}"),
        )
            .into_response(),
    }
}

/// Removes what must not reach the app: hop-by-hop headers, `Host` (the upstream's is
/// set by the client) and the token header the proxy consumes.
fn strip(headers: &mut HeaderMap) {
    headers.remove("host");
    headers.remove(HF_AUTHORIZATION);
    let hop: Vec<HeaderName> = headers
        .keys()
        .filter(|name| is_hop_by_hop(name))
        .cloned()
        .collect();
    for name in hop {
        headers.remove(name);
    }
}

fn is_hop_by_hop(name: &HeaderName) -> bool {
    HOP_BY_HOP.contains(&name.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_proxy_reads_its_own_header_first_and_removes_it() {
        let mut headers = HeaderMap::new();
        headers.insert(HF_AUTHORIZATION, "Bearer hf_proxy".parse().unwrap());
        headers.insert("authorization", "Bearer hf_app".parse().unwrap());
        headers.insert("connection", "keep-alive".parse().unwrap());
        headers.insert("host", "127.0.0.1:1".parse().unwrap());
        assert_eq!(space_token(&headers), Some("hf_proxy"));
        strip(&mut headers);
        assert!(headers.get(HF_AUTHORIZATION).is_none());
        assert!(headers.get("connection").is_none());
        assert!(headers.get("host").is_none());
        assert_eq!(headers["authorization"], "Bearer hf_app");
    }

    #[test]
    fn authorization_alone_is_accepted_as_the_token() {
        let mut headers = HeaderMap::new();
        headers.insert("authorization", "Bearer hf_app".parse().unwrap());
        assert_eq!(space_token(&headers), Some("hf_app"));
    }
}
