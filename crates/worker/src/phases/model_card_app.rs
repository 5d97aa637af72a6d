//! Phase 5: reads a model's info and card, decides whether the recipe can build an app for
//! it (Transformers text pipelines), generates the matching app, then deploys and validates
//! it as phase 2.1 does. Leaves `analysis/model_card.json` (the facts and the decision, with
//! an "unsupported, because …" reason when there is no app) and `generated/*`.

use serde_json::{json, Value};

use super::{begin, conclude, fail};
use crate::engine::recorder::{Recorder, StepFailure};
use crate::generate::model_app::{self, ModelApp};
use crate::model::access::HubAccess;
use crate::model::support::{decide, Support};
use crate::model::{ModelFacts, ModelSize};
use runs::RunSpec;

/// The analysis artifact.
pub const ANALYSIS: &str = "analysis/model_card.json";

/// Reads, decides, generates; then deploys and validates the app.
pub async fn run(spec: &RunSpec, rec: &mut Recorder) -> Result<String, StepFailure> {
    let hub = HubAccess::from_env().map_err(|e| fail("read_model", e))?;
    let model_id = spec
        .params
        .model_id
        .clone()
        .ok_or_else(|| fail("read_model", "the spec names no model"))?;
    let space_name = spec
        .params
        .target_space
        .clone()
        .ok_or_else(|| fail("generate_app", "the spec names no target Space"))?;

    begin(rec, "read_model")?;
    let facts = ModelFacts::read(&hub, &model_id)
        .await
        .map_err(|e| fail("read_model", format!("cannot read {model_id}: {e}")))
        .map(|f| {
            let msg = format!(
                "read {}: pipeline {}, library {}, license {}, card {}",
                f.id,
                f.info.pipeline_tag.as_deref().unwrap_or("unknown"),
                f.library().as_deref().unwrap_or("unknown"),
                f.info.license().as_deref().unwrap_or("unknown"),
                if f.card_body.is_some() {
                    "read"
                } else {
                    "absent"
                }
            );
            (f, msg)
        });
    let facts = conclude(rec, "read_model", facts)?;
    let size = ModelSize::of(&facts);

    begin(rec, "decide_support")?;
    let support = decide(&facts, &size, spec.params.space_hardware.as_deref());
    let app = match &support {
        Support::Supported { task } => Some(model_app::generate(&facts, *task, &space_name)),
        Support::Unsupported { .. } => None,
    };
    let analysis = analysis(&facts, &size, &support, app.as_ref());
    let written = rec.json_artifact(ANALYSIS, &analysis);
    let decided = written.and_then(|()| match &support {
        Support::Supported { task } => Ok((
            *task,
            format!(
                "supported: a {} app ({} parameters)",
                task.tag(),
                size.human_parameters()
            ),
        )),
        Support::Unsupported { reason } => Err(fail("decide_support", reason)),
    });
    let task = conclude(rec, "decide_support", decided)?;
    let app = app.expect("supported models have an app");

    begin(rec, "generate_app")?;
    let mut generated = Ok(());
    for file in &app.files {
        generated = generated.and_then(|()| {
            rec.artifact(&format!("generated/{}", file.path), file.content.as_bytes())
        });
    }
    conclude(
        rec,
        "generate_app",
        generated.map(|()| {
            (
                (),
                format!(
                    "generated app.py, requirements.txt and README.md for {} ({})",
                    task.tag(),
                    app.api_name
                ),
            )
        }),
    )?;

    deploy(spec, rec, &hub, &app).await
}

/// Deploying and validating the generated app the way phase 2.1 does.
async fn deploy(
    _spec: &RunSpec,
    _rec: &mut Recorder,
    _hub: &HubAccess,
    _app: &ModelApp,
) -> Result<String, StepFailure> {
    Err(fail(
        "deploy",
        "deploying the generated app is not available in this worker yet",
    ))
}

/// `analysis/model_card.json`: what the Hub says, what the recipe made of it.
fn analysis(
    facts: &ModelFacts,
    size: &ModelSize,
    support: &Support,
    app: Option<&ModelApp>,
) -> Value {
    let info = &facts.info;
    json!({
        "model_id": facts.id,
        "pipeline_tag": info.pipeline_tag,
        "library_name": facts.library(),
        "license": info.license(),
        "gated": info.gated,
        "private": info.private,
        "tags": info.tags,
        "card_data": info.card_data,
        "card_excerpt": facts.card_excerpt(),
        "config": {
            "architectures": facts.config.as_ref().and_then(|c| c.get("architectures")),
            "model_type": facts.config.as_ref().and_then(|c| c.get("model_type")),
        },
        "transformers_info": info.transformers_info,
        "needs_remote_code": facts.needs_remote_code(),
        "size": size,
        "files": info.siblings.iter().map(|s| s.rfilename.as_str()).collect::<Vec<_>>(),
        "unreadable": facts.unreadable,
        "decision": support,
        "app": app.map(|a| json!({
            "api_name": a.api_name,
            "inputs": a.inputs,
            "expectation": a.expectation,
            "files": a.files.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(),
        })),
    })
}
