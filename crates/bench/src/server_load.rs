//! Item 3, the server: server-side rendering of the runs list and of a run page under load
//! (a closed loop of concurrent connections on loopback; latency p50/p99 and throughput),
//! and the server's memory idle and while 200 viewers watch one live run.

use std::time::{Duration, Instant};

use runs::Recipe;

use crate::live;
use crate::report::Row;
use crate::server_process::ServerProcess;
use crate::stats::Samples;
use crate::viewer::Viewer;

/// Concurrent connections of the load loop.
const CONNECTIONS: usize = 16;
/// How long each page is loaded.
const LOAD_FOR: Duration = Duration::from_secs(10);
/// Phase 1 runs in the list before loading it (so it lists real runs).
const LISTED_RUNS: usize = 5;
/// Viewers of one live run.
const VIEWERS: usize = 200;

/// Latencies (ms) of `GET path` from `CONNECTIONS` loops for `LOAD_FOR`, and the count of
/// answers that were not 200.
async fn load(viewer: &Viewer, path: &str) -> (Samples, usize) {
    let url = format!("{}{path}", viewer.base);
    for _ in 0..20 {
        let _ = viewer.http.get(&url).send().await.map(|r| r.bytes());
    }
    let until = Instant::now() + LOAD_FOR;
    let loops = (0..CONNECTIONS).map(|_| {
        let (http, url) = (viewer.http.clone(), url.clone());
        tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut failed = 0usize;
            while Instant::now() < until {
                let start = Instant::now();
                let ok = match http.get(&url).send().await {
                    Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                    _ => false,
                };
                latencies.push(start.elapsed().as_secs_f64() * 1e3);
                failed += usize::from(!ok);
            }
            (latencies, failed)
        })
    });
    let mut samples = Samples::default();
    let mut failed = 0;
    for task in loops.collect::<Vec<_>>() {
        if let Ok((latencies, f)) = task.await {
            latencies.into_iter().for_each(|l| samples.push(l));
            failed += f;
        }
    }
    (samples, failed)
}

/// The three rows of one page under load.
fn page_rows(page: &str, samples: &Samples, failed: usize) -> Vec<Row> {
    let note = format!(
        "{CONNECTIONS} connections, {} s, {} requests, {failed} not 200; the load loop shares the 2 cores",
        LOAD_FOR.as_secs(),
        samples.len()
    );
    vec![
        Row::ours_only(
            "3",
            &format!("SSR {page}: p50 latency (ms)"),
            samples.median(),
            &note,
        ),
        Row::ours_only(
            "3",
            &format!("SSR {page}: p99 latency (ms)"),
            samples.quantile(0.99),
            &note,
        ),
        Row::ours_only(
            "3",
            &format!("SSR {page}: throughput (requests/s)"),
            samples.len() as f64 / LOAD_FOR.as_secs_f64(),
            &note,
        ),
    ]
}

