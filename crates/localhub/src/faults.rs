//! Fault injection for tests: set at start (builder) or at runtime with
//! `POST /_localhub/faults` (JSON [`FaultConfig`]); `GET` returns the current config.

use std::sync::Mutex;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::errors::ApiError;
use crate::AppState;

/// A burst of error answers on one route.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Burst {
    /// HTTP method to match (e.g. "GET"); any when absent.
    #[serde(default)]
    pub method: Option<String>,
    /// Path prefix to match (e.g. "/api/whoami-v2").
    pub path_prefix: String,
    /// Status to answer: 503 or 429 typically.
    pub status: u16,
    /// How many requests get the error; decremented on each.
    pub count: u32,
}

/// Which faults are active.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct FaultConfig {
    /// Kept for old configs: the 401 on `POST /api/spaces/{id}/hardware` for OAuth tokens
    /// is no longer a fault but always on, as on the Hub ([`crate::auth::scopes`]).
    #[serde(default)]
    pub hardware_401_for_oauth: bool,
    /// 402 Payment Required on Space creation (every time while set).
    #[serde(default)]
    pub space_create_402: bool,
    /// The next Space builds end in BUILD_ERROR (while set).
    #[serde(default)]
    pub force_build_error: bool,
    /// Every Space build takes at least this many milliseconds (0: as long as preparing
    /// its environment does), as the Hub's image builds take minutes: a run stays live
    /// that long, for what must be watched over a while (the benchmarks' Hub requests
    /// per minute).
    #[serde(default)]
    pub build_at_least_ms: u64,
    /// Error bursts on routes.
    #[serde(default)]
    pub bursts: Vec<Burst>,
    /// Answers lost on the way back: the request is carried out, then its answer is
    /// replaced by this status (a proxy that timed out after the Hub acted).
    #[serde(default)]
    pub lost_answers: Vec<Burst>,
}

/// The live fault configuration, and how often each writing route was asked (so tests can
/// prove a client did not retry a write). Reads are not counted: their paths (every file
/// of every repo and bucket) are countless, and this hub runs as long as the factory does.
#[derive(Debug, Default)]
pub struct Faults(
    Mutex<FaultConfig>,
    Mutex<std::collections::HashMap<String, u32>>,
);

impl Faults {
    /// Starts with the given config.
    pub fn new(cfg: FaultConfig) -> Self {
        Self(Mutex::new(cfg), Mutex::default())
    }
    /// How many requests `METHOD path` received so far; always 0 for GET and HEAD.
    pub fn hits(&self, method: &str, path: &str) -> u32 {
        let key = format!("{} {path}", method.to_ascii_uppercase());
        self.1.lock().expect("hits").get(&key).copied().unwrap_or(0)
    }
    fn count(&self, method: &str, path: &str) {
        if method == "GET" || method == "HEAD" {
            return;
        }
        *self
            .1
            .lock()
            .expect("hits")
            .entry(format!("{method} {path}"))
            .or_default() += 1;
    }
    /// A copy of the config.
    pub fn get(&self) -> FaultConfig {
        self.0.lock().expect("faults").clone()
    }
    /// Replaces the config.
    pub fn set(&self, cfg: FaultConfig) {
        *self.0.lock().expect("faults") = cfg;
    }
    /// The 402 error for Space creation, if enabled.
    pub fn take_space_create_fault(&self) -> Option<ApiError> {
        self.get().space_create_402.then(|| {
            ApiError::new(
                StatusCode::PAYMENT_REQUIRED,
                crate::plans::CPU_SPACE_NEEDS_PRO,
            )
        })
    }
    /// Whether builds are forced to fail.
    pub fn force_build_error(&self) -> bool {
        self.get().force_build_error
    }
    /// The least time a Space build takes.
    pub fn build_at_least(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.get().build_at_least_ms)
    }
    fn take_burst(&self, method: &str, path: &str) -> Option<u16> {
        Self::take_from(&mut self.0.lock().expect("faults").bursts, method, path)
    }
    fn take_lost_answer(&self, method: &str, path: &str) -> Option<u16> {
        Self::take_from(
            &mut self.0.lock().expect("faults").lost_answers,
            method,
            path,
        )
    }
    fn take_from(bursts: &mut [Burst], method: &str, path: &str) -> Option<u16> {
        let b = bursts.iter_mut().find(|b| {
            b.count > 0
                && path.starts_with(&b.path_prefix)
                && b.method
                    .as_deref()
                    .is_none_or(|m| m.eq_ignore_ascii_case(method))
        })?;
        b.count -= 1;
        Some(b.status)
    }
}

/// Middleware answering burst errors before the real handler, and losing answers after it.
pub async fn burst_layer(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let (method, path) = (
        req.method().as_str().to_owned(),
        req.uri().path().to_owned(),
    );
    if path.starts_with("/_localhub") {
        return next.run(req).await;
    }
    s.faults.count(&method, &path);
    if let Some(status) = s.faults.take_burst(&method, &path) {
        return injected(status);
    }
    let answer = next.run(req).await;
    match s.faults.take_lost_answer(&method, &path) {
        Some(status) => injected(status),
        None => answer,
    }
}

fn injected(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let mut r = ApiError::new(status, format!("injected fault: {status}")).into_response();
    if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE {
        r.headers_mut()
            .insert("retry-after", "1".parse().expect("static"));
    }
    r
}

/// `POST /_localhub/faults`: replace the fault config.
pub async fn set_faults(
    State(s): State<AppState>,
    Json(cfg): Json<FaultConfig>,
) -> Json<FaultConfig> {
    s.faults.set(cfg.clone());
    Json(cfg)
}

/// `GET /_localhub/faults`.
pub async fn get_faults(State(s): State<AppState>) -> Json<FaultConfig> {
    Json(s.faults.get())
}
