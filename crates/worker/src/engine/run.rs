//! Carries out one run from start to a recorded end, whatever happens in between.

use super::recorder::{Recorder, StepFailure};
use super::report;
use crate::phases;
use runs::{Level, RunSpec, RunStatus};
use std::future::Future;

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
    recorder: &mut Recorder,
    stop: impl Future<Output = ()>,
) -> Result<RunOutcome, super::output::OutputError> {
    recorder.save_state()?;
    recorder.event(
        Level::Info,
        &format!(
            "run started: {} (phase {})",
            spec.phase.title(),
            spec.phase.id()
        ),
        serde_json::json!({ "phase": spec.phase, "run_id": spec.run_id }),
    )?;

    let result: Option<Result<String, StepFailure>> = tokio::select! {
        result = phases::run(spec, recorder) => Some(result),
        () = stop => None,
    };

    let outcome = match result {
        Some(Ok(verdict)) => {
            recorder.finish(RunStatus::Succeeded, &verdict, None)?;
            RunOutcome::Succeeded
        }
        Some(Err(failure)) => {
            let verdict = format!("Failed at step {}", failure.step);
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
