//! Runs recorded in an organization's bucket: launched by a member into a namespace of
//! theirs only, listed with the org as their owner, and opened by the org's members; to
//! anyone else such a run is exactly like a missing one.

use crate::kit::TestApp;
use crate::runs::{get_run, launch, phase1, wait_over};
use app::api::{ApiError, ListRuns, RunSummary};
use reqwest::StatusCode;
use runs::RunStatus;

#[tokio::test]
async fn an_org_run_opens_for_the_orgs_members_and_is_missing_to_anyone_else() {
    let stand = TestApp::start().await;
    let mut alice = stand.signed_in("alice").await;

    // Only a namespace of alice's own: another user's is refused, naming the field.
    let mut elsewhere = phase1();
    elsewhere.namespace = Some("bob".into());
    match launch(&mut alice, elsewhere).await {
        Err(ApiError::Invalid(errors)) => {
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert_eq!(
                errors[0].field,
                app::components::namespace_select::NAMESPACE_FIELD
            );
        }
        other => panic!("launched into bob's namespace: {other:?}"),
    }

    let mut in_org = phase1();
    in_org.namespace = Some("alice-org".into());
    let launched = launch(&mut alice, in_org).await.unwrap();
    assert_eq!(launched.owner, "alice-org");
    let run_id = launched.run_id.to_string();
    assert_eq!(launched.page, format!("/runs/alice-org/{run_id}"));
    let view = wait_over(&mut alice, "alice-org", &run_id).await;
    assert_eq!(view.state.map(|s| s.status), Some(RunStatus::Succeeded));
    let folder = stand
        .hub()
        .bucket_dir("alice-org/space-factory-runs")
        .join("runs")
        .join(&run_id);
    assert!(
        folder.join("state.json").is_file(),
        "recorded in the org's bucket"
    );

    // alice's runs list links it under the org.
    let (status, body) = alice.call("list_runs", &ListRuns {}).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let listed: Vec<RunSummary> = serde_json::from_str(&body).unwrap();
    let row = listed
        .iter()
        .find(|r| r.run_id.to_string() == run_id)
        .expect("listed");
    assert_eq!(row.owner, "alice-org");
    assert_eq!(row.status, RunStatus::Succeeded);

    // carol, a member, opens it; bob, who is not, gets what a missing run gets.
    let mut carol = stand.signed_in("carol").await;
    let seen = get_run(&mut carol, "alice-org", &run_id).await.unwrap();
    assert_eq!(seen.state.map(|s| s.status), Some(RunStatus::Succeeded));
    assert!(!seen.can_cancel);
    let page = carol.get(&format!("/runs/alice-org/{run_id}")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let mut bob = stand.signed_in("bob").await;
    let missing = runs::RunId::generate().to_string();
    for id in [&run_id, &missing] {
        assert_eq!(
            get_run(&mut bob, "alice-org", id).await,
            Err(ApiError::NotFound)
        );
        let page = bob.get(&format!("/runs/alice-org/{id}")).await;
        assert_eq!(page.status(), StatusCode::NOT_FOUND);
    }
}
