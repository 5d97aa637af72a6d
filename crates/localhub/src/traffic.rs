//! How much a client asks of this hub: every request counted by method, route (the
//! pattern it matched, e.g. `/api/jobs/{ns}/{id}/logs`, so the counts stay few however many
//! files and Jobs there are) and answer status, and how many event streams of each route
//! are open right now. Tests and the benchmarks read it (`GET /_localhub/traffic`,
//! [`crate::RunningHub::traffic`]) to see what a client costs the Hub, whose API is rate
//! limited per account.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::Response;
use axum::Json;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use crate::AppState;

/// Requests of one method, route and status, and the event streams of that route still
/// open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteTraffic {
    /// `GET`, `POST`, …
    pub method: String,
    /// The route pattern the request matched (its path when it matched none).
    pub route: String,
    /// The answer's status.
    pub status: u16,
    /// How many requests got that answer.
    pub count: u64,
    /// How many of those answers are event streams still being sent.
    pub open_streams: u64,
}

/// Method, route and status.
type Key = (String, String, u16);

/// Per key: answers so far, and event streams of them still open.
type Counts = Arc<Mutex<BTreeMap<Key, (u64, u64)>>>;

/// Every answer so far, by method, route and status.
#[derive(Debug, Default)]
pub struct Traffic(Counts);

impl Traffic {
    /// The counts now, sorted by method, route and status.
    pub fn snapshot(&self) -> Vec<RouteTraffic> {
        let counts = self.0.lock().unwrap_or_else(|e| e.into_inner());
        counts
            .iter()
            .map(|((method, route, status), (count, open))| RouteTraffic {
                method: method.clone(),
                route: route.clone(),
                status: *status,
                count: *count,
                open_streams: *open,
            })
            .collect()
    }

    fn record(&self, key: &Key, stream: bool) {
        let mut counts = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let entry = counts.entry(key.clone()).or_default();
        entry.0 += 1;
        entry.1 += u64::from(stream);
    }
}

/// An event stream's place in the open count, given back when its body is dropped (sent
/// to its end, or its client went away).
struct OpenStream {
    counts: Counts,
    key: Key,
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = counts.get_mut(&self.key) {
            entry.1 = entry.1.saturating_sub(1);
        }
    }
}

/// Middleware counting each answer; an event stream's body carries its open count.
pub async fn count_layer(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let method = req.method().as_str().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| req.uri().path().to_owned());
    if route.starts_with("/_localhub") {
        return next.run(req).await;
    }
    let started = std::time::Instant::now();
    tracing::trace!(%method, %route, "hub request");
    let answer = next.run(req).await;
    tracing::debug!(%method, %route, status = answer.status().as_u16(), ms = started.elapsed().as_millis() as u64, "hub answer");
    let key = (method, route, answer.status().as_u16());
    let stream = answer
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
    s.traffic.record(&key, stream);
    if !stream {
        return answer;
    }
    let open = OpenStream {
        counts: s.traffic.0.clone(),
        key,
    };
    let (parts, body) = answer.into_parts();
    let body = body.into_data_stream().map(move |chunk| {
        let _held = &open;
        chunk
    });
    Response::from_parts(parts, Body::from_stream(body))
}

/// `GET /_localhub/traffic`: the counts as JSON ([`RouteTraffic`] rows).
pub async fn get_traffic(State(s): State<AppState>) -> Json<Vec<RouteTraffic>> {
    Json(s.traffic.snapshot())
}
