//! `state.json`: what a run is doing now, or what happened to it.
//!
//! Written whole by the worker after every step (the bucket mount takes whole files only),
//! read by the server for run lists and pages. A run either has a `state.json` that says
//! what happened, or does not exist.

use crate::{Phase, RunId};
use serde::{Deserialize, Serialize};

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// The Job exists but the worker has not started yet.
    Queued,
    /// The worker is carrying out steps.
    Running,
    /// Every check passed.
    Succeeded,
    /// A step failed; `error` says which and why.
    Failed,
    /// Someone cancelled the run (or its Job) before it finished.
    Cancelled,
    /// The Job's time ran out.
    TimedOut,
}

impl RunStatus {
    /// Whether the run can change no more.
    pub fn is_terminal(self) -> bool {
        !matches!(self, RunStatus::Queued | RunStatus::Running)
    }
}

/// How one step went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// Under way.
    Running,
    /// Done and fine.
    Passed,
    /// Done and not fine.
    Failed,
    /// Not run, because of an earlier failure or because it does not apply.
    Skipped,
}

/// One named step of a run, with its timing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    /// The step's name, as in events' `stage`.
    pub name: String,
    /// How it went.
    pub status: StepStatus,
    /// RFC 3339 start time.
    pub started_at: String,
    /// RFC 3339 end time, once it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    /// Wall time in milliseconds, once it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// A sentence on the outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Where to look: the Job, the Space the run made, the files it left.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunLinks {
    /// The Hub page of the Job that ran the worker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<String>,
    /// `owner/name` of the Space the run created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_space: Option<String>,
    /// The live URL of that Space.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub space_url: Option<String>,
    /// Artifact paths relative to the run folder, e.g. `tests/test_result.json`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub artifacts: Vec<String>,
}

/// The content of `runs/<id>/state.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunState {
    /// Which run.
    pub run_id: RunId,
    /// Which recipe.
    pub phase: Phase,
    /// Where it stands.
    pub status: RunStatus,
    /// The step under way, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_step: Option<String>,
    /// Every step so far, in order.
    #[serde(default)]
    pub steps: Vec<StepRecord>,
    /// Links to what the run touched.
    #[serde(default)]
    pub links: RunLinks,
    /// RFC 3339 time the worker started.
    pub started_at: String,
    /// RFC 3339 time of this write.
    pub updated_at: String,
    /// RFC 3339 time the run ended, once it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    /// One sentence on the outcome, for lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<String>,
    /// Why the run failed, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What the run has cost so far, as the worker estimates it (runs launched with
    /// [`crate::CostTerms`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<crate::RunSpend>,
    /// Why the worker stopped the run itself, when it did (its budget).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<crate::Stopped>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_queued_and_running_are_open() {
        assert!(!RunStatus::Queued.is_terminal());
        assert!(!RunStatus::Running.is_terminal());
        for done in [
            RunStatus::Succeeded,
            RunStatus::Failed,
            RunStatus::Cancelled,
            RunStatus::TimedOut,
        ] {
            assert!(done.is_terminal());
        }
    }

    #[test]
    fn state_json_round_trips_and_uses_snake_case() {
        let state = RunState {
            run_id: "01JDQ7ZK3G8X5V2N4M6P8R0T2W".parse().unwrap(),
            phase: Phase::TemplateSpace,
            status: RunStatus::TimedOut,
            current_step: None,
            steps: vec![StepRecord {
                name: "wait_running".into(),
                status: StepStatus::Failed,
                started_at: "2026-11-25T08:00:00Z".into(),
                finished_at: Some("2026-11-25T08:10:00Z".into()),
                duration_ms: Some(600_000),
                message: Some("still BUILDING after 600 s".into()),
            }],
            links: RunLinks::default(),
            started_at: "2026-11-25T08:00:00Z".into(),
            updated_at: "2026-11-25T08:10:00Z".into(),
            finished_at: Some("2026-11-25T08:10:00Z".into()),
            verdict: None,
            error: Some("the Space did not start in time".into()),
            cost: None,
            stopped: None,
        };
        let json = serde_json::to_value(&state).unwrap();
        assert_eq!(json["status"], "timed_out");
        assert_eq!(json["phase"], "2.1");
        assert_eq!(json["steps"][0]["status"], "failed");
        assert_eq!(serde_json::from_value::<RunState>(json).unwrap(), state);
    }
}
