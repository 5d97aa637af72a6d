//! `GET /api/runs/{owner}/{run_id}/stream`: a run, live, as Server-Sent Events (names and
//! payloads in [`app::api::stream`]). Each viewer is looked up with their own token when
//! they connect (no access, 404) and sent what came before: the newest part of
//! `events.jsonl` (read once, with their token), the state and Job they found, and the log
//! lines so far; then the live messages of the run's one upstream, shared by all its
//! viewers ([`super::stream_upstream`]). Events are sent once each (by `seq`), only after
//! `Last-Event-ID` when the browser reconnects, and `end` closes the stream once the run
//! is over. Each stream holds a slot ([`super::stream_slots`]) while it is live, and
//! connects in its turn (a few at a time).

use super::stream_slots::StreamSlot;
use super::stream_upstream::{Message, Replay, Watching};
use crate::services::Services;
use app::api::runs::{access::RunLocation, read};
use app::api::server::viewer::{end_session_on_401, require_viewer_in};
use app::api::ApiError;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::Stream;
use runs::Event;
use std::collections::VecDeque;
use std::convert::Infallible;
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
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, StreamError> {
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
    let before = std::mem::take(&mut watching.before);
    let history = read::events(&services.api, &run, &token)
        .await
        .unwrap_or_default();
    let mut sent = Sent { after: resume };
    let mut first = sent.history(history, &before);
    first.extend(run.state.as_ref().and_then(|state| {
        let json = serde_json::to_string(state).ok()?;
        Some(Message::State(json.into()))
    }));
    first.extend(
        run.job
            .as_ref()
            .and_then(|job| Message::job(&services.api, job)),
    );
    first.extend(before.logs.into_iter().map(Message::Log));
    drop(turn);
    let viewer = Viewer {
        first,
        sent,
        watching,
        _slot: slot,
        done: false,
    };
    let events = futures_util::stream::unfold(viewer, |mut viewer| async move {
        viewer.next().await.map(|event| (Ok(event), viewer))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
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

    /// The events before joining, in order, once each: those of `events.jsonl` and those
    /// the upstream saw in the log (which may be newer), after the resume point.
    fn history(&mut self, read: Vec<Event>, replay: &Replay) -> VecDeque<Message> {
        let mut all: Vec<(u64, Message)> = read
            .iter()
            .filter_map(|e| Some((e.seq, Message::event(e)?)))
            .collect();
        all.extend(
            replay
                .events
                .iter()
                .map(|(seq, json)| (*seq, Message::Event(*seq, json.clone()))),
        );
        all.sort_by_key(|(seq, _)| *seq);
        all.into_iter()
            .filter(|(seq, _)| self.is_new(*seq))
            .map(|(_, m)| m)
            .collect()
    }
}

/// One viewer's stream: what came before it joined, then the run's live messages.
struct Viewer {
    first: VecDeque<Message>,
    sent: Sent,
    watching: Watching,
    _slot: StreamSlot,
    done: bool,
}

impl Viewer {
    /// The next SSE event to send; `None` once the run ended, or when the viewer fell so
    /// far behind that messages were lost (its browser reconnects and reads again).
    async fn next(&mut self) -> Option<SseEvent> {
        if self.done {
            return None;
        }
        if let Some(message) = self.first.pop_front() {
            return Some(message.sse());
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
            return Some(message.sse());
        }
    }
}
