//! Phase 8, article reproduction: Pi adapts an article's code into a Space; the worker
//! uploads Pi's whole workspace as a private Space, asks for ZeroGPU (best effort), checks
//! `GET /health` and the Gradio API, proves the app runs a model with a second input of
//! its own ([`crate::space::proof`]), saves runtime and log diagnostics, and lets the
//! full-inference gate ([`gate`]) decide what the run may claim (`inference_gate.json`).

pub mod gate;
pub mod hardware;
pub mod source;
pub mod task;

use super::{agent_step, step, workspace};
use crate::agent::AgentLimits;
use crate::config::WorkerConfig;
use crate::engine::step::because;
use crate::engine::step::step_async;
use crate::engine::{Recorder, StepFailure};
use crate::generate::GeneratedFile;
use crate::space::{self, proof, HealthCheck, LiveCheck};
use gate::{AppScan, Blockers, CallEvidence, GateInput};
use runs::gate::{INFERENCE_GATE_JSON, TECHNICAL_BLOCKERS_JSON};
use runs::proof::OutputKind;
use runs::recipe::ArticleOptions;
use runs::RunSpec;
use std::time::Duration;

/// Pi's limits for this phase unless the environment overrides them.
pub const LIMITS: AgentLimits = AgentLimits {
    wall_clock: Duration::from_secs(45 * 60),
    max_turns: 80,
};
/// The step that fetches the article.
pub const ARTICLE_STEP: &str = "article";
/// The step in which Pi builds the app.
pub const AGENT_STEP: &str = "agent_reproduce";
/// The step that reads Pi's workspace back.
pub const COLLECT_STEP: &str = "collect";
/// The step that asks for hardware.
pub const HARDWARE_STEP: &str = "hardware";
/// The step that judges the result.
pub const GATE_STEP: &str = "inference_gate";
/// The article as Pi read it.
pub const ARTICLE_ARTIFACT: &str = "analysis/article.md";

