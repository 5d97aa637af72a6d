//! Running a named step between `begin_step` and `end_step`, so every phase records its
//! steps the same way: started event, outcome message, duration, failure reason.
//!
//! A step's body says why it stopped ([`because`]); the runner names the step, so a body
//! never repeats its own name.

use super::recorder::{Recorder, StepFailure};

/// Why a step's body stopped: a reason, which the runner records as the failure of the step
/// it runs, or a failure that names its own step already (a recording error, a nested step).
#[derive(Debug, Clone)]
pub enum StepError {
    /// A sentence saying what went wrong.
    Reason(String),
    /// A failure from further down, kept as it is.
    Failed(StepFailure),
}

impl From<StepFailure> for StepError {
    fn from(failure: StepFailure) -> StepError {
        StepError::Failed(failure)
    }
}

/// A step body's reason to stop, for `map_err(because)` and `Err(because(…))`.
pub fn because(why: impl std::fmt::Display) -> StepError {
    StepError::Reason(why.to_string())
}

/// Runs one synchronous step, recording its outcome; the step's `Ok` text is its message.
pub fn step(
    rec: &mut Recorder,
    name: &str,
    body: impl FnOnce(&mut Recorder) -> Result<String, StepError>,
) -> Result<(), StepFailure> {
    rec.begin_step(name).map_err(|e| record_failure(name, e))?;
    let result = body(rec);
    conclude(rec, name, result.map(|message| ((), message)))
}

/// Runs one asynchronous step, recording its outcome. The body returns a value for the
/// caller and the step's message.
pub async fn step_async<T>(
    rec: &mut Recorder,
    name: &str,
    body: impl AsyncFnOnce(&mut Recorder) -> Result<(T, String), StepError>,
) -> Result<T, StepFailure> {
    rec.begin_step(name).map_err(|e| record_failure(name, e))?;
    let result = body(rec).await;
    conclude(rec, name, result)
}

fn conclude<T>(
    rec: &mut Recorder,
    name: &str,
    result: Result<(T, String), StepError>,
) -> Result<T, StepFailure> {
    let result = result.map_err(|error| match error {
        StepError::Reason(why) => fail(name, why),
        StepError::Failed(failure) => failure,
    });
    let (passed, message) = match &result {
        Ok((_, message)) => (true, message.as_str()),
        Err(failure) => (false, failure.message.as_str()),
    };
    rec.end_step(passed, message)
        .map_err(|e| record_failure(name, e))?;
    result.map(|(value, _)| value)
}

/// The failure of step `step`, for a reason given as a sentence.
pub fn fail(step: &str, why: impl std::fmt::Display) -> StepFailure {
    StepFailure {
        step: step.to_owned(),
        message: why.to_string(),
    }
}

/// Turns a recording error into the failure of the step under way.
fn record_failure(step: &str, err: impl std::fmt::Display) -> StepFailure {
    fail(step, format!("could not record: {err}"))
}
