//! The recipes, one module each. Each returns a one-line verdict or the step that failed.

pub mod bucket_round_trip;
pub mod model_card_app;
pub mod runtime_recommender;

use crate::engine::recorder::{Recorder, StepFailure};
use runs::{Phase, RunSpec};

/// Runs `spec`'s phase to its verdict.
pub async fn run(spec: &RunSpec, recorder: &mut Recorder) -> Result<String, StepFailure> {
    match spec.phase {
        Phase::BucketRoundTrip => bucket_round_trip::run(recorder).await,
        Phase::ModelCardApp => model_card_app::run(spec, recorder).await,
        Phase::RuntimeRecommender => runtime_recommender::run(spec, recorder).await,
        other => Err(StepFailure {
            step: "run".into(),
            message: format!(
                "phase {} ({}) is not implemented in this worker yet",
                other.id(),
                other.title()
            ),
        }),
    }
}

/// Runs one synchronous step between `begin_step` and `end_step`, recording its outcome.
pub(crate) fn step(
    rec: &mut Recorder,
    name: &str,
    body: impl FnOnce(&mut Recorder) -> Result<String, StepFailure>,
) -> Result<(), StepFailure> {
    rec.begin_step(name).map_err(|e| record_failure(name, e))?;
    let result = body(rec);
    let (passed, message) = match &result {
        Ok(message) => (true, message.as_str()),
        Err(failure) => (false, failure.message.as_str()),
    };
    rec.end_step(passed, message)
        .map_err(|e| record_failure(name, e))?;
    result.map(|_| ())
}

/// Starts step `name` of an asynchronous phase: pair it with [`conclude`].
pub(crate) fn begin(rec: &mut Recorder, name: &str) -> Result<(), StepFailure> {
    rec.begin_step(name).map_err(|e| record_failure(name, e))
}

/// Ends step `name` begun with [`begin`]: records `result`'s message (or failure) and
/// hands back its value.
pub(crate) fn conclude<T>(
    rec: &mut Recorder,
    name: &str,
    result: Result<(T, String), StepFailure>,
) -> Result<T, StepFailure> {
    let (passed, message) = match &result {
        Ok((_, message)) => (true, message.as_str()),
        Err(failure) => (false, failure.message.as_str()),
    };
    rec.end_step(passed, message)
        .map_err(|e| record_failure(name, e))?;
    result.map(|(value, _)| value)
}

/// The failure of step `step`, for a reason given as a sentence.
pub(crate) fn fail(step: &str, why: impl std::fmt::Display) -> StepFailure {
    StepFailure {
        step: step.to_owned(),
        message: why.to_string(),
    }
}

/// Turns a recording error into the failure of the step under way.
fn record_failure(step: &str, err: impl std::fmt::Display) -> StepFailure {
    fail(step, format!("could not record: {err}"))
}
