//! Watching a live run the way its page does: viewers following the run's SSE stream while
//! its Job works, and how late each worker event reached them (item 4), with one viewer or
//! with many (item 3's 200).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use app::api::Launched;
use tokio::sync::{oneshot, Notify};

use crate::server_process::ServerProcess;
use crate::stats::Samples;
use crate::viewer::{template_space, Viewer};

/// How long one watched run may take (a Space is built and called).
const RUN_WITHIN: Duration = Duration::from_secs(600);

/// What the viewers of one run saw.
pub struct Watched {
    /// Worker event emitted → received by a viewer, in ms, for every event emitted after
    /// that viewer's stream was open (earlier ones are a replay, not live).
    pub latency_ms: Samples,
    /// Viewers whose stream ended with `end`.
    pub ended: usize,
    /// How many viewers there were.
    pub viewers: usize,
    /// The server's largest `VmRSS` seen while they watched, in KiB.
    pub peak_rss_kib: u64,
}

/// The delay of each live worker event a viewer received.
fn live_latencies(messages: &[crate::viewer::Received], opened: SystemTime) -> Vec<f64> {
    messages
        .iter()
        .filter_map(|m| {
            let event = m.event.as_ref()?;
            let emitted = humantime::parse_rfc3339_weak(&event.time).ok()?;
            if emitted < opened {
                return None;
            }
            let delay = m.at.duration_since(emitted).unwrap_or_default();
            Some(delay.as_secs_f64() * 1e3)
        })
        .collect()
}

/// One viewer's follow: its live latencies and whether it saw `end`.
async fn watch(
    viewer: Viewer,
    launched: Launched,
    first: Option<oneshot::Sender<()>>,
) -> Result<(Vec<f64>, bool), String> {
    let mut opened_at = SystemTime::now();
    let messages = viewer
        .follow(
            &launched,
            RUN_WITHIN,
            |at| opened_at = at,
            move || {
                if let Some(first) = first {
                    let _ = first.send(());
                }
            },
        )
        .await?;
    let ended = messages.iter().any(|m| m.name == "end");
    Ok((live_latencies(&messages, opened_at), ended))
}

/// Launches a phase 2.1 run and watches it with `viewers` streams: the first opens right
/// after launch; the others once the first has received a message (the run is live).
/// The server's memory is sampled every 100 ms meanwhile.
pub async fn watch_run(
    viewer: &Viewer,
    server: &ServerProcess,
    viewers: usize,
    name: &str,
) -> Result<Watched, String> {
    let launched = viewer.launch(template_space(name)).await?;
    let peak = Arc::new(AtomicU64::new(server.rss_kib()));
    let done = Arc::new(Notify::new());
    let sampler = {
        let (peak, done) = (peak.clone(), done.clone());
        let status = format!("/proc/{}/status", server.pid());
        tokio::spawn(async move {
            loop {
                let rss = crate::rss::status_field_kib(status.as_ref(), "VmRSS:");
                peak.fetch_max(rss, Ordering::Relaxed);
                tokio::select! {
                    _ = done.notified() => return,
                    _ = tokio::time::sleep(Duration::from_millis(100)) => {}
                }
            }
        })
    };
    let (first_tx, first_rx) = oneshot::channel();
    let mut tasks = vec![tokio::spawn(watch(
        viewer.clone(),
        launched.clone(),
        Some(first_tx),
    ))];
    let _ = first_rx.await;
    for _ in 1..viewers {
        tasks.push(tokio::spawn(watch(viewer.clone(), launched.clone(), None)));
    }
    let mut latency_ms = Samples::default();
    let mut ended = 0;
    let mut failure = None;
    for task in tasks {
        match task.await.map_err(|e| e.to_string()).and_then(|r| r) {
            Ok((latencies, saw_end)) => {
                latencies.into_iter().for_each(|l| latency_ms.push(l));
                ended += usize::from(saw_end);
            }
            Err(e) => failure = Some(e),
        }
    }
    done.notify_one();
    let _ = sampler.await;
    viewer.wait_over(&launched, RUN_WITHIN).await?;
    if let Some(e) = failure.filter(|_| ended == 0) {
        return Err(e);
    }
    Ok(Watched {
        latency_ms,
        ended,
        viewers,
        peak_rss_kib: peak.load(Ordering::Relaxed),
    })
}
