//! Item 6, what watching costs the Hub: the server's requests to its hub per minute while
//! N viewers (each in a session of their own) watch one live phase 2.1 run, for N = 1, 10
//! and 200, over more than a minute of each run; and what connecting cost, per viewer. On huggingface.co the API is rate limited
//! per account, so this is what a run's page spends of it.

use std::time::Duration;

use crate::live::{self, Watched};
use crate::report::Row;
use crate::server_process::ServerProcess;
use crate::viewer::Viewer;

/// The numbers of viewers measured.
const VIEWERS: [usize; 3] = [1, 10, 200];

/// The rows of one run watched by `watched.viewers`.
fn rows(watched: &Watched) -> Vec<Row> {
    let n = watched.viewers;
    let hub = &watched.hub;
    let note = format!(
        "{} requests in {:.0} s after all {n} were connected ({} of {n} saw the end); {} Job-log \
         streams opened; Job and bucket reads counted by the embedded hub",
        hub.watching, hub.watching_secs, watched.ended, hub.log_streams
    );
    vec![
        Row::ours_only(
            "6",
            &format!("Hub requests per minute while {n} viewers watch a live run"),
            hub.per_minute(),
            &note,
        ),
        Row::ours_only(
            "6",
            &format!("Hub requests per viewer to connect, {n} viewers"),
            hub.connecting as f64 / n as f64,
            "the viewer's access checked with their own token, and the history read",
        ),
    ]
}

/// One run per number of viewers, each held live for at least [`BUILD_AT_LEAST`] (its
/// Space's build takes that long, as a build on the Hub takes minutes), so a minute is
/// measured rather than extrapolated from the first seconds, which hold the connects.
pub async fn measure(server: &ServerProcess, launcher: &Viewer) -> Result<Vec<Row>, String> {
    set_build_at_least(server, BUILD_AT_LEAST).await?;
    let mut out = Vec::new();
    for n in VIEWERS {
        let watched = async {
            let viewers = live::sign_in_many(server, "alice", n).await?;
            live::watch_run(launcher, &viewers, server, &format!("bench-hub-{n}")).await
        };
        match watched.await {
            Ok(watched) => out.extend(rows(&watched)),
            Err(e) => {
                let _ = set_build_at_least(server, Duration::ZERO).await;
                return Err(e);
            }
        }
    }
    set_build_at_least(server, Duration::ZERO).await?;
    Ok(out)
}

/// How long each watched run's Space build takes at least: two minutes, as a small build
/// on the Hub takes minutes. Over one minute, what a run costs once (its log stream opened,
/// its Job and `state.json` read as it ends) weighed as much as a minute of watching.
const BUILD_AT_LEAST: Duration = Duration::from_secs(130);

/// Makes the embedded hub's Space builds take at least `least`
/// ([`localhub::FaultConfig::build_at_least_ms`]).
pub async fn set_build_at_least(server: &ServerProcess, least: Duration) -> Result<(), String> {
    let faults = localhub::FaultConfig {
        build_at_least_ms: least.as_millis() as u64,
        ..Default::default()
    };
    let answer = reqwest::Client::new()
        .post(format!("{}/_localhub/faults", server.hub_url))
        .json(&faults)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !answer.status().is_success() {
        return Err(format!("setting the hub's build time: {}", answer.status()));
    }
    Ok(())
}
