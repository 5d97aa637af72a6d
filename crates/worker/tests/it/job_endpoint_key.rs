//! A custom model endpoint (`agent_base_url`) in a Job gets the run's own key for it, never
//! the user's token, in any header or body; without a key the agent step fails before Pi
//! calls it at all.

use crate::kit::agent;
use crate::kit::files::{assert_no_form_of, assert_not_in_files};
use crate::kit::limit;
use crate::kit::recording::RecordingEndpoint;
use crate::kit::stand::{assert_failed_at, assert_job_stage, Stand};
use localhub::FaultConfig;
use runs::job::{EndpointKey, ENDPOINT_KEY_NEEDED};

const KEYED_RUN: &str = "01JDQ7ZK3G8X5V2N4M6P8R0K01";
const KEYLESS_RUN: &str = "01JDQ7ZK3G8X5V2N4M6P8R0K02";
const KEY: &str = "sk-endpoint-own-7d2b90c4e1";

/// A stand whose scripted model claims an edit it never makes (so the run ends at
/// `check_edit`, before any Space), and an endpoint serving that model.
async fn stand_and_endpoint() -> (Stand, RecordingEndpoint) {
    let stand = agent::stand("phase3_claim_without_edit", FaultConfig::default()).await;
    let endpoint =
        RecordingEndpoint::start(&format!("{}/v1", stand.hub.url()), stand.token.expose()).await;
    (stand, endpoint)
}

fn params(endpoint: &RecordingEndpoint, space: &str) -> serde_json::Value {
    let mut params = agent::params(serde_json::json!({ "target_space": space }));
    params["agent_base_url"] = endpoint.url().into();
    params
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_endpoint_receives_its_own_key_and_never_the_hub_token() {
    let _slot = limit::slot().await;
    let (stand, endpoint) = stand_and_endpoint().await;
    let key = EndpointKey::new(KEY).unwrap();
    let (job, log) = agent::run_job_with_key(
        &stand,
        KEYED_RUN,
        "3",
        params(&endpoint, "keyed"),
        &[],
        Some(&key),
    )
    .await;
    assert_job_stage(&job, &log, "ERROR");
    // Pi worked through the endpoint: it answered, and the run went on to check the edit.
    let state = stand.state(KEYED_RUN);
    assert_failed_at(&state, "check_edit", "Pi changed nothing, whatever it said");

    let requests = endpoint.requests();
    assert!(!requests.is_empty(), "Pi never called the endpoint");
    let token = stand.token.expose();
    for (i, request) in requests.iter().enumerate() {
        assert!(
            request.contains(&format!("\nauthorization: Bearer {KEY}\n")),
            "request {i} lacks the endpoint's own key: {request}"
        );
        assert_no_form_of(token, request, &format!("request {i}"));
    }
    // The key is a secret like the token: in no file of the run, nor in the Job's log.
    assert!(assert_not_in_files(&stand.bucket_dir(), KEY) >= 5);
    assert!(log.iter().all(|line| !line.contains(KEY)));
    assert_not_in_files(&stand.bucket_dir(), token);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_endpoint_without_its_own_key_fails_the_agent_step_and_gets_nothing() {
    let _slot = limit::slot().await;
    let (stand, endpoint) = stand_and_endpoint().await;
    let (job, log) =
        agent::run_job(&stand, KEYLESS_RUN, "3", params(&endpoint, "keyless"), &[]).await;
    assert_job_stage(&job, &log, "ERROR");
    let state = stand.state(KEYLESS_RUN);
    assert_failed_at(&state, "agent_setup", ENDPOINT_KEY_NEEDED);
    assert_eq!(endpoint.requests(), Vec::<String>::new());
}
