//! One upstream per live run: the server follows a run's Job log once, whatever the number
//! of its viewers, and fans what it learns out to all of them (a [`broadcast`] of messages
//! encoded once, and one copy of what came before for the viewers who join late).
//! `state.json` is read with its ETag (a `304` while it is unchanged), on a backoff while
//! the Job runs, and sooner after the worker logged an event; the Job only
//! until it runs and once its log ends. The last viewer leaving stops the upstream (and
//! closes its log stream); the run ending sends `end` to all and stops it too.
//!
//! The upstream reads as the viewer who opened it. Every viewer's access was checked with
//! that viewer's own token before joining ([`super::stream`]), and viewers who found a
//! different Job (or none) for the run share a different upstream, so nobody is sent a log
//! their token cannot read.

use super::stream_frame;
use app::api::runs::access::{RunLocation, StateRead};
use app::api::runs::read;
use app::api::server::Services as ApiServices;
use app::api::stream::{names, LogMessage};
use axum::body::Bytes;
use futures_util::StreamExt;
use hub::jobs::{FollowLogs, JobInfo};
use hub::sse::{HubStream, LogLine};
use hub::Token;
use runs::{Event, RunId};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;
use tokio::sync::{broadcast, Notify};
use tokio::time::Instant;

/// The first read of `state.json` after the upstream opens.
const STATE_FIRST: Duration = Duration::from_secs(2);

/// The shortest gap between two reads of `state.json` while the Job runs (a read follows an
/// event no sooner than this after the last one). The worker rewrites the file every few
/// seconds (its cost meter), so while a run is live this gap is what the reads cost: three
/// a minute, within the Hub budget of six requests a minute per run with the log stream and
/// the Job's reads.
const STATE_GAP: Duration = Duration::from_secs(20);

/// The longest gap between two reads of `state.json` while nothing changes.
const STATE_MAX_GAP: Duration = Duration::from_secs(60);

/// How often `state.json` is read once the Job ended, until it says the run is over.
const SETTLE_GAP: Duration = Duration::from_secs(2);

/// How long after the Job ended `state.json` is still read for its final word (a real
/// bucket mount uploads files some seconds after they are closed).
const SETTLE: Duration = Duration::from_secs(30);

/// The first look at a Job that does not run yet; the gap doubles up to [`JOB_MAX_GAP`].
const JOB_FIRST: Duration = Duration::from_secs(2);

/// The longest gap between two looks at a Job that does not run yet (or whose log ended).
const JOB_MAX_GAP: Duration = Duration::from_secs(30);

/// The most worker events kept for viewers who join later.
const REPLAY_EVENTS: usize = 1_000;

/// Messages a slow viewer may fall behind by before its stream is closed (its browser
/// reconnects and reads the history again).
const CHANNEL: usize = 512;

/// One message for every viewer of a run, encoded once into its SSE frame
/// ([`super::stream_frame`]), which every viewer sends as it is.
#[derive(Debug, Clone)]
pub enum Message {
    /// A worker event: its `seq` and its frame.
    Event(u64, Bytes),
    /// A plain log line, as [`LogMessage`] JSON.
    Log(Bytes),
    /// `state.json`, changed.
    State(Bytes),
    /// The Job, in a new stage, as [`app::api::JobView`] JSON.
    Job(Bytes),
    /// The run is over.
    End,
}

impl Message {
    /// The message's SSE frame.
    pub fn frame(&self) -> Bytes {
        match self {
            Message::Event(_, frame)
            | Message::Log(frame)
            | Message::State(frame)
            | Message::Job(frame) => frame.clone(),
            Message::End => stream_frame::encode(names::END, None, "end"),
        }
    }

    /// A worker event's message.
    pub fn event(event: &Event) -> Option<Message> {
        let json = serde_json::to_string(event).ok()?;
        let frame = stream_frame::encode(names::EVENT, Some(event.seq), &json);
        Some(Message::Event(event.seq, frame))
    }

    /// A plain log line's message.
    pub fn log(line: &LogMessage) -> Option<Message> {
        let json = serde_json::to_string(line).ok()?;
        Some(Message::Log(stream_frame::encode(names::LOG, None, &json)))
    }

    /// The message of `state.json`, as JSON.
    pub fn state(json: &str) -> Message {
        Message::State(stream_frame::encode(names::STATE, None, json))
    }

