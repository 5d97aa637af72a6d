//! An authenticating reverse proxy in front of a local Gradio app, standing in for the
//! Hub's proxy of a private Space: every request without the right
//! `X-HF-Authorization: Bearer` header gets 401; the rest are forwarded (streaming, for
//! SSE). It counts every request that carried `Authorization`, which the Hub's proxy would
//! pass on to the app's code.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, Response, StatusCode};
use axum::Router;

/// Counts of what the proxy let through and refused.
#[derive(Default)]
pub struct ProxyStats {
    pub forwarded: AtomicUsize,
    pub refused: AtomicUsize,
    /// Requests that carried an `Authorization` header (the app's code would see it).
    pub with_authorization: AtomicUsize,
}

/// Starts the proxy; returns its URL and the counters.
pub async fn start(upstream: String, token: &'static str) -> (String, Arc<ProxyStats>) {
    let stats = Arc::new(ProxyStats::default());
    let s2 = stats.clone();
    let http = reqwest::Client::new();
    let app = Router::new().fallback(move |req: Request<Body>| {
        let stats = s2.clone();
        let http = http.clone();
        let upstream = upstream.clone();
        async move {
            if req.headers().contains_key("authorization") {
                stats.with_authorization.fetch_add(1, Ordering::SeqCst);
            }
            let ok = req
                .headers()
                .get("x-hf-authorization")
                .and_then(|v| v.to_str().ok())
                == Some(&format!("Bearer {token}"));
            if !ok {
                stats.refused.fetch_add(1, Ordering::SeqCst);
                return Response::builder()
                    .status(StatusCode::UNAUTHORIZED)
                    .header(
                        "x-error-message",
                        "Invalid credentials in X-HF-Authorization header",
                    )
                    .body(Body::empty())
                    .unwrap();
            }
            stats.forwarded.fetch_add(1, Ordering::SeqCst);
            let path = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let url = format!("{upstream}{path}");
            let method = reqwest::Method::from_bytes(req.method().as_str().as_bytes()).unwrap();
            let ct = req.headers().get("content-type").cloned();
            let body = axum::body::to_bytes(req.into_body(), 64 << 20)
                .await
                .unwrap();
            let mut fwd = http.request(method, url).body(body.to_vec());
            if let Some(ct) = ct {
                fwd = fwd.header("content-type", ct.to_str().unwrap());
            }
            let resp = fwd.send().await.unwrap();
            let mut out = Response::builder().status(resp.status().as_u16());
            for (k, v) in resp.headers() {
                if k != "transfer-encoding" && k != "content-length" {
                    out = out.header(k.as_str(), v.as_bytes());
                }
            }
            out.body(Body::from_stream(resp.bytes_stream())).unwrap()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, stats)
}
