//! A run's Job log as the logs panel shows it once the run is over: the plain lines, without
//! the worker's event lines (the page shows those as events) or the Hub's start banner.

use super::access::RunLocation;
use crate::api::server::hub_error;
use crate::api::server::viewer::SignedIn;
use crate::api::server::Services;
use crate::api::ApiError;
use crate::components::live_run::MAX_LOG_LINES;
use futures_util::StreamExt;
use hub::sse::LogLine;
use runs::Event;
use std::time::Duration;

/// How long the Hub may stay silent before the lines read so far are the answer (a Job
/// still running keeps its log stream open): no less than the official client waits.
const IDLE: Duration = hub::sse::LOG_IDLE;

/// The longest a read may take in all.
const WITHIN: Duration = Duration::from_secs(15);

/// The newest [`MAX_LOG_LINES`] log lines of the run's Job that are not events; none when
/// the Job is gone.
pub async fn read(
    services: &Services,
    user: &SignedIn,
    run: &RunLocation,
) -> Result<Vec<String>, ApiError> {
    let Some(job) = &run.job else {
        return Ok(Vec::new());
    };
    let tail = u32::try_from(MAX_LOG_LINES).unwrap_or(u32::MAX);
    let mut stream = services
        .hub
        .job_logs(
            run.job_namespace(),
            &job.id,
            Some(tail),
            IDLE,
            &user.token(),
        )
        .await
        .map_err(hub_error)?;
    let mut lines = Vec::new();
    let deadline = tokio::time::Instant::now() + WITHIN;
    while let Ok(Some(Ok(line))) = tokio::time::timeout_at(deadline, stream.next()).await {
        if is_plain(&line) {
            lines.push(line.data);
        }
    }
    Ok(lines)
}

/// Whether a log line is for the logs panel: not an event, not the Hub's start banner.
fn is_plain(line: &LogLine) -> bool {
    Event::from_log_line(&line.data).is_none() && !line.is_job_start_banner()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(data: &str) -> LogLine {
        LogLine {
            data: data.into(),
            timestamp: None,
        }
    }

    #[test]
    fn events_and_the_start_banner_are_left_to_the_page() {
        assert!(is_plain(&line("worker: the Space never started")));
        assert!(!is_plain(&line(
            "===== Job started at 2026-11-30 09:00:00 ====="
        )));
        assert!(!is_plain(&line(
            r#"@@space-factory-event {"time":"2026-11-30T09:00:00Z","seq":0,"stage":"run","level":"info","message":"started"}"#
        )));
    }
}
