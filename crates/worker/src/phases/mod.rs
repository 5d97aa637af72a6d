//! The recipes, one module each. Each returns a one-line verdict or the step that failed.

pub mod bucket_round_trip;
pub mod model_card_app;
pub mod runtime_recommender;
pub mod template_space;
pub mod validate_existing;

use crate::engine::recorder::{Recorder, StepFailure};
pub(crate) use crate::engine::step::{fail, step};
use runs::{Phase, RunSpec};

/// Runs `spec`'s phase to its verdict.
pub async fn run(spec: &RunSpec, recorder: &mut Recorder) -> Result<String, StepFailure> {
    match spec.phase {
        Phase::BucketRoundTrip => bucket_round_trip::run(recorder).await,
        Phase::ModelCardApp => model_card_app::run(spec, recorder).await,
        Phase::RuntimeRecommender => runtime_recommender::run(spec, recorder).await,
        Phase::TemplateSpace => template_space::run(spec, recorder).await,
        Phase::ValidateExisting => validate_existing::run(spec, recorder).await,
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
