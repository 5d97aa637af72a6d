//! `report.md`: the run told for a person — what was asked, what was done, each check with
//! its evidence, the verdict, and what to do next.

use runs::{RunSpec, RunState, RunStatus, StepStatus};
use std::fmt::Write;

/// Renders the report of a finished (or interrupted) run; `spec` is `None` when the spec
/// itself was refused.
pub fn render(spec: Option<&RunSpec>, state: &RunState) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Run {} — {}\n", state.run_id, state.phase.title());
    let _ = writeln!(md, "**Verdict: {}**", status_word(state.status));
    if let Some(verdict) = &state.verdict {
        let _ = writeln!(md, "\n{verdict}");
    }
    if let Some(error) = &state.error {
        let _ = writeln!(md, "\n> {error}");
    }

    let _ = writeln!(md, "\n## What was asked\n");
    let _ = writeln!(
        md,
        "- Recipe: {} (phase {})",
        state.phase.title(),
        state.phase.id()
    );
    match spec {
        Some(spec) => {
            let _ = writeln!(md, "- Owner: `{}`, bucket `{}`", spec.owner, spec.bucket);
            for (key, value) in spec.recipe.params() {
                // The embedded hub's demo agent and models say what they are.
                let label = value
                    .as_str()
                    .and_then(runs::demo::label)
                    .map(|label| format!(" ({label})"))
                    .unwrap_or_default();
                let _ = writeln!(md, "- {key}: `{value}`{label}");
            }
        }
        None => {
            let _ = writeln!(md, "- The run spec was refused; see the reason above.");
        }
    }

    let _ = writeln!(md, "\n## What was done\n");
    if state.steps.is_empty() {
        let _ = writeln!(md, "No step ran.");
    } else {
        let _ = writeln!(md, "| step | result | time | evidence |");
        let _ = writeln!(md, "|---|---|---|---|");
        for step in &state.steps {
            let time = step
                .duration_ms
                .map(|ms| format!("{:.1} s", ms as f64 / 1000.0))
                .unwrap_or_default();
            let message = step.message.as_deref().unwrap_or("").replace('|', "\\|");
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} |",
                step.name,
                step_word(step.status),
                time,
                message
            );
        }
    }

    if !state.links.artifacts.is_empty() || state.links.target_space.is_some() {
        let _ = writeln!(md, "\n## Where to look\n");
        if let Some(space) = &state.links.target_space {
            let _ = writeln!(md, "- Space: `{space}`");
        }
        if let Some(url) = &state.links.space_url {
            let _ = writeln!(md, "- Live app: {url}");
        }
        for artifact in &state.links.artifacts {
            let _ = writeln!(md, "- `{artifact}`");
        }
    }

    let _ = writeln!(md, "\n## Next\n");
    let _ = writeln!(md, "{}", next_step(state.status));
    md
}

fn status_word(status: RunStatus) -> &'static str {
    match status {
        RunStatus::Queued => "queued",
        RunStatus::Running => "still running",
        RunStatus::Succeeded => "succeeded",
        RunStatus::Failed => "failed",
        RunStatus::Cancelled => "cancelled",
        RunStatus::TimedOut => "timed out",
    }
}

fn step_word(status: StepStatus) -> &'static str {
    match status {
        StepStatus::Running => "running",
        StepStatus::Passed => "passed",
        StepStatus::Failed => "failed",
        StepStatus::Skipped => "skipped",
    }
}

fn next_step(status: RunStatus) -> &'static str {
    match status {
        RunStatus::Succeeded => "Nothing to fix. Open the links above to use what the run made.",
        RunStatus::Failed => {
            "Read the failed step's evidence above and the events in `events.jsonl`; fix the input or the app, then start a new run."
        }
        RunStatus::Cancelled => "The run was stopped before it finished; start it again when ready.",
        RunStatus::TimedOut => {
            "The Job ran out of time; start it again with a longer timeout, or check the step that was under way."
        }
        RunStatus::Queued | RunStatus::Running => "The run has not finished yet.",
    }
}
