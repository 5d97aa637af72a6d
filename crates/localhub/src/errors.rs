//! Errors in the Hub's shape: JSON `{"error": msg}` plus `X-Error-Code` / `X-Error-Message`.
//!
//! The official client maps `X-Error-Code` to its exceptions, so every failure goes through here.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

/// An HTTP error answered the way the Hub answers it.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The `X-Error-Code` value, when the Hub sends one.
    pub code: Option<&'static str>,
    /// Human-readable message (never contains a token).
    pub message: String,
    /// Extra JSON fields merged into the body (e.g. `url` on a 409).
    pub extra: Option<serde_json::Value>,
}

impl ApiError {
    /// A plain error with a status and message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code: None,
            message: message.into(),
            extra: None,
        }
    }
    /// Adds the `X-Error-Code` header value.
    pub fn code(mut self, code: &'static str) -> Self {
        self.code = Some(code);
        self
    }
    /// 401 for a missing or unknown token.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "Invalid credentials in Authorization header",
        )
    }
    /// 404 RepoNotFound, also used for private repos of other users (as the Hub does).
    pub fn repo_not_found(kind: &str, id: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, format!("{kind} {id} not found")).code("RepoNotFound")
    }
    /// 404 EntryNotFound for a missing file.
    pub fn entry_not_found(path: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, format!("Entry not found: {path}")).code("EntryNotFound")
    }
    /// 400 with a message.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    /// 409 that carries the existing resource's `url`, which clients with `exist_ok` read.
    pub fn conflict_with_url(message: impl Into<String>, url: String) -> Self {
        let mut e = Self::new(StatusCode::CONFLICT, message);
        e.extra = Some(serde_json::json!({ "url": url }));
        e
    }
    /// 500 for local failures (I/O).
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
}

impl From<std::io::Error> for ApiError {
    fn from(e: std::io::Error) -> Self {
        Self::internal(format!("storage error: {e}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = serde_json::json!({ "error": self.message });
        if let (Some(serde_json::Value::Object(extra)), Some(obj)) =
            (self.extra, body.as_object_mut())
        {
            obj.extend(extra);
        }
        let mut resp = (self.status, Json(body)).into_response();
        let headers = resp.headers_mut();
        if let Some(code) = self.code {
            headers.insert("x-error-code", HeaderValue::from_static(code));
        }
        let ascii: String = self
            .message
            .chars()
            .filter(|c| c.is_ascii() && !c.is_control())
            .collect();
        if let Ok(v) = HeaderValue::from_str(&ascii) {
            headers.insert("x-error-message", v);
        }
        resp
    }
}

/// Result type for handlers.
pub type ApiResult<T> = Result<T, ApiError>;
