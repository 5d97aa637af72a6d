//! Waiting for the target Space to run: bounded, stage by stage, failing fast on an error
//! stage with the build and run log tails saved under `diagnostics/`.

use super::{HubAccess, TargetSpace};
use crate::engine::step::because;
use crate::engine::step::step_async;
use crate::engine::{Recorder, StepFailure};
use futures_util::StreamExt;
use hub::spaces::{SpaceLogKind, SpaceRuntime, SpaceStage};
use runs::Level;
use std::time::{Duration, Instant};

/// The step [`wait_running`] records.
pub const STEP: &str = "wait_running";

/// How many log lines a diagnostics file keeps (the tail).
const LOG_TAIL_LINES: usize = 200;

/// How long a Space may stay in each part of its start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitPolicy {
    /// Time between runtime polls.
    pub poll: Duration,
    /// Budget for being queued and building the image.
    pub build_timeout: Duration,
    /// Budget for starting the app once built (counted from the end of the build).
    pub start_timeout: Duration,
    /// How long `NO_APP_FILE` is tolerated right after an upload (the Hub may not have
    /// seen the commit yet).
    pub no_app_file_grace: Duration,
}

impl Default for WaitPolicy {
    fn default() -> Self {
        WaitPolicy {
            poll: Duration::from_secs(2),
            build_timeout: Duration::from_secs(20 * 60),
            start_timeout: Duration::from_secs(10 * 60),
            no_app_file_grace: Duration::from_secs(60),
        }
    }
}

/// A running Space and where its app answers.
#[derive(Debug, Clone)]
pub struct LiveSpace {
    /// The app (its URL: `https://{subdomain}.hf.space`, or localhub's loopback host), reached with the user's token through the Spaces proxy: the run's own
    /// Space, in the namespace the token acts for.
    pub app: hub::apps::AppTarget,
    /// The runtime as last read (stage `RUNNING`).
    pub runtime: SpaceRuntime,
}

/// Which budget a stage counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Build,
    Start,
}

/// What to do about a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Running,
    Wait(Phase),
    /// Waiting will not help.
    Failed,
}

/// By the one classification of [`SpaceStage`]: building covers BUILDING, NO_APP_FILE (just
/// after an upload), SLEEPING, and stages added later.
fn classify(stage: &SpaceStage) -> Verdict {
    if stage.is_running() {
        Verdict::Running
    } else if stage.is_failed() {
        Verdict::Failed
    } else if stage.is_starting() {
        Verdict::Wait(Phase::Start)
    } else {
        Verdict::Wait(Phase::Build)
    }
}

/// Waits until `target` is `RUNNING` (step `wait_running`) and records its live URL in
/// `target_space.json` and the state's links. Fails fast on an error stage, and when a
/// budget of `policy` runs out, saving `diagnostics/runtime.json`,
/// `diagnostics/build_log.txt` and `diagnostics/run_log.txt` first.
pub async fn wait_running(
    rec: &mut Recorder,
    access: &HubAccess,
    target: &TargetSpace,
    policy: &WaitPolicy,
) -> Result<LiveSpace, StepFailure> {
    let mut target = target.clone();
    step_async(rec, STEP, async |rec: &mut Recorder| {
        let started = Instant::now();
        let mut phase_started = Instant::now();
        let mut phase = Phase::Build;
        let mut last_stage = None;
        loop {
            let runtime = access
                .hub
                .space_runtime(&target.id, &access.token)
                .await
                .map_err(|e| because(format!("could not read the Space's runtime: {e}")))?;
            if last_stage.as_ref() != Some(&runtime.stage) {
                last_stage = Some(runtime.stage.clone());
                rec.event(
                    Level::Info,
                    &format!("Space {} is {}", target.id, runtime.stage),
                    serde_json::json!({ "stage": runtime.stage, "elapsed_ms": started.elapsed().as_millis() as u64 }),
                )
                .map_err(|e| because(format!("could not record: {e}")))?;
            }
            let verdict = match classify(&runtime.stage) {
                Verdict::Wait(Phase::Build)
                    if runtime.stage.lacks_app_file()
                        && started.elapsed() > policy.no_app_file_grace =>
                {
                    Verdict::Failed
                }
                v => v,
            };
            match verdict {
                Verdict::Running => {
                    let info = access
                        .hub
                        .space_info(&target.id, &access.token)
                        .await
                        .map_err(|e| because(format!("could not read the Space's host: {e}")))?;
                    let app = info.space_app(Some(&access.token)).ok_or_else(|| {
                        because("the Hub gave no host for the running Space")
                    })?;
                    let url = app.url();
                    target.app_url = Some(url.clone());
                    target.stage = Some(runtime.stage.clone());
                    target.save(rec)?;
                    let message = format!(
                        "{} is RUNNING at {url} after {} s",
                        target.id,
                        started.elapsed().as_secs()
                    );
                    return Ok((LiveSpace { app, runtime }, message));
                }
                Verdict::Failed => {
                    save_diagnostics(rec, access, &target, &runtime).await;
                    target.stage = Some(runtime.stage.clone());
                    target.save(rec)?;
                    let why = runtime
                        .error_message
                        .as_deref()
                        .map(|m| format!(": {}", last_lines(m, 3)))
                        .unwrap_or_default();
                    return Err(because(format!(
                            "the Space {} stopped at {}{why} (log tails in diagnostics/)",
                            target.id, runtime.stage
                        ),
                    ));
                }
                Verdict::Wait(now) => {
                    if now != phase {
                        phase = now;
                        phase_started = Instant::now();
                    }
                    let budget = match phase {
                        Phase::Build => policy.build_timeout,
                        Phase::Start => policy.start_timeout,
                    };
                    if phase_started.elapsed() > budget {
                        save_diagnostics(rec, access, &target, &runtime).await;
                        target.stage = Some(runtime.stage.clone());
                        target.save(rec)?;
                        return Err(because(format!(
                                "the Space {} was still {} after {} s (log tails in diagnostics/)",
                                target.id,
                                runtime.stage,
                                phase_started.elapsed().as_secs()
                            ),
                        ));
                    }
                }
            }
            tokio::time::sleep(policy.poll).await;
        }
    })
    .await
}

