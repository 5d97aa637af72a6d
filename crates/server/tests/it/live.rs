//! What watching runs costs the Hub, counted at the embedded hub: a live run's viewers share
//! one Job-log stream, which closes when the last of them leaves, and one read of its
//! `events.jsonl`; `state.json` is read again
//! with its ETag (304s); a finished run's page is served from the cache, still only to
//! viewers who may see it.

use crate::kit::{Browser, TestApp};
use crate::runs::{
    cancel_and_wait, get_run, launch, launch_a_long_run, phase1, read_sse, wait_over, wait_running,
};
use app::api::ApiError;
use reqwest::StatusCode;
use std::time::{Duration, Instant};

/// The embedded hub's route of a Job's log stream.
const LOGS_ROUTE: &str = "/api/jobs/{ns}/{id}/logs";

/// The embedded hub's route of a bucket file read.
const RESOLVE_ROUTE: &str = "/buckets/{ns}/{name}/resolve/{*path}";

/// A generous bound on waits for the server to catch up.
const WITHIN: Duration = Duration::from_secs(120);

/// Requests of `GET route` the hub answered with `status` (any status when `None`).
fn answered(stand: &TestApp, route: &str, status: Option<u16>) -> u64 {
    stand
        .hub()
        .traffic()
        .iter()
        .filter(|t| t.method == "GET" && t.route == route)
        .filter(|t| status.is_none_or(|s| t.status == s))
        .map(|t| t.count)
        .sum()
}

/// Job-log streams open at the hub now.
fn open_log_streams(stand: &TestApp) -> u64 {
    stand
        .hub()
        .traffic()
        .iter()
        .filter(|t| t.route == LOGS_ROUTE)
        .map(|t| t.open_streams)
        .sum()
}

