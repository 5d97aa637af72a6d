//! Phase 5: reads a model's info and card, decides whether the recipe can build an app for
//! it (Transformers text pipelines; ONNX Runtime for text classifiers that ship an ONNX
//! export, [`crate::model::support`]), generates the matching app, then deploys and validates
//! it as phase 2.1 does, checks the live answer looks like the task's output, and proves
//! the model answers (a second, different input must get a different answer of the task's
//! type, [`crate::space::proof`]). Leaves `analysis/model_card.json` (the facts and the
//! decision, with an "unsupported, because …" reason when there is no app), `generated/*`,
//! the phase 2.1 artifacts, `tests/model_output.json`, `tests/inference_proof.json` and
//! `inference_gate.json` (`full_inference_passed` only with that proof; constant, echoed or
//! empty answers are `health_only`, a run that still succeeds: the app works, the model's
//! output is what it is).

use crate::config::WorkerConfig;
use crate::engine::step::because;
use serde_json::{json, Value};

use super::step;
use crate::engine::step::step_async;
use crate::engine::{Recorder, StepFailure};
use crate::generate::model_app::{self, ModelApp};
use crate::model::support::{decide, Support};
use crate::model::{ModelFacts, ModelSize};
use crate::space::{self, proof, Deployment, Expectation, HealthCheck, LiveCheck, SpaceSettings};
use runs::gate::INFERENCE_GATE_JSON;
use runs::proof::ProofVerdict;
use runs::recipe::ModelAppOptions;
use runs::{GateStatus, ImplementationMode, InferenceGate, InferenceProof, RunSpec};

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
        Support::Supported { task, runtime } => Some(model_app::generate(
            &facts,
            *task,
            runtime,
            &name,
            options.space.space_hardware.as_deref(),
        )),
        Support::Unsupported { .. } => None,
    };
    step(rec, "decide_support", |rec| {
        rec.json_artifact(ANALYSIS, &analysis(&facts, &size, &support, app.as_ref()))?;
        match &support {
            Support::Supported { task, runtime } => Ok(format!(
                "supported: a {} app ({} parameters) on {}",
                task.tag(),
                size.human_parameters(),
                runtime.describe()
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

    let proof = proof::prove(
        rec,
        &access,
        &deployed.live.app,
        &deployed.validation,
        Some(app.proof_inputs.clone()),
        app.rule.output_kind(),
    )
    .await?;
    let gate = gate_record(&proof);
    step(rec, GATE_STEP, |rec| {
        rec.json_artifact(
            INFERENCE_GATE_JSON,
            &serde_json::to_value(&gate).expect("the gate record serializes"),
        )?;
        Ok(format!("{}: {}", gate.status.id(), gate.verdict))
    })?;

    Ok(format!(
        "The private Space {} serves {} ({}) and {} answered in {} ms. {}",
        deployed.target.id,
        model_id,
        app.api_name,
        app.api_name,
        deployed.validation.result.latency_ms.unwrap_or_default(),
        gate.verdict
    ))
}

/// The step that records the gate.
pub const GATE_STEP: &str = "inference_gate";

/// `inference_gate.json` for phase 5, from the proof alone: the app is the worker's own,
/// so its code is known to load the model; the answers decide. The run succeeds either way
/// (the app answers as its task says), and only a proof may be called model output.
pub fn gate_record(proof: &InferenceProof) -> InferenceGate<&InferenceProof> {
    let reason = proof.reasons.join("; ");
    let (status, verdict) = if proof.verdict == ProofVerdict::Proven {
        (
            GateStatus::FullInferencePassed,
            format!("Model output proven: {reason}."),
        )
    } else if proof.verdict.disproves() {
        (
            GateStatus::HealthOnly,
            format!("Not proven to be model output: {reason}."),
        )
    } else {
        (
            GateStatus::FullInferenceCandidateHealthPassed,
            format!("Model output not proven: {reason}."),
        )
    };
    InferenceGate::new(
        status,
        ImplementationMode::FullInferenceAttempt,
        true,
        verdict,
        proof.reasons.clone(),
        proof,
    )
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

#[cfg(test)]
mod tests {
    use super::*;
    use runs::proof::OutputKind;

    fn proof(verdict: ProofVerdict) -> InferenceProof {
        InferenceProof {
            api_name: "/generate".into(),
            output_kind: OutputKind::Continuation,
            calls: Vec::new(),
            verdict,
            reasons: vec!["two inputs".into()],
        }
    }

    #[test]
    fn only_a_proof_is_called_model_output() {
        for (verdict, status) in [
            (ProofVerdict::Proven, GateStatus::FullInferencePassed),
            (ProofVerdict::Constant, GateStatus::HealthOnly),
            (ProofVerdict::Echoed, GateStatus::HealthOnly),
            (ProofVerdict::Empty, GateStatus::HealthOnly),
            (ProofVerdict::WrongType, GateStatus::HealthOnly),
            (
                ProofVerdict::CallFailed,
                GateStatus::FullInferenceCandidateHealthPassed,
            ),
        ] {
            let p = proof(verdict);
            let gate = gate_record(&p);
            assert_eq!(gate.status, status, "{verdict:?}");
            assert_eq!(gate.is_reproduction, verdict == ProofVerdict::Proven);
            assert!(gate.run_succeeds);
            assert!(gate.verdict.contains("two inputs"), "{}", gate.verdict);
            let json = serde_json::to_value(&gate).unwrap();
            assert_eq!(json["evidence"]["verdict"], verdict.id());
        }
    }
}
