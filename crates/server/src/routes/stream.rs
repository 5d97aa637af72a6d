//! `GET /api/runs/{owner}/{run_id}/stream`: a run, live, as Server-Sent Events (names and
//! payloads in [`app::api::stream`]). Each viewer is looked up with their own token when
//! they connect (no access, 404) and sent what came before: the newest part of
//! `events.jsonl` (read once per run, by the first viewer with their token, and shared),
//! the state and Job they found, and the log lines so far; then the live messages of the
//! run's one upstream, shared by all its viewers ([`super::stream_upstream`]), each
//! encoded once and sent as the same bytes to all ([`super::stream_frame`]). Events are sent once each (by `seq`), only after
//! `Last-Event-ID` when the browser reconnects, and `end` closes the stream once the run
//! is over. Each stream holds a slot ([`super::stream_slots`]) while it is live, and
//! connects in its turn (a few at a time).

use super::stream_frame;
use super::stream_slots::StreamSlot;
use super::stream_upstream::{Message, Replay, Watching};
use crate::services::Services;
use app::api::runs::access::RunLocation;
use app::api::server::viewer::{end_session_on_401, require_viewer_in};
use app::api::ApiError;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;
use tower_sessions::Session;

/// The stream route.
pub fn router() -> Router<Arc<Services>> {
    Router::new().route("/api/runs/{owner}/{run_id}/stream", get(stream))
}

/// A refused stream, as a status code and the error's sentence.
#[derive(Debug)]
pub struct StreamError(ApiError);

impl IntoResponse for StreamError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.http_status()).unwrap_or(StatusCode::BAD_GATEWAY);
        (status, self.0.to_string()).into_response()
    }
}

