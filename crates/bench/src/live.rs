//! Watching a live run the way its page does: viewers (each signed in on its own, as many
//! browsers are) following the run's SSE stream while its Job works, how late each worker
//! event reached them (item 4), with one viewer or with many (item 3's 200), and what the
//! server asked of the Hub meanwhile (item 6).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use app::api::Launched;
use tokio::sync::{oneshot, Notify};

use crate::server_process::ServerProcess;
use crate::stats::Samples;
use crate::viewer::{template_space, Viewer};

/// How long one watched run may take (a Space is built and called).
const RUN_WITHIN: Duration = Duration::from_secs(600);
/// How long after all viewers connected the server's memory is taken as theirs
/// ([`Watched::all_in_rss_kib`]).
pub const SETTLED: Duration = Duration::from_secs(20);

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
    /// The server's `VmRSS` once the first viewer received a message, before the others
    /// connected, in KiB.
    pub first_only_rss_kib: u64,
    /// The median of the server's `VmRSS` samples over the [`SETTLED`] after all were
    /// connected, in KiB: what the viewers hold while the run goes on.
    pub all_in_rss_kib: u64,
    /// The server's requests to its hub while the viewers connected and watched.
    pub hub: HubRequests,
}

/// The server's requests to the embedded hub for watching a run: reads of Jobs and of the
/// bucket, which the worker never makes (it writes through the bucket mount), counted by the
/// hub (`GET /_localhub/traffic`).
#[derive(Debug, Default, Clone, Copy)]
pub struct HubRequests {
    /// While the viewers connected (their access checks and history reads).
    pub connecting: u64,
    /// From the moment all viewers were connected to the end of the last stream.
    pub watching: u64,
    /// How long that was, in seconds.
    pub watching_secs: f64,
    /// Job-log streams opened, connecting and watching.
    pub log_streams: u64,
}

impl HubRequests {
    /// Requests per minute while watching.
    pub fn per_minute(&self) -> f64 {
        self.watching as f64 * 60.0 / self.watching_secs.max(1e-3)
    }
}

/// Reads of Jobs and of the bucket so far, and the Job-log streams among them.
async fn hub_reads(server: &ServerProcess) -> Result<(u64, u64), String> {
    let traffic: Vec<localhub::traffic::RouteTraffic> =
        reqwest::get(format!("{}/_localhub/traffic", server.hub_url))
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
    let reads = traffic.iter().filter(|t| {
        t.method == "GET"
            && ["/api/jobs/", "/buckets/", "/api/buckets/"]
                .iter()
                .any(|p| t.route.starts_with(p))
    });
    let (mut all, mut logs) = (0, 0);
    for t in reads {
        all += t.count;
        if t.route.ends_with("/logs") {
            logs += t.count;
        }
    }
    Ok((all, logs))
}

/// `n` viewers of the server, each signed in as `user` in a session of its own.
pub async fn sign_in_many(
    server: &ServerProcess,
    user: &str,
    n: usize,
) -> Result<Vec<Viewer>, String> {
    let mut viewers = Vec::with_capacity(n);
    for _ in 0..n {
        viewers.push(Viewer::sign_in(&server.url, user).await?);
    }
    Ok(viewers)
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

/// Launches a phase 2.1 run as `launcher` and watches it with `viewers`: the first opens
/// its stream right after launch; the others once the first has received a message (the
/// run is live). The server's memory is sampled every 100 ms meanwhile, and its requests to
/// the hub counted when all are connected and when the last stream ended.
pub async fn watch_run(
    launcher: &Viewer,
    viewers: &[Viewer],
    server: &ServerProcess,
    name: &str,
) -> Result<Watched, String> {
    let launched = launcher.launch(template_space(name)).await?;
    let (start, start_logs) = hub_reads(server).await?;
    let rss_samples = Arc::new(Mutex::new(vec![(Instant::now(), server.rss_kib())]));
    let done = Arc::new(Notify::new());
    let sampler = {
        let (rss_samples, done) = (rss_samples.clone(), done.clone());
        let status = format!("/proc/{}/status", server.pid());
        tokio::spawn(async move {
            loop {
                let rss = crate::rss::status_field_kib(status.as_ref(), "VmRSS:");
                if let Ok(mut samples) = rss_samples.lock() {
                    samples.push((Instant::now(), rss));
                }
                tokio::select! {
                    _ = done.notified() => return,
                    _ = tokio::time::sleep(Duration::from_millis(100)) => {}
                }
            }
        })
    };
    let (first, others) = viewers.split_first().ok_or("no viewer")?;
    let (first_tx, first_rx) = oneshot::channel();
    let mut tasks = vec![tokio::spawn(watch(
        first.clone(),
        launched.clone(),
        Some(first_tx),
    ))];
    let _ = first_rx.await;
    let first_only_rss_kib = server.rss_kib();
    let mut connected = Vec::new();
    for viewer in others {
        let (tx, rx) = oneshot::channel();
        connected.push(rx);
        tasks.push(tokio::spawn(watch(
            viewer.clone(),
            launched.clone(),
            Some(tx),
        )));
    }
    for rx in connected {
        let _ = rx.await;
    }
    let (all_in, _) = hub_reads(server).await?;
    let watching_from = Instant::now();
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
    let watching_secs = watching_from.elapsed().as_secs_f64();
    let watching_until = Instant::now();
    let (end, end_logs) = hub_reads(server).await?;
    done.notify_one();
    let _ = sampler.await;
    let rss_samples = std::mem::take(&mut *rss_samples.lock().map_err(|e| e.to_string())?);
    launcher.wait_over(&launched, RUN_WITHIN).await?;
    if let Some(e) = failure.filter(|_| ended == 0) {
        return Err(e);
    }
    Ok(Watched {
        latency_ms,
        ended,
        viewers: viewers.len(),
        peak_rss_kib: rss_samples
            .iter()
            .map(|&(_, rss)| rss)
            .max()
            .unwrap_or_default(),
        first_only_rss_kib,
        all_in_rss_kib: median_between(
            &rss_samples,
            watching_from,
            (watching_from + SETTLED).min(watching_until),
        ),
        hub: HubRequests {
            connecting: all_in - start,
            watching: end - all_in,
            watching_secs,
            log_streams: end_logs - start_logs,
        },
    })
}

/// The median of the `(when, KiB)` samples taken from `from` to `until` (the last sample
/// before `from` when none falls between).
fn median_between(samples: &[(Instant, u64)], from: Instant, until: Instant) -> u64 {
    let mut within: Vec<u64> = samples
        .iter()
        .filter(|&&(at, _)| at >= from && at <= until)
        .map(|&(_, rss)| rss)
        .collect();
    if within.is_empty() {
        within.extend(
            samples
                .iter()
                .rev()
                .find(|&&(at, _)| at < from)
                .map(|&(_, rss)| rss),
        );
    }
    within.sort_unstable();
    within.get(within.len() / 2).copied().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::median_between;
    use std::time::{Duration, Instant};

    #[test]
    fn the_median_is_of_the_samples_in_the_window_and_a_passing_peak_does_not_move_it() {
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        let samples = [
            (at(0), 900),
            (at(1), 100),
            (at(2), 5000),
            (at(3), 110),
            (at(4), 120),
            (at(9), 7000),
        ];
        assert_eq!(median_between(&samples, at(1), at(4)), 120);
        assert_eq!(
            median_between(&samples, at(5), at(6)),
            120,
            "none within: the one before"
        );
    }
}
