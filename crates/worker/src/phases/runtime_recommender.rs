//! Phase 6: recommends Space hardware for a model from its metadata, without building
//! anything. Leaves `runtime_recommendation.json` (inputs, choice, price, reasoning, every
//! flavor considered) and `analysis/model_facts.json`.

use crate::config::WorkerConfig;
use crate::engine::step::because;
use serde_json::json;

use super::fail;
use crate::engine::step::step_async;
use crate::engine::{Recorder, StepFailure};
use crate::model::hardware::Flavor;
use crate::model::recommend::recommend;
use crate::model::{ModelFacts, ModelSize};
use crate::space::HubAccess;
use runs::recipe::ModelOptions;

/// The artifact this phase exists for.
pub const RECOMMENDATION: &str = "runtime_recommendation.json";

/// Reads the model and the hardware list, and writes the recommendation.
pub async fn run(
    options: &ModelOptions,
    config: &WorkerConfig,
    rec: &mut Recorder,
) -> Result<String, StepFailure> {
    let model_id = options.model_id.clone();
    let hub = HubAccess::from_config(config).map_err(|e| fail("read_model", e))?;

    let facts = step_async(rec, "read_model", async |_rec: &mut Recorder| {
        let f = ModelFacts::read(&hub, &model_id)
            .await
            .map_err(|e| because(format!("cannot read {model_id}: {e}")))?;
        let msg = format!(
            "read {}: pipeline {}, library {}, {} files",
            f.id,
            f.info.pipeline_tag.as_deref().unwrap_or("unknown"),
            f.library().as_deref().unwrap_or("unknown"),
            f.info.siblings.len()
        );
        Ok((f, msg))
    })
    .await?;
    let size = ModelSize::of(&facts);

    let flavors = step_async(rec, "read_hardware", async |_rec: &mut Recorder| {
        let list = hub
            .hub
            .spaces_hardware(Some(&hub.token))
            .await
            .map_err(|e| because(format!("cannot read the hardware list: {e}")))?;
        if list.is_empty() {
            return Err(because("the Hub listed no hardware"));
        }
        let flavors: Vec<Flavor> = list.iter().map(Flavor::from_hub).collect();
        let msg = format!("{} Space hardware flavors with prices", flavors.len());
        Ok((flavors, msg))
    })
    .await?;

    let summary = step_async(rec, "recommend", async |rec: &mut Recorder| {
        let r = recommend(&facts, &size, &flavors)
            .ok_or_else(|| because("no flavor of the list could be judged"))?;
        let doc = json!({
            "model_id": facts.id,
            "inputs": {
                "parameters": size.parameters,
                "parameters_human": size.human_parameters(),
                "parameter_source": size.source,
                "dtype": size.dtype,
                "bytes_per_parameter": size.bytes_per_parameter,
                "weights_gb": size.weights_gb(),
                "pipeline_tag": facts.info.pipeline_tag,
                "library_name": facts.library(),
                "gated": facts.info.gated,
            },
            "recommendation": r,
            "hardware_source": "GET /api/spaces/hardware",
        });
        rec.json_artifact(RECOMMENDATION, &doc)?;
        rec.json_artifact(
            "analysis/model_facts.json",
            &json!({"info": facts.info, "size": size, "unreadable": facts.unreadable}),
        )?;
        let price = r
            .hourly_usd
            .map_or("price unknown".into(), |p| format!("${p}/hour"));
        let msg = format!(
            "{} ({}, {price}, confidence {:?}): {}",
            r.hardware,
            r.pretty_name,
            r.confidence,
            r.reasoning.last().cloned().unwrap_or_default()
        );
        Ok((msg.clone(), msg))
    })
    .await?;
    Ok(format!("Recommended for {model_id}: {summary}"))
}
