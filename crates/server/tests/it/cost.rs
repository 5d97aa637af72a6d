//! A run's cost, from the launch to the list: the wizard's prices come from the Hub's live
//! answers, the launch carries the budget (the factory's default when the form gives none)
//! in the run's spec, and the runs list shows what each run cost.

use crate::kit::TestApp;
use crate::runs::{launch, phase1, wait_over};
use app::api::{
    AgentModelPrice, ApiError, HardwareOption, RunSummary, SpaceHardware, WizardSuggestions,
};
use runs::cost::TokenPrice;
use runs::RunSpec;

/// The spec the server handed the Job of `run_id`.
async fn spec_of(stand: &TestApp, run_id: &str) -> RunSpec {
    let token = hub::Token::new(stand.hub().token_for("alice").unwrap());
    let client = hub::HubClient::new(hub::HubConfig::new(&stand.hub().url()).unwrap()).unwrap();
    let jobs = client
        .list_jobs("alice", &[(runs::job::LABEL_RUN_ID, run_id)], &token)
        .await
        .unwrap();
    let env = &jobs[0].extra["environment"];
    RunSpec::from_json(env[runs::RUN_SPEC_ENV].as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn a_launch_carries_its_budget_or_the_factorys_default_and_refuses_a_bad_one() {
    let stand = TestApp::start_with(|config| config.default_budget_usd = 3.0).await;
    let mut alice = stand.signed_in("alice").await;
    let (_, body) = alice
        .call("wizard_suggestions", &WizardSuggestions {})
        .await;
    let suggestions: app::api::Suggestions = serde_json::from_str(&body).unwrap();
    assert_eq!(suggestions.default_budget_usd, Some(3.0));

    let mut bad = phase1();
    bad.budget_usd = Some(-1.0);
    match launch(&mut alice, bad).await {
        Err(ApiError::Invalid(errors)) => assert_eq!(errors[0].field, "budget_usd"),
        other => panic!("a negative budget was taken: {other:?}"),
    }

    let mut asked = phase1();
    asked.budget_usd = Some(0.25);
    let launched = launch(&mut alice, asked).await.unwrap();
    let spec = spec_of(&stand, &launched.run_id.to_string()).await;
    let terms = spec.cost.expect("the spec carries cost terms");
    assert_eq!(terms.job_flavor, "cpu-basic");
    assert_eq!(terms.budget_usd, Some(0.25));
    let view = wait_over(&mut alice, "alice", &launched.run_id.to_string()).await;
    let cost = view.state.and_then(|s| s.cost).expect("a metered run");
    assert_eq!(cost.budget_usd, Some(0.25));

    let defaulted = launch(&mut alice, phase1()).await.unwrap();
    let spec = spec_of(&stand, &defaulted.run_id.to_string()).await;
    assert_eq!(spec.cost.unwrap().budget_usd, Some(3.0));
    wait_over(&mut alice, "alice", &defaulted.run_id.to_string()).await;

    // The list shows what each run cost.
    let (_, body) = alice.call("list_runs", &app::api::ListRuns {}).await;
    let list: Vec<RunSummary> = serde_json::from_str(&body).unwrap();
    assert_eq!(list.len(), 2);
    for run in &list {
        let cost = run.cost.as_ref().expect("each run's cost");
        assert!(cost.job.usd_per_hour.unwrap() > 0.0, "{cost:?}");
    }
}

#[tokio::test]
async fn the_wizard_reads_space_prices_and_the_models_price_from_the_hub() {
    let stand = TestApp::start().await;
    let mut alice = stand.signed_in("alice").await;
    let (_, body) = alice.call("space_hardware", &SpaceHardware {}).await;
    let spaces: Vec<HardwareOption> = serde_json::from_str(&body).unwrap();
    let cpu = spaces.iter().find(|h| h.name == "cpu-basic").unwrap();
    assert_eq!(cpu.usd_per_hour, Some(0.0), "a Space on CPU basic is free");
    let (_, body) = alice.call("hardware", &app::api::Hardware {}).await;
    let jobs: Vec<HardwareOption> = serde_json::from_str(&body).unwrap();
    let cpu = jobs.iter().find(|h| h.name == "cpu-basic").unwrap();
    assert!(cpu.usd_per_hour.unwrap() > 0.0, "a Job on CPU basic is not");

    let price = |model: &str| AgentModelPrice {
        model: model.to_owned(),
    };
    let (_, body) = alice
        .call("agent_model_price", &price(runs::demo::AGENT_MODEL))
        .await;
    let demo: Option<TokenPrice> =
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
    assert_eq!(demo.map(|p| p.cost(1_000, 1_000)), Some(0.0), "{body}");
    let (status, body) = alice
        .call("agent_model_price", &price("Qwen/Qwen3-Coder-Next"))
        .await;
    assert!(status.is_success(), "{status}: {body}");
    let unlisted: Option<TokenPrice> = serde_json::from_str(&body).unwrap();
    assert_eq!(unlisted, None);
}
