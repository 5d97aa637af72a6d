//! The live stream of one run: `GET` [`run_stream_path`] as Server-Sent Events.
//!
//! Event names and payloads (JSON in `data`):
//! - `job`: a [`JobView`](super::JobView) whenever the Job's status changes;
//! - `event`: a [`runs::Event`], with the SSE `id` set to its `seq`, from the Job's log
//!   stream while it runs and from the bucket's `events.jsonl` once written. A client
//!   reconnecting with `Last-Event-ID: <seq>` gets only later events;
//! - `state`: a [`runs::RunState`] whenever `state.json` changes;
//! - `log`: one line of the Job's log that is not an event, for the logs panel: a
//!   [`LogMessage`] numbering it among those lines, since a reconnected stream sends the
//!   log again from its start (the Hub's log stream has no resume point) and the page must
//!   keep each line once;
//! - `end`: the run reached a terminal status; the server closes the stream.
//!
//! Only the signed-in viewer's token is used; without access the stream answers 404.

use serde::{Deserialize, Serialize};

/// The data of a `log` message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogMessage {
    /// The line's position among the Job's plain log lines, from 0.
    pub n: u64,
    /// The line.
    pub line: String,
}

/// The SSE event names, shared by the server that sends them and the page that listens.
pub mod names {
    /// A [`JobView`](crate::api::JobView).
    pub const JOB: &str = "job";
    /// A [`runs::Event`].
    pub const EVENT: &str = "event";
    /// A [`runs::RunState`].
    pub const STATE: &str = "state";
    /// A plain Job log line.
    pub const LOG: &str = "log";
    /// The run is over; no more events follow.
    pub const END: &str = "end";
}

/// The URL path of a run's live stream.
pub fn run_stream_path(owner: &str, run_id: &str) -> String {
    format!("/api/runs/{owner}/{run_id}/stream")
}
