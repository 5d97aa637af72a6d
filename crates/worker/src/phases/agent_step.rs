//! What the agent phases share: preparing Pi for a run (which binary, which model, which
//! key, which limits) and running it as one recorded step that passes only when Pi
//! finished its work.

use crate::agent::{
    run_agent, AgentKey, AgentLimits, AgentModel, AgentReport, AgentSetup, AgentTask, HubGrant,
    PiInstall, Provider,
};
use crate::config::WorkerConfig;
use crate::engine::recorder::{Recorder, StepFailure};
use runs::recipe::AgentOptions;
use runs::RunSpec;
use std::path::PathBuf;
use std::time::Duration;

/// The step that finds (or installs) Pi and writes its configuration.
pub const SETUP_STEP: &str = "agent_setup";

/// Overrides the agent's turn limit (a number).
pub const MAX_TURNS_ENV: &str = "SPACE_FACTORY_AGENT_MAX_TURNS";
/// Overrides the agent's wall-clock limit (`10m`, `90s`, …).
pub const TIMEOUT_ENV: &str = "SPACE_FACTORY_AGENT_TIMEOUT";
/// The Job secret with a custom OpenAI-compatible base URL's own key: the only key such an
/// endpoint is given (never the user's token).
pub const API_KEY_ENV: &str = runs::job::ENDPOINT_KEY_SECRET;
/// The Inference Providers router when it is not the public one (set in the embedded hub's
/// Jobs, which it serves itself).
pub const ROUTER_ENV: &str = hub::INFERENCE_URL_ENV;
/// The Job secret carrying the user's token.
pub use crate::space::access::TOKEN_ENV;

/// Pi ready for this run, plus the folders it works in.
#[derive(Debug, Clone)]
pub struct PreparedAgent {
    /// Binary, model, key and agent folder.
    pub setup: AgentSetup,
    /// The limits (the phase's defaults unless the environment overrides them).
    pub limits: AgentLimits,
    /// A fresh, empty folder for Pi to work in.
    pub workspace: PathBuf,
    /// The Hub calls Pi may make through the worker's gateway (none unless the phase
    /// grants them).
    pub hub: Option<HubGrant>,
}

/// The user's email as the Hub told it at the access check, to remove from redacted traces
/// (`None` when the token may not see it: redaction is best effort here, the token itself
/// is always removed).
pub fn user_email(access: &crate::space::HubAccess) -> Option<String> {
    access
        .account
        .as_ref()?
        .email
        .clone()
        .filter(|email| email.contains('@'))
}

/// Finds or installs Pi and decides model, key and limits (step `agent_setup`).
/// `defaults` are the phase's limits; [`MAX_TURNS_ENV`] and [`TIMEOUT_ENV`] override them.
pub async fn prepare(
    rec: &mut Recorder,
    config: &WorkerConfig,
    spec: &RunSpec,
    agent: &AgentOptions,
    defaults: AgentLimits,
) -> Result<PreparedAgent, StepFailure> {
    rec.begin_step(SETUP_STEP)
        .map_err(|e| recording(SETUP_STEP, e))?;
    let result = prepare_inner(config, spec, agent, defaults).await;
    let outcome = match &result {
        Ok((_, message)) => Ok(message.clone()),
        Err(failure) => Err(failure.clone()),
    };
    finish(rec, SETUP_STEP, &outcome)?;
    result.map(|(prepared, _)| prepared)
}

async fn prepare_inner(
    config: &WorkerConfig,
    spec: &RunSpec,
    agent: &AgentOptions,
    defaults: AgentLimits,
) -> Result<(PreparedAgent, String), StepFailure> {
    let fail = |why: String| crate::phases::fail(SETUP_STEP, why);
    let pi = PiInstall::from_config(config)
        .find_or_install()
        .await
        .map_err(|e| fail(format!("no Pi coding agent: {e}")))?;
    let model = AgentModel::new(
        Some(agent.agent_model.as_str()),
        agent.agent_base_url.as_deref(),
    )
    .via_router(config.agent_router.as_deref());
    // The user's token goes to the Hub's own router only; an endpoint someone typed gets
    // its own key or nothing.
    let key = match &model.provider {
        Provider::HuggingFace | Provider::Router { .. } => config.token.clone().ok_or_else(|| {
            fail(format!(
                "no key for the model provider: the Job must carry the user's token as {TOKEN_ENV}"
            ))
        }),
        Provider::OpenAiCompatible { .. } => config
            .agent_api_key
            .clone()
            .ok_or_else(|| fail(runs::job::ENDPOINT_KEY_NEEDED.to_owned())),
    }?;
    let limits = limits(config, defaults).map_err(fail)?;
    let run_id = spec.run_id.to_string();
    let agent_dir = fresh_dir(&format!("space-factory-agent-{run_id}")).map_err(&fail)?;
    let workspace = fresh_dir(&format!("space-factory-workspace-{run_id}")).map_err(&fail)?;
    let message = format!(
        "Pi {} at {}; model {}{} via {}; limits {} turns, {} s",
        pi.version.as_deref().unwrap_or("(unpinned)"),
        pi.path.display(),
        model.model,
        runs::demo::label(&model.model)
            .map(|label| format!(" ({label})"))
            .unwrap_or_default(),
        match &model.provider {
            Provider::HuggingFace => "Inference Providers".to_owned(),
            Provider::Router { base_url } => format!("Inference Providers at {base_url}"),
            Provider::OpenAiCompatible { base_url } => base_url.clone(),
        },
        limits.max_turns,
        limits.wall_clock.as_secs()
    );
    let setup = AgentSetup {
        pi,
        model,
        key: AgentKey::new(key),
        agent_dir,
    };
    Ok((
        PreparedAgent {
            setup,
            limits,
            workspace,
            hub: None,
        },
        message,
    ))
}