    /// The Job's message.
    pub fn job(services: &ApiServices, job: &JobInfo) -> Option<Message> {
        let json = serde_json::to_string(&read::job_view(services, job)).ok()?;
        Some(Message::Job(stream_frame::encode(names::JOB, None, &json)))
    }
}

/// What a viewer joining late is sent before the live messages: the run's log lines and
/// worker events so far (the newest of them). One copy is shared by all the viewers who
/// join between two messages.
#[derive(Debug, Default)]
pub struct Replay {
    /// Plain log lines, newest [`app::components::live_run::MAX_LOG_LINES`].
    pub logs: Vec<Message>,
    /// Worker events seen in the log, newest [`REPLAY_EVENTS`], by `seq`.
    pub events: Vec<(u64, Message)>,
    /// How many older events were dropped to keep only the newest.
    pub dropped_events: u64,
}

/// The replay as the upstream keeps it, and the copy its viewers share until it changes.
#[derive(Debug, Default)]
struct ReplayLog {
    logs: VecDeque<Message>,
    events: VecDeque<(u64, Message)>,
    dropped_events: u64,
    shared: Option<Arc<Replay>>,
}

impl ReplayLog {
    /// The replay now, copied once for all who ask before the next message.
    fn snapshot(&mut self) -> Arc<Replay> {
        let ReplayLog {
            logs,
            events,
            dropped_events,
            shared,
        } = self;
        shared
            .get_or_insert_with(|| {
                let mut events: Vec<_> = events.iter().cloned().collect();
                events.sort_by_key(|(seq, _)| *seq);
                Arc::new(Replay {
                    logs: logs.iter().cloned().collect(),
                    events,
                    dropped_events: *dropped_events,
                })
            })
            .clone()
    }
}

/// The run's `events.jsonl` as one viewer read it (with its own token) for all who join
/// after: its events' messages by `seq`, and how many events the replay had dropped when
/// it was read (a viewer whose replay dropped more reads it again, so none is missed).
#[derive(Debug, Clone)]
struct History {
    events: Arc<[(u64, Message)]>,
    dropped_events: u64,
}

/// Which upstream a viewer shares: the run, and the Job its token found (or none).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct RunKey {
    owner: String,
    run_id: RunId,
    job: Option<String>,
}

impl RunKey {
    fn of(run: &RunLocation) -> RunKey {
        RunKey {
            owner: run.owner.clone(),
            run_id: run.run_id,
            job: run.job.as_ref().map(|j| j.id.clone()),
        }
    }
}

/// One run followed for its viewers.
#[derive(Debug)]
pub struct LiveRun {
    key: RunKey,
    replay: Mutex<ReplayLog>,
    history: tokio::sync::Mutex<Option<History>>,
    tx: broadcast::Sender<Message>,
    stop: Notify,
}

impl LiveRun {
    /// Sends `message` to every viewer, keeping it for later ones when it is a log line or
    /// an event.
    fn publish(&self, message: Message) {
        let mut replay = self.replay.lock().unwrap_or_else(|e| e.into_inner());
        match &message {
            Message::Log(_) => {
                replay.logs.push_back(message.clone());
                if replay.logs.len() > app::components::live_run::MAX_LOG_LINES {
                    replay.logs.pop_front();
                }
                replay.shared = None;
            }
            Message::Event(seq, _) => {
                replay.events.push_back((*seq, message.clone()));
                if replay.events.len() > REPLAY_EVENTS {
                    replay.events.pop_front();
                    replay.dropped_events += 1;
                }
                replay.shared = None;
            }
            _ => {}
        }
        let _ = self.tx.send(message);
    }

    /// [`publish`](Self::publish), when there is a message.
    fn publish_some(&self, message: Option<Message>) {
        if let Some(message) = message {
            self.publish(message);
        }
    }
}

/// The runs followed now, each with its number of viewers.
#[derive(Debug, Default)]
pub struct LiveRuns {
    runs: Mutex<HashMap<RunKey, (Arc<LiveRun>, usize)>>,
    history_reads: AtomicU64,
}

/// A viewer's place among a run's viewers: the live messages from when it joined, and what
/// came before ([`Replay`], copied at the same moment, so nothing is missed or doubled).
/// Dropping it leaves; the last to leave stops the upstream.
#[derive(Debug)]
pub struct Watching {
    /// The messages from the moment of joining.
    pub rx: broadcast::Receiver<Message>,
    /// Log lines and events before it.
    pub before: Arc<Replay>,
    live: Arc<LiveRun>,
    runs: Arc<LiveRuns>,
}

