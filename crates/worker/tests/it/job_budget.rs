//! A run's budget in a Job: the worker meters the run at the Hub's prices, writes the
//! spend into `state.json` as it goes, and stops the run itself once its estimate reaches
//! the budget, recording `stopped: budget reached` with the figures (and pausing the Space
//! when it runs on paid hardware).

use crate::kit::limit;
use crate::kit::stand::{assert_job_stage, Stand};
use runs::{RunStatus, Stopped};

const STOPPED_RUN: &str = "01JDQ7ZK3G8X5V2N4M6P8R0B01";
const PAUSED_RUN: &str = "01JDQ7ZK3G8X5V2N4M6P8R0B02";
const METERED_RUN: &str = "01JDQ7ZK3G8X5V2N4M6P8R0B03";

/// `spec` with cost terms: the Job on cpu-basic, under `budget`.
fn with_budget(spec: &str, budget: Option<f64>) -> String {
    let mut spec: serde_json::Value = serde_json::from_str(spec).unwrap();
    spec["cost"] = serde_json::json!({"job_flavor": "cpu-basic"});
    if let Some(budget) = budget {
        spec["cost"]["budget_usd"] = budget.into();
    }
    spec.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tiny_budget_stops_a_long_run_with_the_figures_recorded() {
    let _slot = limit::slot().await;
    let stand = Stand::start().await;
    // Validating an address nothing answers waits for minutes: only the budget ends it soon.
    let spec = stand.spec(
        STOPPED_RUN,
        "validate",
        serde_json::json!({"validate_url": "http://127.0.0.1:9/"}),
    );
    let job = stand
        .launch(
            STOPPED_RUN,
            "validate",
            &with_budget(&spec, Some(0.000_001)),
            &[],
        )
        .await;
    let job = stand.wait_job(&job.id).await;
    let log = stand.job_log(&job.id).await;
    assert_job_stage(&job, &log, "ERROR");

    let state = stand.state(STOPPED_RUN);
    assert_eq!(state.status, RunStatus::Cancelled, "{state:#?}");
    let Some(Stopped::BudgetReached {
        budget_usd,
        spent_usd,
        paused_space,
    }) = state.stopped.clone()
    else {
        panic!("stopped by the budget: {state:#?}");
    };
    assert_eq!(budget_usd, 0.000_001);
    assert!(spent_usd >= budget_usd, "{spent_usd}");
    assert_eq!(paused_space, None);
    let verdict = state.verdict.clone().unwrap();
    assert!(verdict.starts_with("Stopped: budget reached"), "{verdict}");
    let cost = state.cost.clone().expect("the spend is recorded");
    assert_eq!(cost.job.flavor, "cpu-basic");
    assert!(cost.job.usd_per_hour.unwrap() > 0.0, "{cost:?}");
    // The spend recorded last is the run's whole: at least what it was at the stop.
    assert!(cost.total_usd >= spent_usd, "{cost:?}");
    assert_eq!(cost.budget_usd, Some(0.000_001));
    let report = stand.report(STOPPED_RUN);
    assert!(report.contains("budget reached"), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_budget_reached_on_paid_space_hardware_pauses_the_space() {
    let _slot = limit::slot().await;
    let stand = Stand::start().await;
    // The Job alone takes over a minute to spend this; the Space on an H200 a fraction of
    // a second, long before its app starts.
    let spec = stand.spec(
        PAUSED_RUN,
        "2.1",
        serde_json::json!({"target_space": "dear-space", "space_hardware": "h200"}),
    );
    let job = stand
        .launch(PAUSED_RUN, "2.1", &with_budget(&spec, Some(0.0002)), &[])
        .await;
    let job = stand.wait_job(&job.id).await;
    let log = stand.job_log(&job.id).await;
    assert_job_stage(&job, &log, "ERROR");

    let state = stand.state(PAUSED_RUN);
    let Some(Stopped::BudgetReached { paused_space, .. }) = state.stopped.clone() else {
        panic!("stopped by the budget: {state:#?}");
    };
    assert_eq!(
        paused_space.as_deref(),
        Some("alice/dear-space"),
        "{state:#?}"
    );
    let space = state.cost.as_ref().and_then(|c| c.space.clone()).unwrap();
    assert_eq!(space.flavor, "h200");
    assert!(space.usd.unwrap() > 0.0, "{space:?}");
    let runtime = stand
        .client
        .space_runtime(&"alice/dear-space".parse().unwrap(), &stand.token)
        .await
        .unwrap();
    assert_eq!(runtime.stage, runs::SpaceStage::Paused, "{runtime:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_without_a_budget_is_metered_to_its_end() {
    let _slot = limit::slot().await;
    let stand = Stand::start().await;
    let spec = stand.spec(METERED_RUN, "1", serde_json::json!({}));
    let job = stand
        .launch(METERED_RUN, "1", &with_budget(&spec, None), &[])
        .await;
    let job = stand.wait_job(&job.id).await;
    let log = stand.job_log(&job.id).await;
    assert_job_stage(&job, &log, "COMPLETED");
    let state = stand.state(METERED_RUN);
    assert_eq!(state.status, RunStatus::Succeeded);
    assert_eq!(state.stopped, None);
    let cost = state.cost.expect("a metered run records its spend");
    assert_eq!(cost.budget_usd, None);
    assert!(cost.job.usd.is_some() && !cost.partly_unpriced, "{cost:?}");
}