/// Runs Pi on `prompt` as step `step`; the step (and so the run) fails unless Pi finished
/// its work with a final answer. `env` reaches Pi and its commands; `redact_also` is
/// removed from the redacted traces.
pub async fn run_step(
    rec: &mut Recorder,
    agent: &PreparedAgent,
    step: &str,
    prompt: String,
    env: Vec<(String, String)>,
    redact_also: Vec<String>,
) -> Result<AgentReport, StepFailure> {
    rec.begin_step(step).map_err(|e| recording(step, e))?;
    let task = AgentTask {
        workspace: agent.workspace.clone(),
        prompt,
        limits: agent.limits,
        env,
        redact_also,
        hub: agent.hub.clone(),
    };
    let result = run_agent(rec, &agent.setup, &task)
        .await
        .and_then(|report| {
            if report.outcome.is_completed() {
                Ok(report)
            } else {
                Err(crate::phases::fail(step, report.outcome.describe()))
            }
        });
    let message = result.as_ref().map(|report| {
        format!(
            "{} after {} turns and {} tool calls ({:.1} s). {}",
            report.outcome.describe(),
            report.turns,
            report.tool_calls,
            report.duration_ms as f64 / 1000.0,
            crate::agent::jail::describe(&report.containment)
        )
    });
    finish(rec, step, &message.map_err(|f| f.clone()))?;
    result
}

fn finish(
    rec: &mut Recorder,
    step: &str,
    result: &Result<String, StepFailure>,
) -> Result<(), StepFailure> {
    let (passed, message) = match result {
        Ok(message) => (true, message.as_str()),
        Err(failure) => (false, failure.message.as_str()),
    };
    rec.end_step(passed, message)
        .map_err(|e| recording(step, e))
}

fn recording(step: &str, err: impl std::fmt::Display) -> StepFailure {
    crate::phases::fail(step, format!("could not record: {err}"))
}

/// The phase's limits with the configured overrides.
pub fn limits(config: &WorkerConfig, defaults: AgentLimits) -> Result<AgentLimits, String> {
    let mut limits = defaults;
    if let Some(turns) = &config.agent_max_turns {
        limits.max_turns =
            turns.parse().ok().filter(|&n: &u32| n > 0).ok_or_else(|| {
                format!("{MAX_TURNS_ENV} must be a positive number, not `{turns}`")
            })?;
    }
    if let Some(timeout) = &config.agent_timeout {
        limits.wall_clock = humantime::parse_duration(timeout)
            .ok()
            .filter(|d| *d >= Duration::from_secs(1))
            .ok_or_else(|| {
                format!("{TIMEOUT_ENV} must be a duration like `10m`, not `{timeout}`")
            })?;
    }
    Ok(limits)
}

/// An empty folder under the temporary directory, readable by this user only (anything
/// left from an earlier attempt of the same run is removed first).
fn fresh_dir(name: &str) -> Result<PathBuf, String> {
    use std::os::unix::fs::DirBuilderExt;
    let dir = std::env::temp_dir().join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .map_err(|e| format!("cannot clear {}: {e}", dir.display()))?;
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use localhub::demo_agent::{DemoTask, APP_MODEL};
    use runs::ImplementationMode;

    /// The embedded hub's demo agent carries recipes 3, 4 and 8 by recognising these very
    /// tasks: a change to a task's wording that it would no longer follow fails here.
    #[test]
    fn the_embedded_hubs_demo_agent_recognises_every_agent_task() {
        assert_eq!(
            DemoTask::recognise(&super::super::pi_smoke::task("Shouter")),
            DemoTask::SmokeEdit
        );
        let space: runs::RepoId = "alice/pi-recipe".parse().unwrap();
        for flavor in [None, Some(runs::hardware::ZERO_GPU)] {
            assert_eq!(
                DemoTask::recognise(&super::super::pi_recipe::task("alice", &space, flavor)),
                DemoTask::Recipe {
                    space: "alice/pi-recipe".into(),
                    flavor: flavor.map(str::to_owned),
                }
            );
        }
        let article = std::path::Path::new("/agent/article.md");
        for (model, expected) in [(None, APP_MODEL), (Some("org/model"), "org/model")] {
            assert_eq!(
                DemoTask::recognise(&super::super::article::task::task(
                    article,
                    model,
                    ImplementationMode::FullInferenceGated
                )),
                DemoTask::Article {
                    model: expected.into()
                }
            );
        }
    }
}
