//! Item 6, what watching costs the Hub: the server's requests to its hub per minute while
//! N viewers (each in a session of their own) watch one live phase 2.1 run, for N = 1, 10
//! and 200; and what connecting cost, per viewer. On huggingface.co the API is rate limited
//! per account, so this is what a run's page spends of it.

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

/// One run per number of viewers.
pub async fn measure(server: &ServerProcess, launcher: &Viewer) -> Result<Vec<Row>, String> {
    let mut out = Vec::new();
    for n in VIEWERS {
        let viewers = live::sign_in_many(server, "alice", n).await?;
        let watched =
            live::watch_run(launcher, &viewers, server, &format!("bench-hub-{n}")).await?;
        out.extend(rows(&watched));
    }
    Ok(out)
}
