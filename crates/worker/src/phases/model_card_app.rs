//! Phase 5: reads a model's info and card, decides whether the recipe can build an app for
//! it (Transformers text pipelines), generates the matching app, then deploys and validates
//! it as phase 2.1 does, and finally checks the live answer looks like the task's output.
//! Leaves `analysis/model_card.json` (the facts and the decision, with an "unsupported,
//! because …" reason when there is no app), `generated/*`, the phase 2.1 artifacts and
//! `tests/model_output.json`.

use crate::config::WorkerConfig;
use crate::engine::step::because;
use serde_json::{json, Value};

use super::step;
use crate::engine::step::step_async;
use crate::engine::{Recorder, StepFailure};
use crate::generate::model_app::{self, ModelApp};
use crate::model::support::{decide, Support};
use crate::model::{ModelFacts, ModelSize};
use crate::space::{self, Deployment, Expectation, HealthCheck, LiveCheck, SpaceSettings};
use runs::recipe::ModelAppOptions;
use runs::RunSpec;

/// The analysis artifact.
pub const ANALYSIS: &str = "analysis/model_card.json";
/// The check of the live answer against the task.
pub const MODEL_OUTPUT: &str = "tests/model_output.json";

/// Reads, decides, generates, deploys, validates.
pub async fn run(
    spec: &RunSpec,
    options: &ModelAppOptions,
    config: &WorkerConfig,
    rec: &mut Recorder,
) -> Result<String, StepFailure> {
    let model_id = options.model_id.clone();
    let name = options.space.target_space.clone();
    let access = space::check_access(rec, config, &spec.owner).await?;

    let facts = step_async(rec, "read_model", async |_rec: &mut Recorder| {
        let f = ModelFacts::read(&access, &model_id)
            .await
            .map_err(|e| because(format!("cannot read {model_id}: {e}")))?;
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
        Ok((f, msg))
    })
    .await?;
    let size = ModelSize::of(&facts);

    let support = decide(&facts, &size, options.space.space_hardware.as_deref());
    let app = match &support {
        Support::Supported { task } => Some(model_app::generate(
            &facts,
            *task,
            &name,
            options.space.space_hardware.as_deref(),
        )),
        Support::Unsupported { .. } => None,
    };
    step(rec, "decide_support", |rec| {
        rec.json_artifact(ANALYSIS, &analysis(&facts, &size, &support, app.as_ref()))?;
        match &support {
            Support::Supported { task } => Ok(format!(
                "supported: a {} app ({} parameters)",
                task.tag(),
                size.human_parameters()
            )),
            Support::Unsupported { reason } => Err(because(reason)),
        }
    })?;
    let app = app.expect("a supported model has an app");

    step(rec, "generate", |rec| {
        space::save_generated(rec, &app.files)?;
        Ok(format!(
            "generated app.py, requirements.txt and README.md; the app serves {}",
            app.api_name
        ))
    })?;

    // The deploy pipeline checks the answer's types against the schema; what a model
    // answers is checked against the task afterwards.
    let check = LiveCheck {
        health: HealthCheck::IfPresent,
        api_name: Some(app.api_name.clone()),
        inputs: Some(app.inputs.clone()),
        expect: Expectation::TypesOnly,
    };
    let mut deployment =
        Deployment::new(&spec.owner, &name, &app.files, check, config.wait.clone());
    deployment.unique_suffix = options.space.unique_suffix;
    deployment.settings = SpaceSettings {
        hardware: options.space.space_hardware.clone(),
        ..SpaceSettings::default()
    };
    deployment.commit_summary = format!("Add the {} app (Space Factory phase 5)", model_id);
    let deployed = space::deploy_and_validate(rec, &access, &deployment).await?;

    let outputs = deployed.validation.result.outputs.clone();
    let seen = step(rec, "check_model_output", |rec| {
        let first = outputs.first().cloned().unwrap_or(Value::Null);
        let verdict = app.rule.check(&first);
        rec.json_artifact(
            MODEL_OUTPUT,
            &json!({
                "api_name": app.api_name,
                "inputs": app.inputs,
                "output": first,
                "rule": app.rule,
                "passed": verdict.is_ok(),
                "detail": verdict.as_ref().map_or_else(|e| e.clone(), |s| s.clone()),
            }),
        )?;
        verdict
            .map(|seen| format!("the model answered with {seen}"))
            .map_err(|why| because(format!("the model's answer is wrong: {why}")))
    });
    seen?;

    Ok(format!(
        "The private Space {} serves {} ({}) and {} answered in {} ms.",
        deployed.target.id,
        model_id,
        app.api_name,
        app.api_name,
        deployed.validation.result.latency_ms.unwrap_or_default()
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
            "rule": a.rule,
            "files": a.files.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(),
        })),
    })
}
