//! Item 4, the live view: worker event emitted (its `time`, ms precision) → received by a
//! viewer of the run's SSE stream, for events emitted while the stream was open.

use crate::live::{self, Watched};
use crate::report::Row;
use crate::server_process::ServerProcess;
use crate::stats::Samples;
use crate::viewer::Viewer;

/// Phase 2.1 runs watched by one viewer each.
const RUNS: usize = 3;

/// p50 and p95 rows of what `watched` saw.
pub fn rows(label: &str, watched: &Watched) -> Vec<Row> {
    let note = if watched.latency_ms.is_empty() {
        "no event arrived while a stream was open".to_owned()
    } else {
        format!(
            "{} live events; event times have ms precision",
            watched.latency_ms.len()
        )
    };
    let s = &watched.latency_ms;
    vec![
        Row::ours_only(
            "4",
            &format!("event → SSE client, {label}: p50 (ms)"),
            s.median(),
            &note,
        ),
        Row::ours_only(
            "4",
            &format!("event → SSE client, {label}: p95 (ms)"),
            s.quantile(0.95),
            &note,
        ),
    ]
}

/// `RUNS` runs, one viewer each, their latencies pooled.
pub async fn measure(server: &ServerProcess, viewer: &Viewer) -> Result<Vec<Row>, String> {
    let mut pooled = Watched {
        latency_ms: Samples::default(),
        ended: 0,
        viewers: 0,
        peak_rss_kib: 0,
        first_only_rss_kib: 0,
        all_in_rss_kib: 0,
        hub: Default::default(),
    };
    let viewers = [viewer.clone()];
    for n in 0..RUNS {
        let watched = live::watch_run(viewer, &viewers, server, &format!("bench-live-{n}")).await?;
        pooled.latency_ms.append(&watched.latency_ms);
        pooled.ended += watched.ended;
        pooled.viewers += watched.viewers;
    }
    Ok(rows(&format!("1 viewer, {RUNS} runs"), &pooled))
}
