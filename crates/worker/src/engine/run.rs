//! Carries out one run from start to a recorded end, whatever happens in between.

use super::meter::Meter;
use super::recorder::{Recorder, StepFailure};
use super::{prices, report};
use crate::config::WorkerConfig;
use crate::phases;
use crate::space::access::HubAccess;
use runs::{Level, RunSpec, RunSpend, RunStatus, Stopped};
use std::future::Future;
use std::time::{Duration, Instant};

/// How often the run loop compares the meter with the budget.
const BUDGET_CHECK: Duration = Duration::from_millis(500);

/// Whether the user's token has expired ([`runs::job::TOKEN_EXPIRES_ENV`], when the
/// server passed it): a step that failed then failed for that.
fn token_expired(config: &WorkerConfig) -> bool {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    expired(config.token_expires_at.as_deref(), now)
}

/// Whether an expiry of `expires_at` (Unix seconds, as text) is past at `now`.
fn expired(expires_at: Option<&str>, now: u64) -> bool {
    expires_at
        .and_then(|at| at.trim().parse::<u64>().ok())
        .is_some_and(|at| at <= now)
}

/// How a run ended, for the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOutcome {
    /// Every check passed.
    Succeeded,
    /// A step failed; the state says which.
    Failed,
    /// A stop signal arrived first.
    Interrupted,
    /// The worker stopped the run because its spend reached the budget.
    BudgetReached,
}

/// Runs `spec`'s phase, recording into `recorder`, until it ends or `stop` resolves
/// (SIGTERM in a Job). Always leaves a final `state.json` and a `report.md`.
///
/// Errors only when the record itself cannot be written (then there is nothing better to
/// do than report it on stderr).
pub async fn execute(
    spec: &RunSpec,
    config: &WorkerConfig,
    recorder: &mut Recorder,
    stop: impl Future<Output = ()>,
) -> Result<RunOutcome, super::output::OutputError> {
    let started = Instant::now();
    recorder.save_state()?;
    recorder.event(
        Level::Info,
        &format!(
            "run started: {} (phase {})",
            spec.phase().title(),
            spec.phase().id()
        ),
        serde_json::json!({ "phase": spec.phase(), "run_id": spec.run_id }),
    )?;

    let access = HubAccess::from_config(config).ok();
    let meter = start_meter(spec, access.as_ref(), recorder, started).await?;
    let refresher = meter
        .spend()
        .is_some()
        .then(|| AbortOnDrop(tokio::spawn(recorder.spend_refresher())));
    let result: Option<Result<String, StepFailure>> = tokio::select! {
        result = phases::run(spec, config, recorder) => Some(result),
        () = stop => None,
        spend = budget_reached(&meter) => {
            drop(refresher);
            let outcome = stop_for_budget(&meter, access.as_ref(), recorder, spend).await?;
            let markdown = report::render(Some(spec), recorder.state());
            recorder.write_report(&markdown)?;
            return Ok(outcome);
        }
    };

    drop(refresher);
    let outcome = match result {
        Some(Ok(verdict)) => {
            recorder.finish(RunStatus::Succeeded, &verdict, None)?;
            RunOutcome::Succeeded
        }
        Some(Err(failure)) => {
            let verdict = if token_expired(config) {
                format!(
                    "Failed at step {}: the sign-in expired during the run; sign in again and run it again",
                    failure.step
                )
            } else {
                format!("Failed at step {}", failure.step)
            };
            recorder.finish(RunStatus::Failed, &verdict, Some(&failure.message))?;
            RunOutcome::Failed
        }
        None => {
            recorder.finish(
                RunStatus::Cancelled,
                "Stopped by a termination signal before the run finished",
                Some("the Job was cancelled or ran out of time"),
            )?;
            RunOutcome::Interrupted
        }
    };
    let markdown = report::render(Some(spec), recorder.state());
    recorder.write_report(&markdown)?;
    Ok(outcome)
}

