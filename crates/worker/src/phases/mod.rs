//! The recipes, one module each. Each returns a one-line verdict or the step that failed.

pub mod agent_step;
pub mod article;
pub mod bucket_round_trip;
pub mod model_card_app;
pub mod pi_recipe;
pub mod pi_smoke;
pub mod runtime_recommender;
pub mod template_space;
pub mod validate_existing;
pub mod workspace;

use crate::config::WorkerConfig;
use crate::engine::recorder::{Recorder, StepFailure};
pub(crate) use crate::engine::step::{fail, step};
use runs::{Phase, RunSpec};

/// Runs `spec`'s phase to its verdict.
pub async fn run(
    spec: &RunSpec,
    config: &WorkerConfig,
    recorder: &mut Recorder,
) -> Result<String, StepFailure> {
    match spec.phase {
        Phase::BucketRoundTrip => bucket_round_trip::run(recorder).await,
        Phase::ModelCardApp => model_card_app::run(spec, config, recorder).await,
        Phase::RuntimeRecommender => runtime_recommender::run(spec, config, recorder).await,
        Phase::TemplateSpace => template_space::run(spec, config, recorder).await,
        Phase::ValidateExisting => validate_existing::run(spec, config, recorder).await,
        Phase::PiSmokeTest => pi_smoke::run(spec, config, recorder).await,
        Phase::PiRecipe => pi_recipe::run(spec, config, recorder).await,
        Phase::ArticleReproduction => article::run(spec, config, recorder).await,
    }
}