impl LiveRuns {
    /// Joins the viewers of `run` (found with the viewer's own token), starting its
    /// upstream, which reads with `token`, when it has none.
    pub fn join(
        self: &Arc<Self>,
        services: &Arc<ApiServices>,
        run: &RunLocation,
        token: &Token,
    ) -> Watching {
        let key = RunKey::of(run);
        let mut runs = self.runs.lock().unwrap_or_else(|e| e.into_inner());
        let (live, viewers) = runs.entry(key.clone()).or_insert_with(|| {
            let (tx, _) = broadcast::channel(CHANNEL);
            let live = Arc::new(LiveRun {
                key,
                replay: Mutex::default(),
                history: tokio::sync::Mutex::default(),
                tx,
                stop: Notify::new(),
            });
            tokio::spawn(follow(
                services.clone(),
                live.clone(),
                run.clone(),
                token.clone(),
                Arc::downgrade(self),
            ));
            (live, 0)
        });
        *viewers += 1;
        let live = live.clone();
        drop(runs);
        let mut replay = live.replay.lock().unwrap_or_else(|e| e.into_inner());
        let rx = live.tx.subscribe();
        let before = replay.snapshot();
        drop(replay);
        Watching {
            rx,
            before,
            live,
            runs: self.clone(),
        }
    }

    /// How many times a run's `events.jsonl` was read for its viewers, all runs together.
    pub fn history_reads(&self) -> u64 {
        self.history_reads.load(Ordering::Relaxed)
    }

    /// How many runs are followed now.
    pub fn followed(&self) -> usize {
        self.runs.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Forgets `live` (it ended or lost its viewers), unless another took its place.
    fn forget(&self, live: &Arc<LiveRun>) {
        let mut runs = self.runs.lock().unwrap_or_else(|e| e.into_inner());
        if runs
            .get(&live.key)
            .is_some_and(|(held, _)| Arc::ptr_eq(held, live))
        {
            runs.remove(&live.key);
        }
    }
}

impl Watching {
    /// The run's `events.jsonl` (its newest part), read once for all its viewers: by the
    /// first who asks, with `token`, and again only when events may have been dropped
    /// from the replay since (see [`History`]). Empty when it cannot be read.
    pub async fn history(
        &self,
        services: &ApiServices,
        run: &RunLocation,
        token: &Token,
    ) -> Arc<[(u64, Message)]> {
        let mut held = self.live.history.lock().await;
        if let Some(history) = held
            .as_ref()
            .filter(|h| self.before.dropped_events <= h.dropped_events)
        {
            return history.events.clone();
        }
        self.runs.history_reads.fetch_add(1, Ordering::Relaxed);
        let Ok(read) = read::events(services, run, token).await else {
            return Arc::from([]);
        };
        let mut events: Vec<(u64, Message)> = read
            .iter()
            .filter_map(|e| Some((e.seq, Message::event(e)?)))
            .collect();
        events.sort_by_key(|(seq, _)| *seq);
        let events: Arc<[(u64, Message)]> = events.into();
        *held = Some(History {
            events: events.clone(),
            dropped_events: self.before.dropped_events,
        });
        events
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        let mut runs = self.runs.runs.lock().unwrap_or_else(|e| e.into_inner());
        let Some((held, viewers)) = runs.get_mut(&self.live.key) else {
            return;
        };
        if !Arc::ptr_eq(held, &self.live) {
            return;
        }
        *viewers -= 1;
        if *viewers == 0 {
            runs.remove(&self.live.key);
            self.live.stop.notify_one();
        }
    }
}

/// When `state.json` is read next, and how long to wait after that.
struct StateSchedule {
    next: Instant,
    gap: Duration,
    last_read: Option<Instant>,
}

impl StateSchedule {
    /// After a read: soon again when it changed, later and later while it does not.
    fn read(&mut self, changed: bool, settling: bool) {
        let now = Instant::now();
        self.last_read = Some(now);
        self.gap = if settling {
            SETTLE_GAP
        } else if changed {
            STATE_GAP
        } else {
            (self.gap * 2).clamp(STATE_GAP, STATE_MAX_GAP)
        };
        self.next = now + self.gap;
    }

