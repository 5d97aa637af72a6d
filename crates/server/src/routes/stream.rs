//! `GET /api/runs/{owner}/{run_id}/stream`: a run, live, as Server-Sent Events (names and
//! payloads in [`app::api::stream`]). Job status and the worker's marked events come from
//! the Job's log stream; durable events and `state.json` from the bucket. Events are sent
//! once each (by `seq`), only after `Last-Event-ID` when the browser reconnects, and `end`
//! closes the stream once the run is over. Only the viewer's own token is used. Each stream
//! holds a slot ([`super::stream_slots`]) while it is live.

use crate::services::Services;
use app::api::runs::{access::RunLocation, read};
use app::api::server::viewer::{end_session_on_401, require_viewer_in};
use app::api::server::Services as ApiServices;
use app::api::stream::{names, LogMessage};
use app::api::ApiError;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::{Stream, StreamExt};
use hub::jobs::FollowLogs;
use hub::Token;
use runs::Event;
use std::collections::HashSet;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tower_sessions::Session;

/// How often the Job and the bucket are read while a run is live.
const POLL: Duration = Duration::from_secs(2);

/// How long after the Job ended the bucket is still read for the final `state.json` (a
/// real bucket mount uploads files some seconds after they are closed).
const SETTLE: Duration = Duration::from_secs(30);

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
    let found = RunLocation::find(&services.api, &viewer, &owner, &run_id).await;
    let run = end_session_on_401(Some(&session), found)
        .await
        .map_err(StreamError)?;
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(async move {
        pump(services.api.clone(), run, viewer.token(), resume, tx).await;
        drop(slot);
    });
    let events = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|event| (Ok(event), rx))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

/// What has been sent, so nothing is sent twice.
struct Sent {
    resume_after: Option<u64>,
    seqs: HashSet<u64>,
    stage: Option<hub::jobs::JobStage>,
    state: Option<String>,
}

impl Sent {
    fn is_new(&mut self, event: &Event) -> bool {
        self.resume_after.is_none_or(|after| event.seq > after) && self.seqs.insert(event.seq)
    }
}

fn event_message(event: &Event) -> Option<SseEvent> {
    SseEvent::default()
        .event(names::EVENT)
        .id(event.seq.to_string())
        .json_data(event)
        .ok()
}

/// Feeds one browser's stream until the run is over or the browser goes away.
async fn pump(
    services: Arc<ApiServices>,
    run: RunLocation,
    token: Token,
    resume_after: Option<u64>,
    tx: mpsc::Sender<SseEvent>,
) {
    let mut sent = Sent {
        resume_after,
        seqs: HashSet::new(),
        stage: None,
        state: None,
    };
    let mut logs = run.job.as_ref().map(|job| {
        services
            .hub
            .follow_job_logs(&run.owner, &job.id, FollowLogs::default(), &token)
    });
    let mut job_over_since: Option<Instant> = None;
    // Plain log lines sent so far: their numbering restarts with each stream, as the log does.
    let mut log_lines: u64 = 0;
    let mut tick = tokio::time::interval(POLL);
    loop {
        tokio::select! {
            _ = tx.closed() => return,
            line = next_line(&mut logs) => match line {
                Some(Ok(line)) => {
                    let message = match Event::from_log_line(&line.data) {
                        Some(event) if sent.is_new(&event) => event_message(&event),
                        Some(_) => None,
                        None => {
                            let message = LogMessage { n: log_lines, line: line.data };
                            log_lines += 1;
                            SseEvent::default().event(names::LOG).json_data(&message).ok()
                        }
                    };
                    if let Some(message) = message {
                        if tx.send(message).await.is_err() {
                            return;
                        }
                    }
                }
                Some(Err(err)) => {
                    tracing::warn!(run = %run.run_id, error = %err, "job log stream ended");
                    logs = None;
                }
                None => logs = None,
            },
            _ = tick.tick() => {
                let Ok(state_over) = poll(&services, &run, &token, &mut sent, &tx, &mut job_over_since).await else {
                    return;
                };
                let job_done = run.job.is_none() || job_over_since.is_some();
                let settled = state_over
                    || job_over_since.is_some_and(|t| t.elapsed() > SETTLE);
                if job_done && logs.is_none() && settled {
                    let _ = tx.send(SseEvent::default().event(names::END).data("end")).await;
                    return;
                }
            }
        }
    }
}

/// The next log line, or never when there is no log stream.
async fn next_line(
    logs: &mut Option<hub::sse::HubStream<hub::sse::LogLine>>,
) -> Option<hub::HubResult<hub::sse::LogLine>> {
    match logs {
        Some(stream) => stream.next().await,
        None => std::future::pending().await,
    }
}

/// Reads the Job and the bucket once and sends what changed. `Ok(true)` when `state.json`
/// says the run is over; `Err` when the browser went away.
async fn poll(
    services: &ApiServices,
    run: &RunLocation,
    token: &Token,
    sent: &mut Sent,
    tx: &mpsc::Sender<SseEvent>,
    job_over_since: &mut Option<Instant>,
) -> Result<bool, ()> {
    let (job, state, events) = tokio::join!(
        run.refresh_job(services, token),
        run.refresh_state(services, token),
        read::events(services, run, token)
    );
    let state = match (&job, state) {
        (Ok(job), Ok(state)) => run.settle_state(services, token, job.as_ref(), state).await,
        (_, state) => state,
    };
    // Events, then the state, then the Job's stage: a browser never sees a Job that ended
    // without the worker's word when the word was in the same look.
    let mut messages = Vec::new();
    if let Ok(events) = events {
        for event in events.iter().filter(|e| sent.is_new(e)) {
            messages.extend(event_message(event));
        }
    }
    let mut over = false;
    if let Ok(Some(state)) = &state {
        over = state.status.is_terminal();
        let json = serde_json::to_string(state).unwrap_or_default();
        if sent.state.as_deref() != Some(json.as_str()) {
            sent.state = Some(json.clone());
            messages.push(SseEvent::default().event(names::STATE).data(json));
        }
    }
    if let Ok(Some(job)) = &job {
        if sent.stage.as_ref() != Some(&job.status.stage) {
            sent.stage = Some(job.status.stage.clone());
            messages.extend(
                SseEvent::default()
                    .event(names::JOB)
                    .json_data(read::job_view(services, job))
                    .ok(),
            );
        }
        if job.status.is_terminal() && job_over_since.is_none() {
            *job_over_since = Some(Instant::now());
        }
    }
    for message in messages {
        tx.send(message).await.map_err(|_| ())?;
    }
    Ok(over)
}
