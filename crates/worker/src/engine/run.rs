//! Carries out one run from start to a recorded end, whatever happens in between.

use super::recorder::{Recorder, StepFailure};
use super::report;
use crate::config::WorkerConfig;
use crate::phases;
use runs::{Level, RunSpec, RunStatus};
use std::future::Future;

/// Whether the user's token has expired ([`runs::job::TOKEN_EXPIRES_ENV`], when the
/// server passed it): a step that failed then failed for that.
fn token_expired(config: &WorkerConfig) -> bool {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    expired(config.token_expires_at.as_deref(), now)
}

/// Whether an expiry of `expires_at` (Unix seconds, as text) is past at `now`.
fn expired(expires_at: Option<&str>, now: u64) -> bool {
    expires_at
        .and_then(|at| at.trim().parse::<u64>().ok())
        .is_some_and(|at| at <= now)
}

/// How a run ended, for the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOutcome {
    /// Every check passed.
    Succeeded,
    /// A step failed; the state says which.
    Failed,
    /// A stop signal arrived first.
    Interrupted,
}

/// Runs `spec`'s phase, recording into `recorder`, until it ends or `stop` resolves
/// (SIGTERM in a Job). Always leaves a final `state.json` and a `report.md`.
///
/// Errors only when the record itself cannot be written (then there is nothing better to
/// do than report it on stderr).
pub async fn execute(
    spec: &RunSpec,
    config: &WorkerConfig,
    recorder: &mut Recorder,
    stop: impl Future<Output = ()>,
) -> Result<RunOutcome, super::output::OutputError> {
    recorder.save_state()?;
    recorder.event(
        Level::Info,
        &format!(
            "run started: {} (phase {})",
            spec.phase().title(),
            spec.phase().id()
        ),
        serde_json::json!({ "phase": spec.phase(), "run_id": spec.run_id }),
    )?;

    let result: Option<Result<String, StepFailure>> = tokio::select! {
        result = phases::run(spec, config, recorder) => Some(result),
        () = stop => None,
    };

    let outcome = match result {
        Some(Ok(verdict)) => {
            recorder.finish(RunStatus::Succeeded, &verdict, None)?;
            RunOutcome::Succeeded
        }
        Some(Err(failure)) => {
            let verdict = if token_expired(config) {
                format!(
                    "Failed at step {}: the sign-in expired during the run; sign in again and run it again",
                    failure.step
                )
            } else {
                format!("Failed at step {}", failure.step)
            };
            recorder.finish(RunStatus::Failed, &verdict, Some(&failure.message))?;
            RunOutcome::Failed
        }
        None => {
            recorder.finish(
                RunStatus::Cancelled,
                "Stopped by a termination signal before the run finished",
                Some("the Job was cancelled or ran out of time"),
            )?;
            RunOutcome::Interrupted
        }
    };
    let markdown = report::render(Some(spec), recorder.state());
    recorder.write_report(&markdown)?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_token_is_expired_only_once_its_known_expiry_passed() {
        assert!(super::expired(Some("100"), 100));
        assert!(!super::expired(Some(" 101 "), 100));
        assert!(!super::expired(None, u64::MAX));
        assert!(!super::expired(Some("soon"), 100));
    }
}