/// A spawned task that ends when this is dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Meters the run when its spec has cost terms, at the prices the Hub gives now (a price
/// it cannot give is recorded as unknown, and the run goes on).
async fn start_meter(
    spec: &RunSpec,
    access: Option<&HubAccess>,
    recorder: &mut Recorder,
    started: Instant,
) -> Result<Meter, super::output::OutputError> {
    let Some(terms) = spec.cost.clone() else {
        return Ok(Meter::default());
    };
    let agent = spec.recipe.agent();
    let (found, missing) = match access {
        Some(access) => prices::read(&access.hub, &access.token, agent).await,
        None => (
            super::meter::Prices::default(),
            vec!["no Hub access to read prices from".to_owned()],
        ),
    };
    for why in &missing {
        recorder.event(
            Level::Warn,
            &format!("cost: {why}; that part of the spend is not priced"),
            serde_json::Value::Null,
        )?;
    }
    let meter = Meter::start(terms, found, agent.map(|a| a.agent_model.clone()), started);
    recorder.set_meter(meter.clone());
    recorder.save_state()?;
    let spend = meter.spend();
    recorder.event(
        Level::Info,
        &match spend.as_ref().and_then(|s| s.budget_usd) {
            Some(budget) => format!(
                "metering the run against a budget of {}",
                runs::cost::usd(budget)
            ),
            None => "metering the run (no budget)".to_owned(),
        },
        serde_json::json!({ "cost": spend }),
    )?;
    Ok(meter)
}

/// Resolves once the meter's spend reaches the run's budget (never for a run without one).
async fn budget_reached(meter: &Meter) -> RunSpend {
    loop {
        if let Some(spend) = meter.spend().filter(RunSpend::budget_reached) {
            return spend;
        }
        tokio::time::sleep(BUDGET_CHECK).await;
    }
}

/// Ends a run whose budget was reached (the phase, and Pi with it, already dropped): pauses
/// the target Space when it runs on paid hardware, and records `stopped: budget reached`
/// with the figures.
async fn stop_for_budget(
    meter: &Meter,
    access: Option<&HubAccess>,
    recorder: &mut Recorder,
    spend: RunSpend,
) -> Result<RunOutcome, super::output::OutputError> {
    let mut paused_space = None;
    if let Some(id) = meter.paid_space() {
        let paused = match (access, id.parse::<runs::RepoId>()) {
            (Some(access), Ok(repo)) => access
                .hub
                .pause_space(&repo, &access.token)
                .await
                .map_err(|e| e.to_string()),
            (None, _) => Err("no Hub access".to_owned()),
            (_, Err(e)) => Err(e.to_string()),
        };
        match paused {
            Ok(_) => {
                meter.space_paused();
                recorder.event(
                    Level::Info,
                    &format!("paused the Space {id}: it runs on paid hardware"),
                    serde_json::json!({ "space": id }),
                )?;
                paused_space = Some(id);
            }
            Err(why) => recorder.event(
                Level::Error,
                &format!("could not pause the Space {id} ({why}): pause it from its settings"),
                serde_json::json!({ "space": id }),
            )?,
        }
    }
    let stopped = Stopped::BudgetReached {
        budget_usd: spend.budget_usd.unwrap_or(spend.total_usd),
        spent_usd: spend.total_usd,
        paused_space,
    };
    let verdict = stopped.describe();
    recorder.set_stopped(stopped);
    recorder.finish(
        RunStatus::Cancelled,
        &verdict,
        Some("the run's spend reached its budget, so the worker stopped it"),
    )?;
    Ok(RunOutcome::BudgetReached)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_token_is_expired_only_once_its_known_expiry_passed() {
        assert!(super::expired(Some("100"), 100));
        assert!(!super::expired(Some(" 101 "), 100));
        assert!(!super::expired(None, u64::MAX));
        assert!(!super::expired(Some("soon"), 100));
    }
}