/// Waits until `condition` holds, failing with `what` after [`WITHIN`].
async fn until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + WITHIN;
    while !condition() {
        assert!(Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Opens the run's stream as `browser`, keeping the answer open.
async fn open_stream(browser: &mut Browser, run_id: &str) -> reqwest::Response {
    let path = app::api::stream::run_stream_path("alice", run_id);
    let response = browser.get(&path).await;
    assert_eq!(response.status(), StatusCode::OK);
    response
}

fn event_seqs(messages: &[(String, Option<String>, String)]) -> Vec<u64> {
    messages
        .iter()
        .filter(|(name, _, _)| name == "event")
        .map(|(_, _, data)| serde_json::from_str::<runs::Event>(data).unwrap().seq)
        .collect()
}

#[tokio::test]
async fn two_viewers_of_a_live_run_share_one_job_log_stream_and_both_see_every_event() {
    let stand = TestApp::start().await;
    let mut alice = stand.signed_in("alice").await;
    let mut alice_elsewhere = stand.signed_in("alice").await;
    let run_id = launch_a_long_run(&mut alice).await;
    wait_running(&mut alice, &run_id).await;
    let path = app::api::stream::run_stream_path("alice", &run_id);
    let (first, second) = tokio::join!(read_sse(&mut alice, &path, None), async {
        until("the first viewer's upstream never opened", || {
            open_log_streams(&stand) == 1
        })
        .await;
        let seen = read_sse(&mut alice_elsewhere, &path, None);
        let stop = async {
            // Both are watching: one log stream at the hub, then the run ends.
            until("the second viewer never joined", || {
                stand.factory.services.live.followed() == 1
            })
            .await;
            tokio::time::sleep(Duration::from_secs(1)).await;
            assert_eq!(open_log_streams(&stand), 1, "one Job-log stream per run");
            let mut owner = stand.signed_in("alice").await;
            cancel_and_wait(&mut owner, &run_id).await;
        };
        tokio::join!(seen, stop).0
    });
    assert_eq!(
        answered(&stand, LOGS_ROUTE, None),
        1,
        "the Job's log was opened once for both viewers"
    );
    assert_eq!(
        stand.factory.services.live.history_reads(),
        1,
        "events.jsonl was read once for both viewers"
    );
    for messages in [&first, &second] {
        let names: Vec<&str> = messages.iter().map(|(n, _, _)| n.as_str()).collect();
        assert_eq!(names.last(), Some(&"end"), "{names:?}");
    }
    let recorded: Vec<u64> = get_run(&mut alice, "alice", &run_id)
        .await
        .unwrap()
        .events
        .iter()
        .map(|e| e.seq)
        .collect();
    assert!(!recorded.is_empty());
    assert_eq!(
        event_seqs(&first),
        recorded,
        "the first viewer saw every event once"
    );
    assert_eq!(
        event_seqs(&second),
        recorded,
        "the second viewer saw every event once"
    );
}

#[tokio::test]
async fn the_upstream_closes_when_its_last_viewer_leaves_and_refuses_others_meanwhile() {
    let stand = TestApp::start().await;
    let mut alice = stand.signed_in("alice").await;
    let mut alice_elsewhere = stand.signed_in("alice").await;
    let run_id = launch_a_long_run(&mut alice).await;
    wait_running(&mut alice, &run_id).await;
    let one = open_stream(&mut alice, &run_id).await;
    let two = open_stream(&mut alice_elsewhere, &run_id).await;
    until("the upstream never opened the Job's log", || {
        open_log_streams(&stand) == 1
    })
    .await;
    assert_eq!(stand.factory.services.live.followed(), 1);

    // While it is open, a viewer without access is refused, as is a signed-out one.
    let path = app::api::stream::run_stream_path("alice", &run_id);
    let mut bob = stand.signed_in("bob").await;
    assert_eq!(bob.get(&path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        stand.browser().get(&path).await.status(),
        StatusCode::UNAUTHORIZED
    );

    drop(one);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(open_log_streams(&stand), 1, "one viewer is still watching");
    drop(two);
    until("the upstream outlived its last viewer", || {
        open_log_streams(&stand) == 0 && stand.factory.services.live.followed() == 0
    })
    .await;
    cancel_and_wait(&mut alice, &run_id).await;
}

#[tokio::test]
async fn state_json_is_read_again_by_its_etag_while_the_run_is_live() {
    let stand = TestApp::start().await;
    let mut alice = stand.signed_in("alice").await;
    let run_id = launch_a_long_run(&mut alice).await;
    wait_running(&mut alice, &run_id).await;
    let stream = open_stream(&mut alice, &run_id).await;
    until("state.json was never read conditionally", || {
        answered(&stand, RESOLVE_ROUTE, Some(304)) > 0
    })
    .await;
    drop(stream);
    cancel_and_wait(&mut alice, &run_id).await;
}

#[tokio::test]
async fn a_finished_runs_page_comes_from_the_cache_only_to_viewers_who_may_see_it() {
    let stand = TestApp::start().await;
    let mut alice = stand.signed_in("alice").await;
    let run_id = launch(&mut alice, phase1())
        .await
        .unwrap()
        .run_id
        .to_string();
    let view = wait_over(&mut alice, "alice", &run_id).await;
    let report = view
        .report_html
        .clone()
        .expect("a finished run has its report");
    let finished = &stand.factory.services.api.finished;
    until("the finished run was never kept", || {
        finished.records_kept() == 1
    })
    .await;

    // Served again with no Hub request at all.
    let total = |stand: &TestApp| -> u64 { stand.hub().traffic().iter().map(|t| t.count).sum() };
    let before = total(&stand);
    let again = get_run(&mut alice, "alice", &run_id).await.unwrap();
    assert_eq!(again, view);
    let page = alice.get(&format!("/runs/alice/{run_id}")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert_eq!(total(&stand), before, "the cached run cost the Hub nothing");
    let marker = report
        .lines()
        .find(|l| l.len() > 20 && page.contains(*l))
        .expect("the page shows the report")
        .to_owned();

    // Another user and a signed-out browser get nothing of it, cached or not.
    let mut bob = stand.signed_in("bob").await;
    assert_eq!(
        get_run(&mut bob, "alice", &run_id).await,
        Err(ApiError::NotFound)
    );
    assert_eq!(
        get_run(&mut stand.browser(), "alice", &run_id).await,
        Err(ApiError::NotSignedIn)
    );
    for mut browser in [bob, stand.browser()] {
        let text = browser
            .get(&format!("/runs/alice/{run_id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(!text.contains(&marker), "the report reached another viewer");
    }
}
