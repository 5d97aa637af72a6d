//! Phase 4, the Pi recipe: Pi follows the Space recipe shipped with the project
//! (`recipes/space-recipe.md`) and itself uses the `hf` CLI to write a small app, create a
//! private Space and upload it. The worker picks the Space's name first (so the Space is
//! new and the run's own), then checks on its own what Pi left on the Hub: the Space
//! exists, is private, runs, and its API answers as the task asked. Pi's claim counts for
//! nothing.

use super::agent_step;
use crate::agent::{AgentKey, AgentLimits, HubGrant};
use crate::config::WorkerConfig;
use crate::engine::clock::now_rfc3339;
use crate::engine::step::step_async;
use crate::engine::step::{because, StepError};
use crate::engine::{Recorder, StepFailure};
use crate::space::{self, HubAccess, LiveCheck, TargetSpace};
use hub::RepoId;
use runs::recipe::AgentSpaceOptions;
use runs::RunSpec;
use std::path::PathBuf;
use std::time::Duration;

/// The recipe Pi follows, shipped with the project.
pub const RECIPE: &str = include_str!("../../recipes/space-recipe.md");
/// Where the recipe Pi was given is kept in the run folder.
pub const RECIPE_ARTIFACT: &str = "logs/recipe.md";
/// Names the `hf` executable to give Pi (else `hf` is looked up on `PATH`).
pub const HF_CLI_ENV: &str = "SPACE_FACTORY_HF_CLI";
/// The endpoint the task asks for.
pub const API_NAME: &str = "/reverse";
/// What the worker sends it.
pub const SAMPLE_INPUT: &str = "space factory";
/// The step that picks the Space's name.
pub const NAME_STEP: &str = "choose_space";
/// The step in which Pi follows the recipe.
pub const AGENT_STEP: &str = "agent_recipe";
/// The step that checks what Pi created.
pub const CHECK_STEP: &str = "check_space";

/// Pi's limits for this phase unless the environment overrides them.
pub const LIMITS: AgentLimits = AgentLimits {
    wall_clock: Duration::from_secs(20 * 60),
    max_turns: 40,
};

/// What the app must answer for `text`: the text reversed.
pub fn expected_output(text: &str) -> String {
    text.chars().rev().collect()
}

/// The task given to Pi, filled by [`task`].
const TASK_TEMPLATE: &str = include_str!("pi_recipe_task.md");
/// What [`TASK_TEMPLATE`] says when the account needs ZeroGPU.
const ZERO_GPU_TEMPLATE: &str = include_str!("pi_recipe_zero_gpu.md");

/// The task given to Pi: the app to build, the exact Space id, the hardware when the
/// account needs ZeroGPU (`hardware`: a free account may host Gradio Spaces only there),
/// then the recipe.
pub fn task(user: &str, space: &RepoId, hardware: Option<&str>) -> String {
    let hardware = hardware
        .map(|flavor| crate::template::fill(ZERO_GPU_TEMPLATE, &[("flavor", flavor)]))
        .unwrap_or_default();
    crate::template::fill(
        TASK_TEMPLATE,
        &[
            ("user", user),
            ("api", API_NAME.trim_start_matches('/')),
            ("space", &space.to_string()),
            ("hardware", &hardware),
            ("recipe", RECIPE),
        ],
    )
}

/// The hardware Pi must create the Space on: ZeroGPU when the Hub said at the access check
/// that the account has no PRO (CPU Gradio Spaces need it), else the default.
fn required_hardware(access: &HubAccess) -> Option<&'static str> {
    let who = access.account.as_ref()?;
    (who.is_pro == Some(false)).then_some(runs::hardware::ZERO_GPU)
}

/// Runs phase 4 to its verdict.
pub async fn run(
    spec: &RunSpec,
    options: &AgentSpaceOptions,
    config: &WorkerConfig,
    rec: &mut Recorder,
) -> Result<String, StepFailure> {
    let name = options.space.target_space.clone();
    let access = space::check_access(rec, config, &spec.owner).await?;
    let email = agent_step::user_email(&access);
    let mut agent = agent_step::prepare(rec, config, spec, &options.agent, LIMITS).await?;

    let run_id = rec.state().run_id.to_string();
    let (space_id, hf_cli) = step_async(rec, NAME_STEP, async |rec: &mut Recorder| {
        let requested = RepoId::new(&spec.owner, &name).map_err(because)?;
        let id =
            space::target::choose_name(&access, &requested, options.space.unique_suffix, &run_id)
                .await?;
        let hf_cli = find_hf_cli(config).map_err(because)?;
        rec.text_artifact(RECIPE_ARTIFACT, RECIPE)?;
        let message = format!("Pi is to create {id} with {}", hf_cli.display());
        Ok(((id, hf_cli), message))
    })
    .await?;

    let env = hf_env(config, &agent.setup.agent_dir, &hf_cli);
    agent.hub = Some(hub_grant(&access, &space_id, rec.redactor()));
    let hardware = required_hardware(&access);
    agent_step::run_step(
        rec,
        &agent,
        AGENT_STEP,
        task(&spec.owner, &space_id, hardware),
        env,
        email.into_iter().collect(),
    )
    .await?;

    let target = step_async(rec, CHECK_STEP, async |rec: &mut Recorder| {
        let target = check_space(&access, &space_id, &name).await?;
        target.save(rec)?;
        let message = format!(
            "{} exists, is private, is a Gradio Space and holds {}",
            target.id, "app.py"
        );
        Ok((target, message))
    })
    .await?;

    let live = space::wait_running(rec, &access, &target, &config.wait).await?;
    let expected = expected_output(SAMPLE_INPUT);
    let check = LiveCheck::expect_text(API_NAME, vec![SAMPLE_INPUT.into()], &expected);
    space::validate_live(rec, &access, &live.app, Some(target.id.to_string()), &check).await?;
    Ok(format!(
        "Pi built the private Space {} with the hf CLI, and the worker's own call of {API_NAME} answered {expected:?}.",
        target.id
    ))
}