/// Runs phase 8 to its verdict.
pub async fn run(
    spec: &RunSpec,
    options: &ArticleOptions,
    config: &WorkerConfig,
    rec: &mut Recorder,
) -> Result<String, StepFailure> {
    let name = options.space.target_space.clone();
    let access = space::check_access(rec, config, &spec.owner).await?;
    let email = agent_step::user_email(&access);
    let agent = agent_step::prepare(rec, config, spec, &options.agent, LIMITS).await?;

    let article_path = agent.setup.agent_dir.join("article.md");
    step_async(rec, ARTICLE_STEP, async |rec: &mut Recorder| {
        let article = source::obtain(&options.article).await.map_err(because)?;
        std::fs::write(&article_path, &article.text)
            .map_err(|e| because(format!("cannot write the article: {e}")))?;
        rec.text_artifact(ARTICLE_ARTIFACT, &article.text)?;
        Ok((
            (),
            format!(
                "{} ({} characters)",
                article.origin,
                article.text.chars().count()
            ),
        ))
    })
    .await?;

    let mode = options.implementation_mode;
    agent_step::run_step(
        rec,
        &agent,
        AGENT_STEP,
        task::task(&article_path, None, mode),
        Vec::new(),
        email.into_iter().collect(),
    )
    .await?;

    let (files, blockers) = step_async(rec, COLLECT_STEP, async |rec: &mut Recorder| {
        let files = workspace::read_files(&agent.workspace).map_err(because)?;
        let blockers = match files.iter().find(|f| f.path == TECHNICAL_BLOCKERS_JSON) {
            Some(file) => {
                rec.text_artifact(TECHNICAL_BLOCKERS_JSON, &file.content)?;
                Some(Blockers::parse(&file.content).map_err(because)?)
            }
            None => None,
        };
        space::save_generated(rec, &files)?;
        let message = format!(
            "Pi left {} file(s): {}{}",
            files.len(),
            files
                .iter()
                .map(|f| f.path.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            blockers
                .as_ref()
                .map(|b| format!("; {} technical blocker(s) documented", b.count))
                .unwrap_or_default()
        );
        Ok(((files, blockers), message))
    })
    .await?;

    let scan = AppScan::of(
        files.iter().map(|f| (f.path.as_str(), f.content.as_str())),
        None,
    );
    let has_app = files.iter().any(|f| f.path == "app.py");
    let live = if has_app {
        deploy(rec, config, &access, spec, options, &name, &files).await?
    } else {
        LiveEvidence::default()
    };

    let input = GateInput {
        mode,
        blockers,
        health_passed: live.health_passed,
        scan,
        call: live.call,
        proof: live.proof,
    };
    let decision = gate::decide(&input);
    let verdict = decision.verdict.clone();
    step(rec, GATE_STEP, |rec| {
        rec.json_artifact(INFERENCE_GATE_JSON, &gate::gate_json(&input, &decision))?;
        let message = format!("{}: {}", decision.status.id(), decision.verdict);
        if decision.run_succeeds {
            Ok(message)
        } else {
            Err(because(message))
        }
    })?;
    Ok(verdict)
}

/// What the live Space showed the gate.
#[derive(Debug, Default)]
struct LiveEvidence {
    /// Whether `/health` passed.
    health_passed: bool,
    /// The validation call's evidence, when a call was attempted.
    call: Option<CallEvidence>,
    /// The inference proof, when the validation call passed.
    proof: Option<runs::InferenceProof>,
}

/// Creates the private Space, asks for hardware, uploads the workspace, waits for it,
/// validates it and, when its call passed, proves it runs a model. A Space that does not
/// come up or answer is evidence for the gate, not the end of the run. Errors only when
/// the Space could not even be created or uploaded.
async fn deploy(
    rec: &mut Recorder,
    config: &WorkerConfig,
    access: &space::HubAccess,
    spec: &RunSpec,
    options: &ArticleOptions,
    name: &str,
    files: &[GeneratedFile],
) -> Result<LiveEvidence, StepFailure> {
    let target = space::create_target(
        rec,
        access,
        &spec.owner,
        name,
        options.space.unique_suffix,
        &hardware::settings(options.allow_gpu_fallback),
    )
    .await?;
    step_async(rec, HARDWARE_STEP, async |rec: &mut Recorder| {
        let outcome = hardware::record(rec, &target);
        let message = match (&outcome.granted, outcome.manual_action_required) {
            (Some(flavor), false) => format!("{flavor} granted"),
            (Some(flavor), true) => format!(
                "manual hardware action required: the Hub refused the hardware asked for first; {flavor} granted instead"
            ),
            (None, true) => {
                "manual hardware action required (the Hub refused the GPU hardware; not retried): the Space runs on its default hardware".into()
            }
            (None, false) => "the Space runs on its default hardware".into(),
        };
        Ok(((), message))
    })
    .await?;
    space::upload_app(
        rec,
        access,
        &target,
        files,
        "Add the reproduction built by Pi (Space Factory phase 8)",
    )
    .await?;
    let live = match space::wait_running(rec, access, &target, &config.wait).await {
        Ok(live) => live,
        // wait_running saved the diagnostics already.
        Err(_) => return Ok(LiveEvidence::default()),
    };
    let check = LiveCheck {
        health: HealthCheck::Required,
        api_name: None,
        inputs: None,
        expect: space::Expectation::TypesOnly,
    };
    let validation =
        space::validate_live(rec, access, &live.app, Some(target.id.to_string()), &check).await;
    let proof = match &validation {
        Ok(passed) => {
            Some(proof::prove(rec, access, &live.app, passed, None, OutputKind::Declared).await?)
        }
        Err(_) => None,
    };
    space::wait::save_diagnostics(rec, access, &target, &live.runtime).await;
    let health_passed = match &validation {
        Ok(_) => true,
        Err(failure) => failure.step != space::validate::HEALTH_STEP,
    };
    let call = read_call_evidence(rec, validation.as_ref().err());
    Ok(LiveEvidence {
        health_passed,
        call,
        proof,
    })
}

/// The API call's evidence from `tests/test_result.json`, when a call was attempted.
fn read_call_evidence(rec: &Recorder, failure: Option<&StepFailure>) -> Option<CallEvidence> {
    let path = rec
        .paths()
        .artifact(space::validate::TEST_RESULT_JSON)
        .ok()?;
    let bytes = rec.read_back(&path).ok()?;
    let result: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let list = |key: &str| result[key].as_array().cloned().unwrap_or_default();
    Some(CallEvidence {
        api_name: result["endpoint"].as_str().map(str::to_owned),
        inputs: list("inputs"),
        outputs: list("outputs"),
        passed: result["verdict"] == "passed" && failure.is_none(),
        error: failure
            .map(|f| f.message.clone())
            .or_else(|| result["reason"].as_str().map(str::to_owned))
            .filter(|r| !r.is_empty() && result["verdict"] != "passed"),
    })
}
