//! A scripted HTTP server on 127.0.0.1 for fault tests, standing in for localhub's fault
//! injection until it lands: it answers a fixed sequence of statuses and counts requests
//! and the `Authorization` headers it saw.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{HeaderMap, Request, Response, StatusCode};
use axum::Router;

/// What the server saw.
#[derive(Default)]
pub struct Seen {
    pub count: AtomicUsize,
    pub auth: Mutex<Vec<Option<String>>>,
    /// `METHOD path?query` of each request.
    pub requests: Mutex<Vec<String>>,
    /// Body of each request.
    pub bodies: Mutex<Vec<String>>,
    /// `content-type` and `range` headers of each request.
    pub content_types: Mutex<Vec<Option<String>>>,
    pub ranges: Mutex<Vec<Option<String>>>,
}

/// One scripted answer: status, extra headers, body.
pub type Answer = (u16, Vec<(&'static str, &'static str)>, &'static str);

/// Starts a server that answers request N with `script[N]` (the last entry repeats).
/// Each entry is (status, extra headers, body).
pub async fn scripted(script: Vec<Answer>) -> (String, Arc<Seen>) {
    let seen = Arc::new(Seen::default());
    let s2 = seen.clone();
    let script = Arc::new(script);
    let app = Router::new().fallback(move |headers: HeaderMap, req: Request<Body>| {
        let seen = s2.clone();
        let script = script.clone();
        async move {
            let line = format!(
                "{} {}",
                req.method(),
                req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("")
            );
            let h = |n: &str| {
                headers
                    .get(n)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            seen.content_types.lock().unwrap().push(h("content-type"));
            seen.ranges.lock().unwrap().push(h("range"));
            let body = axum::body::to_bytes(req.into_body(), 64 << 20)
                .await
                .unwrap();
            seen.requests.lock().unwrap().push(line);
            seen.bodies
                .lock()
                .unwrap()
                .push(String::from_utf8_lossy(&body).into_owned());
            let n = seen.count.fetch_add(1, Ordering::SeqCst);
            seen.auth.lock().unwrap().push(
                headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
            );
            let (status, hdrs, body) = &script[n.min(script.len() - 1)];
            let mut r = Response::builder().status(StatusCode::from_u16(*status).unwrap());
            for (k, v) in hdrs {
                r = r.header(*k, *v);
            }
            r.body(Body::from(*body)).unwrap()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}
