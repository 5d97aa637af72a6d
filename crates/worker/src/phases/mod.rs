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
use runs::{Recipe, RunSpec};

/// Runs `spec`'s recipe to its verdict, handing each phase its own options.
pub async fn run(
    spec: &RunSpec,
    config: &WorkerConfig,
    recorder: &mut Recorder,
) -> Result<String, StepFailure> {
    match &spec.recipe {
        Recipe::BucketRoundTrip => bucket_round_trip::run(recorder).await,
        Recipe::ModelCardApp(options) => model_card_app::run(spec, options, config, recorder).await,
        Recipe::RuntimeRecommender(options) => {
            runtime_recommender::run(options, config, recorder).await
        }
        Recipe::TemplateSpace(options) => {
            template_space::run(spec, options, config, recorder).await
        }
        Recipe::ValidateExisting(options) => {
            validate_existing::run(options, config, recorder).await
        }
        Recipe::PiSmokeTest(options) => pi_smoke::run(spec, options, config, recorder).await,
        Recipe::PiRecipe(options) => pi_recipe::run(spec, options, config, recorder).await,
        Recipe::ArticleReproduction(options) => article::run(spec, options, config, recorder).await,
    }
}