/// Saves the runtime and both log tails; best effort (a Space that failed may have no
/// logs), each problem written into the file instead. Phase 8 also calls it for a Space
/// that runs, so every reproduction keeps its logs.
pub async fn save_diagnostics(
    rec: &mut Recorder,
    access: &HubAccess,
    target: &TargetSpace,
    runtime: &SpaceRuntime,
) {
    let value = serde_json::to_value(runtime).unwrap_or_default();
    let _ = rec.json_artifact("diagnostics/runtime.json", &value);
    for (kind, file) in [
        (SpaceLogKind::Build, "diagnostics/build_log.txt"),
        (SpaceLogKind::Run, "diagnostics/run_log.txt"),
    ] {
        let text = match log_tail(access, target, kind).await {
            Ok(lines) if lines.is_empty() => "(no log lines)\n".to_owned(),
            Ok(lines) => lines.join("\n") + "\n",
            Err(e) => format!("(could not read the log: {e})\n"),
        };
        let _ = rec.text_artifact(file, &text);
    }
}

/// The last [`LOG_TAIL_LINES`] lines of one log stream, read for at most a few seconds
/// (the Hub's stream may stay open after the last line).
async fn log_tail(
    access: &HubAccess,
    target: &TargetSpace,
    kind: SpaceLogKind,
) -> Result<Vec<String>, hub::HubError> {
    let mut stream = access
        .hub
        .space_logs(&target.id, kind, hub::sse::LOG_IDLE, &access.token)
        .await?;
    let mut lines = std::collections::VecDeque::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while let Ok(Some(item)) = tokio::time::timeout_at(deadline, stream.next()).await {
        match item {
            Ok(line) => {
                lines.push_back(line.data);
                if lines.len() > LOG_TAIL_LINES {
                    lines.pop_front();
                }
            }
            Err(hub::HubError::Timeout(_)) => break,
            Err(e) => return Err(e),
        }
    }
    Ok(lines.into())
}

/// The last `n` non-empty lines of `text`, joined with ` | `.
fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join(" | ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`super::classify`] of a stage as the Hub names it.
    fn classify(stage: &str) -> Verdict {
        super::classify(&stage.into())
    }

    #[test]
    fn stages_are_classified_by_what_waiting_can_do() {
        assert_eq!(classify("RUNNING"), Verdict::Running);
        assert_eq!(classify("BUILDING"), Verdict::Wait(Phase::Build));
        assert_eq!(classify("SOME_NEW_STAGE"), Verdict::Wait(Phase::Build));
        assert_eq!(classify("APP_STARTING"), Verdict::Wait(Phase::Start));
        for stage in ["BUILD_ERROR", "RUNTIME_ERROR", "CONFIG_ERROR", "PAUSED"] {
            assert_eq!(classify(stage), Verdict::Failed, "{stage}");
        }
        assert_eq!(last_lines("a\n\nb\nc\nd\n", 2), "c | d");
    }
}
