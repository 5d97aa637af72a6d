//! Server-sent events: turns a streaming response into a stream of parsed events
//! (via `eventsource-stream`), with a per-read idle timeout so a silent stream cannot hang
//! a caller forever.

use std::time::Duration;

use eventsource_stream::Eventsource;
use futures_util::{Stream, StreamExt};

use crate::error::{HubError, HubResult};

/// A boxed stream of Hub results, what every streaming method returns.
pub type HubStream<T> = std::pin::Pin<Box<dyn Stream<Item = HubResult<T>> + Send>>;

/// One SSE event: `event:` name (`message` when absent) and `data:` text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` field, `"message"` by default.
    pub event: String,
    /// The `data:` field (lines joined with `\n`).
    pub data: String,
}

/// Parses a response body as SSE. Each item waits at most `idle` for the next event
/// (keep-alive comments do not count as events but do reset nothing: callers choose an
/// `idle` longer than the server's keep-alive period).
pub(crate) fn events(
    resp: reqwest::Response,
    idle: Duration,
) -> impl Stream<Item = HubResult<SseEvent>> + Send + Unpin {
    let inner = resp.bytes_stream().eventsource();
    Box::pin(futures_util::stream::unfold(
        (inner, false),
        move |(mut inner, done)| async move {
            if done {
                return None;
            }
            match tokio::time::timeout(idle, inner.next()).await {
                Err(_) => Some((
                    Err(HubError::Timeout(format!(
                        "no event on the stream for {} s",
                        idle.as_secs_f32()
                    ))),
                    (inner, true),
                )),
                Ok(None) => None,
                Ok(Some(Err(e))) => Some((
                    Err(HubError::Network(format!("event stream broke: {e}"))),
                    (inner, true),
                )),
                Ok(Some(Ok(ev))) => Some((
                    Ok(SseEvent {
                        event: if ev.event.is_empty() {
                            "message".to_owned()
                        } else {
                            ev.event
                        },
                        data: ev.data,
                    }),
                    (inner, false),
                )),
            }
        },
    ))
}

/// A log line as the Hub streams it for Jobs and Spaces: `data: {"data": …, "timestamp": …}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct LogLine {
    /// The line's text.
    pub data: String,
    /// ISO-8601 time the Hub stamped it with.
    #[serde(default)]
    pub timestamp: Option<String>,
}

impl LogLine {
    /// Whether this is the `===== Job started … =====` banner the Hub puts at the head of a
    /// Job's log (not something the Job printed).
    pub fn is_job_start_banner(&self) -> bool {
        self.data.starts_with("===== Job started")
    }
}

/// How long a log stream may stay silent before a read gives up. The Hub sends keep-alive
/// comments on quiet streams, not on a schedule a client can rely on; huggingface_hub waits
/// 5 s, so nothing here waits less.
pub const LOG_IDLE: Duration = Duration::from_secs(5);

/// Parses one log event. What is not a log line is skipped (`None`), as huggingface_hub
/// does: empty keep-alive `data:` events, `[DONE]`, and the odd `data:` line that is not
/// a JSON log object; one such line must not end a stream.
pub(crate) fn log_line(ev: &SseEvent) -> HubResult<Option<LogLine>> {
    let d = ev.data.trim();
    if d.is_empty() {
        return Ok(None);
    }
    match serde_json::from_str(d) {
        Ok(line) => Ok(Some(line)),
        Err(err) => {
            tracing::debug!(%err, "skipping a log event that is not a log line");
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_lines_parse_and_keepalives_are_skipped() {
        let ev = SseEvent {
            event: "message".into(),
            data: r#"{"data":"hello","timestamp":"2026-11-25T06:41:51.928085Z"}"#.into(),
        };
        let l = log_line(&ev).unwrap().unwrap();
        assert_eq!(l.data, "hello");
        let ka = SseEvent {
            event: "message".into(),
            data: String::new(),
        };
        assert!(log_line(&ka).unwrap().is_none());
        for odd in ["nope", "[DONE]", "{\"unexpected\": 1}", "{\"data\": 3}"] {
            let ev = SseEvent {
                event: "message".into(),
                data: odd.into(),
            };
            assert_eq!(log_line(&ev).unwrap(), None, "{odd}");
        }
    }
}
