//! A run as the page shows it while it changes: the page-load [`RunView`] plus what the
//! live stream brought since, merged so each event appears once, in `seq` order.

use crate::api::{JobView, RunView};
use leptos::prelude::*;
use runs::{AgentEvent, Event, RunState, RunStatus};

/// How many Job log lines the logs panel keeps.
pub const MAX_LOG_LINES: usize = 2000;

/// The changing parts of a run, as signals the run page's components read.
#[derive(Clone, Copy)]
pub struct LiveRun {
    /// The Job, as last heard of.
    pub job: RwSignal<Option<JobView>>,
    /// `state.json`, as last heard of.
    pub state: RwSignal<Option<RunState>>,
    /// Every event so far, by `seq`.
    pub events: RwSignal<Vec<Event>>,
    /// Plain Job log lines (not events), oldest first.
    pub logs: RwSignal<Vec<String>>,
    /// How many plain log lines have been received (more than `logs` keeps), so lines a
    /// reconnected stream sends again are recognised by their number.
    pub log_count: RwSignal<u64>,
    /// Whether the live stream is connected.
    pub connected: RwSignal<bool>,
}

impl LiveRun {
    /// Starts from what the page loaded.
    pub fn new(view: &RunView) -> LiveRun {
        let mut events = Vec::new();
        for event in &view.events {
            merge_event(&mut events, event.clone());
        }
        LiveRun {
            job: RwSignal::new(view.job.clone()),
            state: RwSignal::new(view.state.clone()),
            events: RwSignal::new(events),
            logs: RwSignal::new(Vec::new()),
            log_count: RwSignal::new(0),
            connected: RwSignal::new(false),
        }
    }

    /// Adds one streamed event unless it is already there.
    pub fn push_event(&self, event: Event) {
        self.events.update(|events| merge_event(events, event));
    }

    /// Adds log line number `n` unless it was received already, dropping the oldest
    /// beyond [`MAX_LOG_LINES`].
    pub fn push_log(&self, n: u64, line: String) {
        if n < self.log_count.get_untracked() {
            return;
        }
        self.log_count.set(n + 1);
        self.logs.update(|logs| push_capped(logs, line));
    }

    /// Where the run stands: `state.json` and the Job's stage, by [`runs::job::run_status`].
    pub fn status(&self) -> Signal<RunStatus> {
        let this = *self;
        Signal::derive(move || {
            let recorded = this.state.with(|s| s.as_ref().map(|s| s.status));
            this.job.with(|j| {
                let j = j.as_ref();
                runs::job::run_status(
                    recorded,
                    j.map(|j| &j.stage),
                    j.and_then(|j| j.message.as_deref()),
                )
            })
        })
    }
}

/// Appends `line`, dropping the oldest beyond [`MAX_LOG_LINES`].
pub fn push_capped(logs: &mut Vec<String>, line: String) {
    logs.push(line);
    if logs.len() > MAX_LOG_LINES {
        logs.drain(..logs.len() - MAX_LOG_LINES);
    }
}

/// Inserts `event` at its `seq` place; an event already present (same `seq`) is kept once.
pub fn merge_event(events: &mut Vec<Event>, event: Event) {
    match events.binary_search_by_key(&event.seq, |e| e.seq) {
        Ok(_) => {}
        Err(at) => events.insert(at, event),
    }
}

/// Whether an event tells what the coding agent did (an [`AgentEvent`]).
pub fn is_agent_event(event: &Event) -> bool {
    AgentEvent::of(event).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use runs::Level;

    fn event(seq: u64) -> Event {
        Event {
            time: "2026-11-25T08:00:00Z".into(),
            seq,
            stage: "upload".into(),
            level: Level::Info,
            message: format!("event {seq}"),
            data: serde_json::Value::Null,
        }
    }

    #[test]
    fn events_merge_once_each_in_seq_order() {
        let mut events = Vec::new();
        for seq in [2, 0, 1, 2, 0, 3] {
            merge_event(&mut events, event(seq));
        }
        let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [0, 1, 2, 3]);
    }

    #[test]
    fn log_lines_sent_again_after_a_reconnect_are_kept_once() {
        let owner = Owner::new();
        owner.set();
        let view = RunView {
            owner: "alice".into(),
            run_id: "01JDQ7ZK3G8X5V2N4M6P8R0T2W".parse().unwrap(),
            phase: runs::Phase::BucketRoundTrip,
            recipe: None,
            job: None,
            state: None,
            events: vec![],
            report_html: None,
            artifacts: vec![],
            artifacts_truncated: false,
            public_record: false,
            gate: None,
            proof: None,
            can_cancel: false,
            publication: None,
        };
        let live = LiveRun::new(&view);
        for (n, line) in [(0, "a"), (1, "b"), (0, "a"), (1, "b"), (2, "c")] {
            live.push_log(n, line.into());
        }
        assert_eq!(live.logs.get_untracked(), ["a", "b", "c"]);
        assert_eq!(live.log_count.get_untracked(), 3);
    }

    #[test]
    fn the_log_keeps_its_newest_lines() {
        let mut logs = Vec::new();
        for i in 0..MAX_LOG_LINES + 5 {
            push_capped(&mut logs, i.to_string());
        }
        assert_eq!(logs.len(), MAX_LOG_LINES);
        assert_eq!(logs[0], "5");
    }

    #[test]
    fn agent_events_are_told_by_their_data() {
        let mut e = event(0);
        assert!(!is_agent_event(&e));
        e.data = AgentEvent::ToolCall {
            turn: 1,
            tool: "bash".into(),
            args: "ls".into(),
        }
        .to_data(runs::Agent::Pi);
        assert!(is_agent_event(&e));
    }
}