async fn stream(
    State(services): State<Arc<Services>>,
    session: Session,
    Path((owner, run_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, StreamError> {
    let viewer = require_viewer_in(&session).await.map_err(StreamError)?;
    let session_key = session.id().map(|id| id.to_string()).unwrap_or_default();
    let slot = services.streams.take(&session_key).map_err(StreamError)?;
    let turn = services.streams.connecting().await;
    let found = RunLocation::find(&services.api, &viewer, &owner, &run_id).await;
    let run = end_session_on_401(Some(&session), found)
        .await
        .map_err(StreamError)?;
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let token = viewer.token();
    // Joined before the history is read, so an event logged meanwhile is in one or the
    // other (and sent once, by its `seq`).
    let mut watching = services.live.join(&services.api, &run, &token);
    let history = watching.history(&services.api, &run, &token).await;
    let found = [
        run.state
            .as_ref()
            .and_then(|state| Some(Message::state(&serde_json::to_string(state).ok()?))),
        run.job
            .as_ref()
            .and_then(|job| Message::job(&services.api, job)),
    ];
    let before = std::mem::take(&mut watching.before);
    drop(turn);
    let viewer = Viewer {
        first: Some(First {
            history,
            before,
            found,
            stage: Stage::Events {
                history: 0,
                replay: 0,
            },
        }),
        sent: Sent { after: resume },
        watching,
        _slot: slot,
        done: false,
    };
    let frames = futures_util::stream::unfold(viewer, |mut viewer| async move {
        viewer.next().await.map(|frame| (frame, viewer))
    });
    Ok(stream_frame::response(frames))
}

/// What one viewer was sent of the run's events, so none is sent twice: the highest `seq`
/// (events come in order; the history read at connect may run ahead of the log).
struct Sent {
    after: Option<u64>,
}

impl Sent {
    fn is_new(&mut self, seq: u64) -> bool {
        let new = self.after.is_none_or(|after| seq > after);
        if new {
            self.after = Some(seq);
        }
        new
    }
}

/// What a viewer is sent before the live messages, read in place from what all the run's
/// viewers share: the events of `events.jsonl` and those the upstream saw in the log (which
/// may be newer), merged by `seq` and after the resume point; then the state and Job this
/// viewer found; then the log lines so far.
struct First {
    history: Arc<[(u64, Message)]>,
    before: Arc<Replay>,
    found: [Option<Message>; 2],
    stage: Stage,
}

/// Where a viewer is in [`First`].
enum Stage {
    /// The next event of each source.
    Events { history: usize, replay: usize },
    /// The next of the state and Job.
    Found(usize),
    /// The next log line.
    Logs(usize),
}

impl First {
    /// The next message, or `None` once all were sent.
    fn next(&mut self, sent: &mut Sent) -> Option<Message> {
        loop {
            match &mut self.stage {
                Stage::Events { history, replay } => {
                    let from_history = self.history.get(*history);
                    let from_replay = self.before.events.get(*replay);
                    let (seq, message) = match (from_history, from_replay) {
                        (Some(h), Some(r)) if r.0 < h.0 => {
                            *replay += 1;
                            r
                        }
                        (Some(h), _) => {
                            *history += 1;
                            h
                        }
                        (None, Some(r)) => {
                            *replay += 1;
                            r
                        }
                        (None, None) => {
                            self.stage = Stage::Found(0);
                            continue;
                        }
                    };
                    if sent.is_new(*seq) {
                        return Some(message.clone());
                    }
                }
                Stage::Found(next) => match self.found.get_mut(*next) {
                    Some(found) => {
                        *next += 1;
                        if let Some(message) = found.take() {
                            return Some(message);
                        }
                    }
                    None => self.stage = Stage::Logs(0),
                },
                Stage::Logs(next) => {
                    let line = self.before.logs.get(*next)?;
                    *next += 1;
                    return Some(line.clone());
                }
            }
        }
    }
}

/// One viewer's stream: what came before it joined, then the run's live messages.
struct Viewer {
    /// Until all of it was sent (then dropped, so the shared copies can go).
    first: Option<First>,
    sent: Sent,
    watching: Watching,
    _slot: StreamSlot,
    done: bool,
}

impl Viewer {
    /// The next SSE frame to send; `None` once the run ended, or when the viewer fell so
    /// far behind that messages were lost (its browser reconnects and reads again).
    async fn next(&mut self) -> Option<Bytes> {
        if self.done {
            return None;
        }
        if let Some(first) = &mut self.first {
            match first.next(&mut self.sent) {
                Some(message) => return Some(message.frame()),
                None => self.first = None,
            }
        }
        loop {
            let message = match self.watching.rx.recv().await {
                Ok(message) => message,
                Err(RecvError::Lagged(missed)) => {
                    tracing::info!(
                        missed,
                        "a run stream fell behind; it is closed to reconnect"
                    );
                    return None;
                }
                Err(RecvError::Closed) => return None,
            };
            match &message {
                Message::Event(seq, _) if !self.sent.is_new(*seq) => continue,
                Message::End => self.done = true,
                _ => {}
            }
            return Some(message.frame());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::stream_frame;

    fn event(seq: u64) -> (u64, Message) {
        let frame = stream_frame::encode("event", Some(seq), &seq.to_string());
        (seq, Message::Event(seq, frame))
    }

    fn names(first: &mut First, sent: &mut Sent) -> Vec<String> {
        std::iter::from_fn(|| first.next(sent))
            .map(|m| match m {
                Message::Event(seq, _) => format!("event {seq}"),
                Message::Log(_) => "log".into(),
                Message::State(_) => "state".into(),
                Message::Job(_) => "job".into(),
                Message::End => "end".into(),
            })
            .collect()
    }

    #[test]
    fn the_shared_history_and_replay_are_sent_merged_by_seq_once_each_after_the_resume_point() {
        let before = Arc::new(Replay {
            logs: vec![Message::Log(stream_frame::encode("log", None, "{}"))],
            events: vec![event(2), event(3), event(4), event(6)],
            dropped_events: 0,
        });
        let history: Arc<[(u64, Message)]> = vec![event(1), event(2), event(3), event(5)].into();
        let mut first = First {
            history,
            before,
            found: [Some(Message::state("{}")), None],
            stage: Stage::Events {
                history: 0,
                replay: 0,
            },
        };
        let mut sent = Sent { after: Some(1) };
        assert_eq!(
            names(&mut first, &mut sent),
            ["event 2", "event 3", "event 4", "event 5", "event 6", "state", "log"]
        );
        assert!(
            !sent.is_new(6),
            "the live messages go on after the last one sent"
        );
    }
}