/// Launches the listed runs, measures idle memory, 200 viewers of a live run, then loads
/// both pages.
pub async fn measure(server: &ServerProcess, viewer: &Viewer) -> Result<Vec<Row>, String> {
    let mut last = None;
    for _ in 0..LISTED_RUNS {
        let launched = viewer.launch(Recipe::BucketRoundTrip).await?;
        viewer
            .wait_over(&launched, Duration::from_secs(300))
            .await?;
        last = Some(launched);
    }
    let run_page = last.map(|l| l.page).ok_or("no run launched")?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle = server.rss_kib();

    // The viewers come first, from the idle server: the page loads leave the allocator
    // holding memory no viewer uses (a row of its own below), which would count as theirs.
    let viewers = live::sign_in_many(server, "alice", VIEWERS).await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let signed_in = server.rss_kib();
    // The run is held in its Space build while they watch (as a build on the Hub takes
    // minutes), so what the viewers hold is measured while the run itself does little: in
    // this process the embedded hub does the run's own work, which against huggingface.co is
    // not the factory's memory at all.
    crate::hub_requests::set_build_at_least(server, live::SETTLED * 2).await?;
    let watched = live::watch_run(viewer, &viewers, server, "bench-viewers").await;
    crate::hub_requests::set_build_at_least(server, Duration::ZERO).await?;
    let watched = watched?;

    let mut rows = Vec::new();
    for (label, path) in [
        ("runs list /runs", "/runs".to_owned()),
        ("run page", run_page),
    ] {
        let (samples, failed) = load(viewer, &path).await;
        rows.extend(page_rows(label, &samples, failed));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let loaded = server.rss_kib();
    let mib = |kib: u64| kib as f64 / 1024.0;
    rows.push(Row::ours_only(
        "3",
        "server RSS idle (MiB)",
        mib(idle),
        "after sign-in and 5 finished runs; the embedded local hub is in the same process",
    ));
    let seen = format!(
        "{} of {} viewers saw the run end",
        watched.ended, watched.viewers
    );
    rows.push(Row::ours_only(
        "3",
        &format!("server RSS peak with {VIEWERS} SSE viewers of one live run (MiB)"),
        mib(watched.peak_rss_kib),
        &seen,
    ));
    rows.push(Row::ours_only(
        "3",
        "server RSS after the SSR loads (MiB)",
        mib(loaded),
        "what the two pages' loads above left, after the viewers",
    ));
    let per_session = signed_in.saturating_sub(idle) as f64 / VIEWERS as f64;
    rows.push(Row::ours_only(
        "3",
        &format!("server RSS per signed-in session, {VIEWERS} sessions (KiB)"),
        per_session,
        "(RSS once they signed in − idle) / sessions; each viewer's connection to the server kept open, the hub's consent page's closed",
    ));
    rows.push(Row::ours_only(
        "3",
        &format!("server RSS per SSE viewer, {VIEWERS} viewers of one live run (KiB over idle)"),
        watched.peak_rss_kib.saturating_sub(idle) as f64 / VIEWERS as f64,
        &format!(
            "(peak − idle) / {VIEWERS}; {seen}; their sessions included; measured before the SSR loads"
        ),
    ));
    rows.push(Row::ours_only(
        "3",
        &format!(
            "server RSS per SSE viewer, {VIEWERS} viewers of one live run (KiB over the server before its streams)"
        ),
        watched.peak_rss_kib.saturating_sub(signed_in) as f64 / VIEWERS as f64,
        &format!("(peak − RSS once the viewers signed in) / {VIEWERS}; {seen}"),
    ));
    let per_stream =
        per_viewer_beyond_one(watched.first_only_rss_kib, watched.all_in_rss_kib, VIEWERS);
    rows.push(Row::ours_only(
        "3",
        &format!(
            "server RSS per SSE viewer beyond the first, {VIEWERS} viewers of one live run, their sessions included (KiB)"
        ),
        per_session + per_stream,
        &format!(
            "per signed-in session {per_session:.1} + per stream {per_stream:.1}: (median RSS over the {} s after all {VIEWERS} connected − RSS with the first alone) / {}, the run held in its build",
            live::SETTLED.as_secs(),
            VIEWERS - 1
        ),
    ));
    rows.extend(crate::live_latency::rows(
        &format!("{VIEWERS} viewers"),
        &watched,
    ));
    Ok(rows)
}

/// What each viewer beyond the first adds (KiB): the rise of the server's memory from the
/// run watched by one viewer to the same run, at the same point, watched by `viewers`, over
/// the viewers added.
fn per_viewer_beyond_one(one_kib: u64, all_kib: u64, viewers: usize) -> f64 {
    all_kib.saturating_sub(one_kib) as f64 / viewers.saturating_sub(1).max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::per_viewer_beyond_one;

    #[test]
    fn only_the_added_viewers_count() {
        // One viewer: 50 000 KiB; 200: 60 000 KiB. 10 000 KiB over 199 viewers.
        assert!((per_viewer_beyond_one(50_000, 60_000, 200) - 10_000.0 / 199.0).abs() < 1e-9);
        assert_eq!(per_viewer_beyond_one(60_000, 50_000, 200), 0.0);
        assert_eq!(per_viewer_beyond_one(1, 5, 1), 4.0);
    }
}