/// What the worker checks itself, from the Hub: the Space exists, is private, is a Gradio
/// Space, and holds an `app.py`.
async fn check_space(
    access: &HubAccess,
    id: &RepoId,
    requested: &str,
) -> Result<TargetSpace, StepError> {
    let info = access
        .hub
        .space_info(id, &access.token)
        .await
        .map_err(|e| because(format!("Pi did not create {id}: {e}")))?;
    if info.private != Some(true) {
        return Err(because(format!("{id} is not private")));
    }
    let sdk = info.sdk.clone().unwrap_or_default();
    if sdk != "gradio" {
        return Err(because(format!(
            "{id} is a `{sdk}` Space, not a Gradio one"
        )));
    }
    if !info.siblings.iter().any(|f| f.rfilename == "app.py") {
        return Err(because(format!(
            "{id} has no app.py: Pi did not upload the app"
        )));
    }
    Ok(TargetSpace {
        url: format!(
            "{}/spaces/{id}",
            access.hub.endpoint().as_str().trim_end_matches('/')
        ),
        suffix_added: id.name() != requested,
        id: id.clone(),
        requested_name: requested.to_owned(),
        private: true,
        sdk,
        hardware: None,
        hardware_refused: Vec::new(),
        created_at: now_rfc3339(),
        app_url: None,
        stage: None,
    })
}

/// The `hf` executable: [`HF_CLI_ENV`], else the first `hf` on `PATH`.
fn find_hf_cli(config: &WorkerConfig) -> Result<PathBuf, String> {
    if let Some(path) = config.hf_cli.clone() {
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!(
                "{HF_CLI_ENV} names {}, which does not exist",
                path.display()
            ))
        };
    }
    config
        .path
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("hf"))
        .find(|path| path.is_file())
        .ok_or_else(|| {
            format!("the hf CLI is not installed (set {HF_CLI_ENV} or put `hf` on PATH)")
        })
}

/// What Pi's `hf` CLI may do, through the worker's gateway (its `HF_ENDPOINT`, keyed with
/// the gateway's key as `HF_TOKEN`): create the run's own Space and upload to it, with the
/// user's token, which stays in the worker.
fn hub_grant(access: &HubAccess, space: &RepoId, secrets: &crate::engine::Redactor) -> HubGrant {
    HubGrant {
        endpoint: access
            .hub
            .endpoint()
            .as_str()
            .trim_end_matches('/')
            .to_owned(),
        token: AgentKey::new(access.token.expose()),
        space: space.clone(),
        user: access.account.as_ref().map(|who| who.name.clone()),
        secrets: secrets.clone(),
    }
}

/// Pi's environment for the `hf` CLI: the CLI first on `PATH` and a private `HF_HOME`
/// outside the workspace (the endpoint and key are the gateway's, set by the runner).
fn hf_env(
    config: &WorkerConfig,
    agent_dir: &std::path::Path,
    hf_cli: &std::path::Path,
) -> Vec<(String, String)> {
    let mut dirs: Vec<PathBuf> = hf_cli.parent().map(PathBuf::from).into_iter().collect();
    dirs.extend(config.path.iter().flat_map(std::env::split_paths));
    let path = std::env::join_paths(dirs)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    vec![
        ("PATH".into(), path),
        (
            "HF_HOME".into(),
            agent_dir.join("hf-home").to_string_lossy().into_owned(),
        ),
        ("HF_HUB_DISABLE_TELEMETRY".into(), "1".into()),
        ("HF_HUB_DISABLE_UPDATE_CHECK".into(), "1".into()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_task_names_the_space_the_endpoint_and_carries_the_recipe() {
        let id: RepoId = "alice/rev".parse().unwrap();
        let task = super::task("alice", &id, None);
        assert!(task.contains("private** Space `alice/rev`"));
        assert!(task.contains("api_name=\"reverse\""));
        assert!(task.contains(
            "hf repos create <owner>/<name> --repo-type space --space-sdk gradio --private"
        ));
        assert!(!task.contains("--flavor"));
        let free = super::task("bob", &id, Some(runs::hardware::ZERO_GPU));
        assert!(free.contains("--flavor zero-a10g") && free.contains("@spaces.GPU"));
        assert_eq!(expected_output("space factory"), "yrotcaf ecaps");
    }
}
