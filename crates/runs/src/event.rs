//! Events: what a run reports as it goes, one JSON object per line.
//!
//! The worker writes each event twice: as a marked line on stdout (so the Job's log stream
//! carries it live) and into `runs/<id>/events.jsonl` (so it lasts). The marker lets the
//! server pick our lines out of everything else a Job prints.

use serde::{Deserialize, Serialize};

/// The prefix of every event line on the worker's stdout.
pub const EVENT_MARKER: &str = "@@space-factory-event ";

/// How much an event matters to the person watching.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Detail for diagnosis.
    Debug,
    /// Progress.
    Info,
    /// Something went wrong but the run goes on.
    Warn,
    /// Something failed.
    Error,
}

/// One thing that happened in a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// RFC 3339 UTC time, as the worker saw it.
    pub time: String,
    /// Position in the run's event sequence, from 0; lets readers resume and de-duplicate.
    pub seq: u64,
    /// The step that emitted it (a step name, or `run` for the run as a whole).
    pub stage: String,
    /// How much it matters.
    pub level: Level,
    /// A sentence for people.
    pub message: String,
    /// Structured detail for programs (links, figures, verdicts).
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub data: serde_json::Value,
}

impl Event {
    /// The event as one marked stdout line (no trailing newline).
    pub fn to_marked_line(&self) -> String {
        format!("{EVENT_MARKER}{}", self.to_json_line())
    }

    /// The event as one `events.jsonl` line (no trailing newline).
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).expect("an event always serializes")
    }

    /// Picks an event out of a log line; `None` for lines that are not ours or are damaged.
    pub fn from_log_line(line: &str) -> Option<Event> {
        let start = line.find(EVENT_MARKER)?;
        serde_json::from_str(line[start + EVENT_MARKER.len()..].trim_end()).ok()
    }

    /// Reads an `events.jsonl` file's text, skipping a damaged or half-written last line.
    pub fn parse_jsonl(text: &str) -> Vec<Event> {
        text.lines()
            .filter(|line| !line.trim().is_empty())
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(seq: u64) -> Event {
        Event {
            time: "2026-11-25T08:00:00Z".into(),
            seq,
            stage: "upload".into(),
            level: Level::Info,
            message: "uploaded 3 files".into(),
            data: serde_json::json!({"files": 3}),
        }
    }

    #[test]
    fn marked_lines_round_trip_even_behind_a_log_prefix() {
        let event = sample(4);
        let line = format!("2026-11-25T08:00:00Z {}", event.to_marked_line());
        assert_eq!(Event::from_log_line(&line), Some(event));
        assert_eq!(Event::from_log_line("pip install gradio"), None);
        assert_eq!(
            Event::from_log_line(&format!("{EVENT_MARKER}{{broken")),
            None
        );
    }

    #[test]
    fn jsonl_skips_a_torn_last_line() {
        let text = format!(
            "{}\n{}\n{{\"time\":",
            sample(0).to_json_line(),
            sample(1).to_json_line()
        );
        let events = Event::parse_jsonl(&text);
        assert_eq!(events.len(), 2);
        assert_eq!(events[1].seq, 1);
    }

    #[test]
    fn null_data_is_left_out_of_the_line() {
        let mut event = sample(0);
        event.data = serde_json::Value::Null;
        assert!(!event.to_json_line().contains("data"));
        assert_eq!(
            serde_json::from_str::<Event>(&event.to_json_line()).unwrap(),
            event
        );
    }
}