    /// The worker logged an event: its state likely moved, so read it within [`STATE_GAP`]
    /// of the last read.
    fn nudge(&mut self) {
        let soon = self.last_read.map_or(Instant::now(), |t| t + STATE_GAP);
        if soon < self.next {
            self.next = soon.max(Instant::now());
            self.gap = STATE_GAP;
        }
    }
}

/// The upstream of one run: follows its Job's log and reads its state and Job as they may
/// change, publishing what changed, until the run is over or no viewer is left.
async fn follow(
    services: Arc<ApiServices>,
    live: Arc<LiveRun>,
    run: RunLocation,
    token: Token,
    runs: Weak<LiveRuns>,
) {
    let mut upstream = Upstream::open(&services, run, token);
    while !upstream.is_over() {
        tokio::select! {
            () = live.stop.notified() => return,
            line = next_line(&mut upstream.logs) => upstream.on_line(&live, line),
            () = tokio::time::sleep_until(upstream.state.next) => {
                upstream.read_state(&services, &live).await;
            }
            () = sleep_until(upstream.job_next) => upstream.read_job(&services, &live).await,
        }
    }
    if let Some(runs) = runs.upgrade() {
        runs.forget(&live);
    }
    live.publish(Message::End);
}

/// What the upstream of one run knows and when it looks again.
struct Upstream {
    run: RunLocation,
    token: Token,
    logs: Option<HubStream<LogLine>>,
    /// Plain log lines seen: their numbering starts with the log, as the stream reads it
    /// from its start.
    log_lines: u64,
    state: StateSchedule,
    /// When the Job is looked at next: while it does not run yet, and once its log ended.
    job_next: Option<Instant>,
    job_gap: Duration,
    job_over_since: Option<Instant>,
    /// The state as last read, as its viewers were sent it.
    state_json: Option<String>,
}

impl Upstream {
    fn open(services: &ApiServices, run: RunLocation, token: Token) -> Upstream {
        let logs = run.job.as_ref().map(|job| {
            services.hub.follow_job_logs(
                run.job_namespace(),
                &job.id,
                FollowLogs::default(),
                &token,
            )
        });
        let job_over = run.job.as_ref().is_some_and(|j| j.status.is_terminal());
        let running = run
            .job
            .as_ref()
            .is_some_and(|j| j.status.stage == hub::jobs::JobStage::Running);
        let state_over = run.state.as_ref().is_some_and(|s| s.status.is_terminal());
        let now = Instant::now();
        Upstream {
            job_next: (run.job.is_some() && !job_over && !running).then(|| now + JOB_FIRST),
            job_gap: JOB_FIRST,
            job_over_since: job_over.then_some(now),
            state: StateSchedule {
                next: if state_over {
                    now + STATE_MAX_GAP
                } else {
                    now + STATE_FIRST
                },
                gap: STATE_FIRST,
                last_read: None,
            },
            logs,
            log_lines: 0,
            state_json: run
                .state
                .as_ref()
                .and_then(|s| serde_json::to_string(s).ok()),
            run,
            token,
        }
    }

    /// Whether the run is over: its Job ended (or there is none to follow), its log was
    /// read to the end, and `state.json` says so or had its time to.
    fn is_over(&self) -> bool {
        let job_done = self.run.job.is_none() || self.job_over_since.is_some();
        let state_over = self
            .run
            .state
            .as_ref()
            .is_some_and(|s| s.status.is_terminal());
        let settled = state_over || self.job_over_since.is_some_and(|t| t.elapsed() > SETTLE);
        job_done && self.logs.is_none() && settled
    }

    fn on_line(&mut self, live: &LiveRun, line: Option<hub::HubResult<LogLine>>) {
        match line {
            Some(Ok(line)) => {
                let message = match Event::from_log_line(&line.data) {
                    Some(event) => {
                        self.state.nudge();
                        Message::event(&event)
                    }
                    None => {
                        let message = LogMessage {
                            n: self.log_lines,
                            line: line.data,
                        };
                        self.log_lines += 1;
                        Message::log(&message)
                    }
                };
                live.publish_some(message);
                // A Job that logs runs: look at it now rather than at its next turn.
                if self.job_next.is_some() && self.job_gap > JOB_FIRST {
                    self.job_next = Some(Instant::now());
                }
            }
            Some(Err(err)) => {
                tracing::warn!(run = %self.run.run_id, error = %err, "job log stream ended");
                self.log_ended();
            }
            None => self.log_ended(),
        }
    }

