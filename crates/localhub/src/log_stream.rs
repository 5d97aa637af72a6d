//! What the Hub's log streams carry besides log lines, so clients are tested against it:
//! a `: keep-alive` comment (Job logs, every ~30 s on the Hub: docs/HUB.md#job-logs) and a
//! `data:` event that is no JSON (Space logs keep alive with `data:` events that carry no
//! log line). huggingface_hub keeps only `data: {` lines (its `fetch_job_logs` /
//! `fetch_space_logs` comments), so these must be skipped, not parsed.

use axum::response::sse::Event;

/// The events every log stream starts with before its first line.
pub fn noise() -> Vec<Event> {
    vec![
        Event::default().comment("keep-alive"),
        Event::default().data("keep-alive"),
    ]
}
