//! Typed errors carrying the Hub's own message, so callers can branch on the kind
//! (e.g. "manual hardware action required" on 401/403) and show the user what the Hub said.

use reqwest::StatusCode;

/// Everything a Hub call can fail with.
///
/// HTTP failures carry the Hub's message (from `X-Error-Message` or the body's
/// `{"error": …}`) and, when present, its `X-Error-Code` (`RepoNotFound`, …). No variant
/// ever holds a token.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    /// 401: the token is missing, invalid or expired.
    #[error("unauthorized: {message}")]
    Unauthorized {
        /// The Hub's message.
        message: String,
        /// `X-Error-Code`, e.g. `RepoNotFound` (the Hub hides a repo behind a 401 too).
        code: Option<String>,
    },
    /// 403: the token is valid but not allowed (missing scope, no payment method, …).
    #[error("forbidden: {message}")]
    Forbidden {
        /// The Hub's message.
        message: String,
    },
    /// 402: the namespace has no credits / payment method.
    #[error("payment required: {message}")]
    PaymentRequired {
        /// The Hub's message.
        message: String,
    },
    /// 409: the repo / bucket already exists; `url` is what the Hub puts in the 409 body.
    #[error("conflict: {message}")]
    Conflict {
        /// The Hub's message.
        message: String,
        /// The existing resource's URL, when the Hub sent one.
        url: Option<String>,
    },
    /// 404 (repo, entry, job, …).
    #[error("not found: {message}")]
    NotFound {
        /// The Hub's message.
        message: String,
        /// `X-Error-Code`, e.g. `RepoNotFound`, `EntryNotFound`.
        code: Option<String>,
    },
    /// 429 after all retries.
    #[error("rate limited: {message}")]
    RateLimited {
        /// The Hub's message.
        message: String,
        /// When to try again, from `Retry-After` or the `RateLimit` header's reset (`t=`).
        retry_after: Option<std::time::Duration>,
    },
    /// 5xx after all retries.
    #[error("server error {status}: {message}")]
    Server {
        /// The HTTP status.
        status: u16,
        /// The Hub's message.
        message: String,
    },
    /// 400/422 and other 4xx the Hub rejected.
    #[error("bad request ({status}): {message}")]
    BadRequest {
        /// The HTTP status.
        status: u16,
        /// The Hub's message.
        message: String,
    },
    /// The connection failed or timed out (after retries).
    #[error("network error: {0}")]
    Network(String),
    /// The answer did not have the expected shape.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// The caller's input was rejected before any request was sent.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// A Gradio app reported an error for a call (the `gr.Error` message when available).
    #[error("app error: {}", .0.as_deref().unwrap_or("the app raised an error without a message"))]
    App(Option<String>),
    /// A wait (stream read, Space start) ran out of time.
    #[error("timed out: {0}")]
    Timeout(String),
}

impl HubError {
    /// Whether a retry may help (429, 5xx, connection errors, and the 409 the Hub answers
    /// while another operation on the same repo is under way).
    pub fn is_transient(&self) -> bool {
        match self {
            HubError::RateLimited { .. } | HubError::Server { .. } | HubError::Network(_) => true,
            HubError::Conflict { message, .. } => is_conflicting_operation(message),
            _ => false,
        }
    }

    /// How long the Hub asked to wait before the next try (a 429's reset), if it said.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            HubError::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Maps a status and the Hub's message/code to a variant.
    pub(crate) fn from_status(
        status: StatusCode,
        message: String,
        code: Option<String>,
        url: Option<String>,
    ) -> HubError {
        match status.as_u16() {
            401 => HubError::Unauthorized { message, code },
            402 => HubError::PaymentRequired { message },
            403 => HubError::Forbidden { message },
            404 => HubError::NotFound { message, code },
            409 => HubError::Conflict { message, url },
            429 => HubError::RateLimited {
                message,
                retry_after: None,
            },
            s if s >= 500 => HubError::Server { status: s, message },
            s => HubError::BadRequest { status: s, message },
        }
    }

    /// Builds the error from a failed response, reading the Hub's message from
    /// `X-Error-Message`, then the body's `error` / `errors[].message`, then the body text.
    pub(crate) async fn from_response(resp: reqwest::Response) -> HubError {
        let status = resp.status();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let header_msg = header("x-error-message");
        let code = header("x-error-code");
        let wait = header("retry-after")
            .as_deref()
            .and_then(parse_retry_after)
            .or_else(|| {
                header("ratelimit")
                    .as_deref()
                    .and_then(parse_ratelimit_reset)
            });
        let body = resp.text().await.unwrap_or_default();
        let (message, url) = parse_error_body(header_msg, &body, status);
        match HubError::from_status(status, message, code, url) {
            HubError::RateLimited { message, .. } => HubError::RateLimited {
                message,
                retry_after: wait,
            },
            other => other,
        }
    }

