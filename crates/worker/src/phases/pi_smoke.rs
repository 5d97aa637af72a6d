//! Phase 3, the Pi smoke test: the template app of phase 2.1 is written into a workspace,
//! Pi is asked for one named, safe edit (the app answers with two exclamation marks instead
//! of one), the worker checks that the edit is that and nothing more, deploys the edited app
//! as a private Space, and passes only when the live API returns the *edited* output.

use super::{agent_step, workspace};
use crate::agent::AgentLimits;
use crate::config::WorkerConfig;
use crate::engine::step::because;
use crate::engine::step::step_async;
use crate::engine::{Recorder, StepFailure};
use crate::generate::{template_app, GeneratedFile};
use crate::space::{self, Deployment, LiveCheck, SpaceSettings};
use runs::recipe::AgentSpaceOptions;
use runs::RunSpec;
use std::time::Duration;

/// The name of the edit Pi is asked for.
pub const EDIT_NAME: &str = "double-exclamation";
/// The step in which Pi edits the app.
pub const EDIT_STEP: &str = "agent_edit";
/// The step in which the worker checks the edit.
pub const CHECK_STEP: &str = "check_edit";
/// The diff of Pi's edit, in the run folder.
pub const EDIT_DIFF: &str = "logs/pi_edit.diff";
/// The most lines the edit may change (removed + added): one line, with room for a
/// reformatted neighbour.
pub const MAX_CHANGED_LINES: usize = 4;

/// Pi's limits for this phase unless the environment overrides them.
pub const LIMITS: AgentLimits = AgentLimits {
    wall_clock: Duration::from_secs(10 * 60),
    max_turns: 20,
};

/// What the edited app answers for `text`.
pub fn edited_output(text: &str) -> String {
    format!("{}!!", text.to_uppercase())
}

/// The task given to Pi, filled by [`task`].
const TASK_TEMPLATE: &str = include_str!("pi_smoke_task.md");

/// The task given to Pi.
pub fn task(space_title: &str) -> String {
    crate::template::fill(
        TASK_TEMPLATE,
        &[("edit", EDIT_NAME), ("title", space_title)],
    )
}

/// Runs phase 3 to its verdict.
pub async fn run(
    spec: &RunSpec,
    options: &AgentSpaceOptions,
    config: &WorkerConfig,
    rec: &mut Recorder,
) -> Result<String, StepFailure> {
    let name = options.space.target_space.clone();
    let access = space::check_access(rec, config, &spec.owner).await?;
    let email = agent_step::user_email(&access);
    let agent = agent_step::prepare(rec, config, spec, &options.agent, LIMITS).await?;

    let original = template_app::files(&name);
    super::step(rec, "generate", |_rec| {
        workspace::write_files(&agent.workspace, &original).map_err(because)?;
        Ok(format!(
            "wrote the template app ({}) into Pi's workspace",
            names(&original)
        ))
    })?;

    agent_step::run_step(
        rec,
        &agent,
        EDIT_STEP,
        task(&name),
        Vec::new(),
        email.into_iter().collect(),
    )
    .await?;

    let files = step_async(rec, CHECK_STEP, async |rec: &mut Recorder| {
        let files = workspace::read_files(&agent.workspace).map_err(because)?;
        let changes = workspace::changes(&original, &files);
        rec.text_artifact(EDIT_DIFF, &changes.diff)?;
        let message = judge_edit(&changes).map_err(because)?;
        space::save_generated(rec, &files)?;
        Ok((files, message))
    })
    .await?;

    let expected = edited_output(template_app::SAMPLE_INPUT);
    let check = LiveCheck::expect_text(
        template_app::API_NAME,
        vec![template_app::SAMPLE_INPUT.into()],
        &expected,
    );
    let mut deployment = Deployment::new(&spec.owner, &name, &files, check, config.wait.clone());
    deployment.unique_suffix = options.space.unique_suffix;
    deployment.settings = SpaceSettings {
        hardware: options.space.space_hardware.clone(),
        ..SpaceSettings::default()
    };
    deployment.commit_summary =
        format!("Add the template app with Pi's edit `{EDIT_NAME}` (Space Factory phase 3)");
    let deployed = space::deploy_and_validate(rec, &access, &deployment).await?;

    Ok(format!(
        "Pi's edit `{EDIT_NAME}` is live: the private Space {} answered {expected:?} on {}.",
        deployed.target.id,
        template_app::API_NAME,
    ))
}

/// Accepts the edit when it changed `app.py` only, by at most [`MAX_CHANGED_LINES`] lines.
pub fn judge_edit(changes: &workspace::Changes) -> Result<String, String> {
    if !changes.added.is_empty() || !changes.removed.is_empty() {
        return Err(format!(
            "Pi added {:?} and removed {:?}; the edit may only change app.py",
            changes.added, changes.removed
        ));
    }
    match changes.changed.as_slice() {
        [] => Err("Pi changed nothing, whatever it said".into()),
        [(path, lines)] if path == "app.py" && *lines <= MAX_CHANGED_LINES => Ok(format!(
            "the edit changed {lines} line(s) of app.py and nothing else"
        )),
        [(path, lines)] if path == "app.py" => Err(format!(
            "the edit changed {lines} lines of app.py; a safe edit changes at most {MAX_CHANGED_LINES}"
        )),
        other => Err(format!(
            "the edit touched {}; only app.py may change",
            other
                .iter()
                .map(|(p, _)| p.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn names(files: &[GeneratedFile]) -> String {
    files
        .iter()
        .map(|f| f.path.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(app: &str) -> workspace::Changes {
        let before = template_app::files("demo");
        let mut after = before.clone();
        after[0].content = after[0].content.replace("return text.upper() + \"!\"", app);
        workspace::changes(&before, &after)
    }

    #[test]
    fn the_named_edit_passes_and_bigger_or_empty_ones_do_not() {
        assert!(judge_edit(&edit("return text.upper() + \"!!\"")).is_ok());
        assert_eq!(
            judge_edit(&edit("return text.upper() + \"!\"")).unwrap_err(),
            "Pi changed nothing, whatever it said"
        );
        let sprawling = "x = 1\n    y = 2\n    z = 3\n    return text.upper() + \"!!\"";
        assert!(judge_edit(&edit(sprawling))
            .unwrap_err()
            .contains("at most"));
        assert_eq!(edited_output("ab"), "AB!!");
    }
}