    /// The log ended: the Job most likely did; look at it, and at the state, now.
    fn log_ended(&mut self) {
        self.logs = None;
        if self.job_over_since.is_none() {
            self.job_next = Some(Instant::now());
            self.job_gap = JOB_FIRST;
        }
        self.state.next = Instant::now();
    }

    async fn read_job(&mut self, services: &ApiServices, live: &LiveRun) {
        let Some(current) = &self.run.job else {
            self.job_next = None;
            return;
        };
        let job = match services
            .hub
            .job(self.run.job_namespace(), &current.id, &self.token)
            .await
        {
            Ok(job) => Some(job),
            Err(hub::HubError::NotFound { .. } | hub::HubError::Forbidden { .. }) => None,
            Err(err) => {
                tracing::warn!(run = %self.run.run_id, error = %err, "reading the run's Job");
                self.job_gap = (self.job_gap * 2).min(JOB_MAX_GAP);
                self.job_next = Some(Instant::now() + self.job_gap);
                return;
            }
        };
        let Some(job) = job else {
            // The Job is gone: nothing more to follow of it.
            self.job_over_since.get_or_insert_with(Instant::now);
            self.job_next = None;
            return;
        };
        if job.status.stage != current.status.stage {
            live.publish_some(Message::job(services, &job));
            self.job_gap = JOB_FIRST;
        } else {
            self.job_gap = (self.job_gap * 2).min(JOB_MAX_GAP);
        }
        let over = job.status.is_terminal();
        let running = job.status.stage == hub::jobs::JobStage::Running;
        self.run.job = Some(job);
        if over {
            self.job_over_since.get_or_insert_with(Instant::now);
            self.job_next = None;
            self.state.next = Instant::now();
        } else if running && self.logs.is_some() {
            self.job_next = None;
        } else {
            self.job_next = Some(Instant::now() + self.job_gap);
        }
    }

    async fn read_state(&mut self, services: &ApiServices, live: &LiveRun) {
        let read = self
            .run
            .state_if_changed(services, self.run.state_etag.as_deref(), &self.token)
            .await;
        let settling = self.job_over_since.is_some();
        match read {
            Ok(StateRead::Changed(read)) => {
                let json = read
                    .state
                    .as_ref()
                    .and_then(|s| serde_json::to_string(s).ok());
                let changed = json.is_some() && json != self.state_json;
                if changed {
                    live.publish_some(json.as_deref().map(Message::state));
                    self.state_json = json;
                }
                self.run.state = read.state;
                self.run.state_etag = read.etag;
                self.state.read(changed, settling);
            }
            Ok(StateRead::Unchanged) => self.state.read(false, settling),
            Err(err) => {
                tracing::warn!(run = %self.run.run_id, error = %err, "reading the run's state");
                self.state.read(false, settling);
            }
        }
        let state_over = self
            .run
            .state
            .as_ref()
            .is_some_and(|s| s.status.is_terminal());
        if state_over && self.job_over_since.is_some() {
            self.state.next = Instant::now() + STATE_MAX_GAP;
        }
    }
}

/// The next log line, or never when there is no log stream.
async fn next_line(logs: &mut Option<HubStream<LogLine>>) -> Option<hub::HubResult<LogLine>> {
    match logs {
        Some(stream) => stream.next().await,
        None => std::future::pending().await,
    }
}

/// Sleeps until `at`, or forever when there is no `at`.
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unchanged_state_is_read_less_and_less_often_until_an_event_brings_it_closer() {
        let mut schedule = StateSchedule {
            next: Instant::now(),
            gap: STATE_FIRST,
            last_read: None,
        };
        let mut gaps = Vec::new();
        for _ in 0..5 {
            schedule.read(false, false);
            gaps.push(schedule.gap.as_secs());
        }
        assert_eq!(gaps, [20, 40, 60, 60, 60]);
        schedule.nudge();
        let soon = schedule.next - schedule.last_read.unwrap();
        assert_eq!(
            soon, STATE_GAP,
            "an event brings the next read within the gap"
        );
        schedule.read(true, false);
        assert_eq!(schedule.gap, STATE_GAP, "a change keeps the gap short");
        schedule.read(false, true);
        assert_eq!(
            schedule.gap, SETTLE_GAP,
            "once the Job ended, read often for a while"
        );
    }
}