    /// Networking failures; reqwest's errors hold the URL, never headers, so no token leaks.
    pub(crate) fn network(e: reqwest::Error) -> HubError {
        if e.is_decode() {
            HubError::Protocol(e.without_url().to_string())
        } else {
            // Include the causes (e.g. "connection refused"); reqwest's errors hold the
            // URL but never headers, so no token can appear here.
            let mut msg = e.to_string();
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                msg.push_str(": ");
                msg.push_str(&s.to_string());
                src = s.source();
            }
            HubError::Network(msg)
        }
    }
}

/// The most a 429 may make a call wait before its next try; a longer reset is given up on.
pub const MAX_RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(60);

/// Whether a 409's message is the Hub's "another conflicting operation is in progress"
/// (concurrent creates of one user are serialized; huggingface_hub retries it).
pub fn is_conflicting_operation(message: &str) -> bool {
    message
        .to_ascii_lowercase()
        .contains("another conflicting operation is in progress")
}

/// `Retry-After` in seconds (the Hub does not send HTTP dates).
fn parse_retry_after(value: &str) -> Option<std::time::Duration> {
    value
        .trim()
        .parse::<u64>()
        .ok()
        .map(std::time::Duration::from_secs)
}

/// The reset (`t=` seconds) of a `RateLimit: "api";r=0;t=42` header.
fn parse_ratelimit_reset(value: &str) -> Option<std::time::Duration> {
    value
        .split([';', ','])
        .filter_map(|part| part.trim().strip_prefix("t="))
        .find_map(|t| t.trim().parse::<u64>().ok())
        .map(std::time::Duration::from_secs)
}

/// Extracts the Hub's message and a `url` (409 bodies) from an error body.
pub(crate) fn parse_error_body(
    header_msg: Option<String>,
    body: &str,
    status: StatusCode,
) -> (String, Option<String>) {
    let json: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let url = json
        .as_ref()
        .and_then(|j| j.get("url"))
        .and_then(|u| u.as_str())
        .map(str::to_owned);
    let body_msg = json.as_ref().and_then(|j| {
        match j.get("error") {
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(serde_json::Value::Array(a)) => Some(
                a.iter()
                    .map(|v| {
                        v.as_str()
                            .map(str::to_owned)
                            .unwrap_or_else(|| v.to_string())
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            _ => None,
        }
        .or_else(|| {
            j.get("errors")?.as_array().map(|a| {
                a.iter()
                    .filter_map(|e| e.get("message")?.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            })
        })
        .or_else(|| j.get("detail").map(|d| d.to_string()))
    });
    let message = header_msg
        .or(body_msg)
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| {
            let trimmed: String = body.chars().take(500).collect();
            if trimmed.trim().is_empty() {
                status.to_string()
            } else {
                trimmed
            }
        });
    (message, url)
}

/// Result alias for Hub calls.
pub type HubResult<T> = Result<T, HubError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_statuses() {
        let m = |s: u16| {
            HubError::from_status(StatusCode::from_u16(s).unwrap(), "m".into(), None, None)
        };
        assert!(matches!(m(401), HubError::Unauthorized { .. }));
        assert!(matches!(m(402), HubError::PaymentRequired { .. }));
        assert!(matches!(m(403), HubError::Forbidden { .. }));
        assert!(matches!(m(404), HubError::NotFound { .. }));
        assert!(matches!(m(409), HubError::Conflict { .. }));
        assert!(matches!(m(429), HubError::RateLimited { .. }));
        assert!(matches!(m(503), HubError::Server { status: 503, .. }));
        assert!(matches!(m(422), HubError::BadRequest { status: 422, .. }));
        assert!(m(503).is_transient() && m(429).is_transient());
        assert!(!m(401).is_transient() && !m(403).is_transient() && !m(409).is_transient());
    }

    #[test]
    fn message_prefers_header_then_body() {
        let s = StatusCode::BAD_REQUEST;
        let (m, _) = parse_error_body(Some("from header".into()), r#"{"error":"from body"}"#, s);
        assert_eq!(m, "from header");
        let (m, _) = parse_error_body(None, r#"{"error":"from body"}"#, s);
        assert_eq!(m, "from body");
        let (m, _) = parse_error_body(None, r#"{"errors":[{"message":"a"},{"message":"b"}]}"#, s);
        assert_eq!(m, "a; b");
        let (m, url) = parse_error_body(
            None,
            r#"{"error":"exists","url":"http://x/spaces/a/b"}"#,
            StatusCode::CONFLICT,
        );
        assert_eq!(m, "exists");
        assert_eq!(url.as_deref(), Some("http://x/spaces/a/b"));
        let (m, _) = parse_error_body(None, "", StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(m, "503 Service Unavailable");
    }
}
