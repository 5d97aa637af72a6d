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

/// The coding agents whose steps a run reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Agent {
    /// The Pi coding agent.
    Pi,
}

/// What the coding agent did, carried in an [`Event`]'s `data` as
/// `{"agent": "pi", "kind": "<kind>", …}`: the worker writes these, the run page picks them
/// out to show the agent's work on its own.
///
/// serde sees it keyed by kind (`{"<kind>": {…}}`); [`to_data`](Self::to_data) and
/// [`of`](Self::of) move the kind into the fields and back. A `kind` tag read by serde
/// itself would buffer every event in a generic form first, a second reader of its own
/// in the browser's wasm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentEvent {
    /// The agent started.
    Start {
        /// The model, as `provider/model`.
        model: String,
        /// The turn limit.
        max_turns: u32,
        /// The wall-clock limit.
        wall_clock_secs: u64,
    },
    /// The agent ended; `report` is the worker's account of the whole agent run.
    End {
        /// How it ended, its counts and timings (the worker's `AgentReport`).
        report: serde_json::Value,
    },
    /// The agent's session began.
    Session {
        /// The session's id.
        session_id: String,
    },
    /// The agent began a tool call.
    ToolCall {
        /// The turn, from 1.
        turn: u32,
        /// `bash`, `edit`, `write`, …
        tool: String,
        /// The start of its arguments (redacted).
        args: String,
    },
    /// A tool call finished.
    ToolResult {
        /// The turn, from 1.
        turn: u32,
        /// The tool.
        tool: String,
        /// Whether the agent reported it as failed.
        is_error: bool,
        /// The start of its output (redacted).
        output: String,
    },
    /// The model finished one message.
    AssistantMessage {
        /// The turn, from 1.
        turn: u32,
        /// `stop`, `toolUse`, `length`, `error` or `aborted`.
        stop_reason: String,
        /// The tools it called.
        tool_calls: Vec<String>,
        /// The start of its text (redacted).
        text: String,
        /// The provider's error, when it failed (redacted).
        error: Option<String>,
    },
    /// The agent retries a failed model call.
    Retry {
        /// The attempt number.
        attempt: u64,
    },
    /// How the agent was contained (recorded as it starts).
    Contained {
        /// The layers in force.
        containment: crate::Containment,
    },
    /// The worker's gateway refused a call the agent made (not to the model, and not
    /// one the phase allows on the run's own Space).
    Refused {
        /// The HTTP method.
        method: String,
        /// The path called, with its query.
        path: String,
        /// Why it was refused.
        reason: String,
    },
}

impl AgentEvent {
    /// The event's `data` for `agent`: its fields, with `agent` and `kind` beside them.
    pub fn to_data(&self, agent: Agent) -> serde_json::Value {
        let by_kind = serde_json::to_value(self).expect("an agent event always serializes");
        let serde_json::Value::Object(by_kind) = by_kind else {
            unreachable!("every agent event has fields, so serde writes {{kind: fields}}")
        };
        let (kind, fields) = by_kind.into_iter().next().expect("one kind");
        let serde_json::Value::Object(mut data) = fields else {
            unreachable!("every agent event has named fields")
        };
        data.insert("agent".into(), serde_json::json!(agent));
        data.insert("kind".into(), kind.into());
        data.into()
    }

    /// The agent and what it did, when `event` tells of a coding agent.
    pub fn of(event: &Event) -> Option<(Agent, AgentEvent)> {
        let agent = Agent::deserialize(event.data.get("agent")?).ok()?;
        let kind = event.data.get("kind")?.as_str()?;
        let by_kind = serde_json::Map::from_iter([(kind.to_owned(), event.data.clone())]);
        let what = AgentEvent::deserialize(serde_json::Value::Object(by_kind)).ok()?;
        Some((agent, what))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_events_of_every_kind_read_from_old_records_and_write_the_same() {
        // One line of each kind, as the worker has written them to `events.jsonl`.
        let lines = [
            r#"{"time":"2026-11-25T08:00:00Z","seq":3,"stage":"agent","level":"info","message":"Pi 0.9 started on huggingface/org/m (limits: 40 turns, 1800 s)","data":{"agent":"pi","kind":"start","max_turns":40,"model":"huggingface/org/m","wall_clock_secs":1800}}"#,
            r#"{"time":"2026-11-25T08:00:01Z","seq":4,"stage":"agent","level":"debug","message":"Pi session 0193","data":{"agent":"pi","kind":"session","session_id":"0193"}}"#,
            r#"{"time":"2026-11-25T08:00:02Z","seq":5,"stage":"agent","level":"info","message":"Pi runs bash: ls","data":{"agent":"pi","args":"{\"command\":\"ls\"}","kind":"tool_call","tool":"bash","turn":1}}"#,
            r#"{"time":"2026-11-25T08:00:03Z","seq":6,"stage":"agent","level":"warn","message":"Pi's bash call failed: no such file","data":{"agent":"pi","is_error":true,"kind":"tool_result","output":"no such file","tool":"bash","turn":1}}"#,
            r#"{"time":"2026-11-25T08:00:04Z","seq":7,"stage":"agent","level":"info","message":"Pi calls write","data":{"agent":"pi","error":null,"kind":"assistant_message","stop_reason":"toolUse","text":"","tool_calls":["write"],"turn":2}}"#,
            r#"{"time":"2026-11-25T08:00:05Z","seq":8,"stage":"agent","level":"warn","message":"Pi retries the model call (attempt 1): overloaded","data":{"agent":"pi","attempt":1,"kind":"retry"}}"#,
            r#"{"time":"2026-11-25T08:00:06Z","seq":9,"stage":"agent","level":"info","message":"completed","data":{"agent":"pi","kind":"end","report":{"duration_ms":5000,"model":"huggingface/org/m","outcome":"completed","turns":2}}}"#,
        ];
        let mut kinds = Vec::new();
        for line in lines {
            let event: Event = serde_json::from_str(line).unwrap();
            let (agent, what) = AgentEvent::of(&event).unwrap_or_else(|| panic!("{line}"));
            assert_eq!(agent, Agent::Pi);
            assert_eq!(what.to_data(agent), event.data, "{line}");
            kinds.push(event.data["kind"].as_str().unwrap().to_owned());
        }
        assert_eq!(
            kinds,
            [
                "start",
                "session",
                "tool_call",
                "tool_result",
                "assistant_message",
                "retry",
                "end"
            ]
        );
        let (_, retry) = AgentEvent::of(&serde_json::from_str(lines[5]).unwrap()).unwrap();
        assert_eq!(retry, AgentEvent::Retry { attempt: 1 });
        assert_eq!(AgentEvent::of(&sample(0)), None);
        let mut unknown = sample(0);
        unknown.data = serde_json::json!({"agent": "pi", "kind": "teleport", "attempt": 1});
        assert_eq!(AgentEvent::of(&unknown), None);
        unknown.data = serde_json::json!({"agent": "pi", "kind": "retry"});
        assert_eq!(AgentEvent::of(&unknown), None, "a kind without its fields");
    }

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
