//! Published runs: the owner publishes a finished run and its link opens for anyone, from a
//! redacted, bounded public snapshot (never from the private bucket); nobody else can
//! publish or unpublish it, nor can another site's page; unpublished, it is gone again.

use crate::kit::{Browser, TestApp};
use crate::runs::{get_run, launch, phase1, wait_over};
use app::api::{ApiError, Artifact, Publication, PublishRun, ReadArtifact, RunView, UnpublishRun};
use reqwest::StatusCode;
use std::time::{Duration, Instant};

/// Calls `publish_run` or `unpublish_run` as `browser` with extra `headers`.
async fn change(
    browser: &mut Browser,
    publish: bool,
    run_id: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, Result<Publication, ApiError>) {
    let (owner, run_id) = ("alice".to_owned(), run_id.to_owned());
    let (status, body) = if publish {
        let args = PublishRun { owner, run_id };
        browser.call_with("publish_run", &args, headers).await
    } else {
        let args = UnpublishRun { owner, run_id };
        browser.call_with("unpublish_run", &args, headers).await
    };
    let result = if status.is_success() {
        Ok(serde_json::from_str(&body).unwrap())
    } else if status == StatusCode::FORBIDDEN {
        // The cross-site guard answers before any server function, in words.
        assert!(body.contains("Nothing was done"), "{body}");
        Err(ApiError::MissingPermission(body))
    } else {
        Err(serde_json::from_str(&body).unwrap_or_else(|_| panic!("{status}: {body}")))
    };
    (status, result)
}

async fn read_artifact(
    browser: &mut Browser,
    run_id: &str,
    path: &str,
) -> Result<Artifact, ApiError> {
    let args = ReadArtifact {
        owner: "alice".into(),
        run_id: run_id.into(),
        path: path.into(),
    };
    let (status, body) = browser.call("read_artifact", &args).await;
    if status.is_success() {
        Ok(serde_json::from_str(&body).unwrap())
    } else {
        Err(serde_json::from_str(&body).unwrap_or_else(|_| panic!("{status}: {body}")))
    }
}

/// The snapshot as anyone reads it from the hub, without a token.
async fn raw_snapshot(stand: &TestApp, run_id: &str) -> (StatusCode, String) {
    let url = format!(
        "{}/datasets/alice/space-factory-public-runs/resolve/main/runs/{run_id}/snapshot.json",
        stand.hub().url()
    );
    let response = stand.browser().get_hub(&url).await;
    (response.status(), response.text().await.unwrap())
}

/// Polls alice's run until it may be published (its Job over, its report in).
async fn wait_publishable(alice: &mut Browser, run_id: &str) -> RunView {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let view = get_run(alice, "alice", run_id).await.unwrap();
        let publishable = view.publication == Some(Publication::Private { can_publish: true });
        if publishable && view.report_html.is_some() {
            return view;
        }
        assert!(Instant::now() < deadline, "never publishable: {view:?}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test]
async fn a_published_run_opens_for_anyone_from_its_redacted_snapshot_until_unpublished() {
    let stand = TestApp::start().await;
    let mut alice = stand.signed_in("alice").await;
    let run_id = launch(&mut alice, phase1())
        .await
        .unwrap()
        .run_id
        .to_string();
    wait_over(&mut alice, "alice", &run_id).await;
    let own = wait_publishable(&mut alice, &run_id).await;

    // What the run folder holds besides the worker's record: a file with a token in it,
    // and one too large to carry.
    let secret = localhub::auth::SecretToken::random("hf_");
    let secret = secret.expose();
    let folder = stand
        .hub()
        .bucket_dir("alice/space-factory-runs")
        .join("runs")
        .join(&run_id);
    std::fs::write(
        folder.join("notes.txt"),
        format!("the token was {secret}\n"),
    )
    .unwrap();
    std::fs::write(folder.join("big.txt"), "y".repeat(200 * 1024)).unwrap();

    // Nobody else publishes it, nor does another site's page as alice.
    let mut bob = stand.signed_in("bob").await;
    let (status, result) = change(&mut bob, true, &run_id, &[]).await;
    assert_eq!(
        (status, result),
        (StatusCode::NOT_FOUND, Err(ApiError::NotFound))
    );
    let cross_site = [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ];
    let (status, _) = change(&mut alice, true, &run_id, &cross_site).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(raw_snapshot(&stand, &run_id).await.0, StatusCode::NOT_FOUND);
    let mut visitor = stand.browser();
    assert_eq!(
        get_run(&mut visitor, "alice", &run_id).await,
        Err(ApiError::NotSignedIn)
    );

    // Published: the snapshot is public, without the token or the large file.
    let (status, result) = change(&mut alice, true, &run_id, &[]).await;
    assert_eq!(status, StatusCode::OK);
    let Ok(Publication::Public {
        snapshot_url,
        can_unpublish: true,
    }) = result
    else {
        panic!("{result:?}");
    };
    assert!(snapshot_url.ends_with("/datasets/alice/space-factory-public-runs"));
    let (status, snapshot) = raw_snapshot(&stand, &run_id).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!snapshot.contains(secret), "the token went public");
    assert!(!snapshot.contains(&secret[3..]), "the token went public");
    assert!(snapshot.contains("notes.txt") && snapshot.contains("[REDACTED]"));
    assert!(
        !snapshot.contains("big.txt"),
        "an oversized file went public"
    );
    assert!(!snapshot.contains(&"y".repeat(1024)));

    // The bucket changes after publishing: readers see the snapshot, not the bucket.
    std::fs::write(folder.join("report.md"), "# Changed in the bucket").unwrap();
    let seen = get_run(&mut visitor, "alice", &run_id).await.unwrap();
    assert_eq!(
        seen.publication,
        Some(Publication::Public {
            snapshot_url: snapshot_url.clone(),
            can_unpublish: false
        })
    );
    assert_eq!(
        seen.state.as_ref().map(|s| s.status),
        own.state.as_ref().map(|s| s.status)
    );
    assert_eq!(seen.events.len(), own.events.len());
    let report = seen
        .report_html
        .clone()
        .expect("the report is in the snapshot");
    assert!(!report.contains("Changed in the bucket"), "{report}");
    assert_eq!(seen.job, None, "the Job is not public");
    assert!(!seen.can_cancel);
    let paths: Vec<&str> = seen.artifacts.iter().map(|a| a.path.as_str()).collect();
    assert!(
        paths.contains(&"notes.txt") && !paths.contains(&"big.txt"),
        "{paths:?}"
    );
    let notes = read_artifact(&mut visitor, &run_id, "notes.txt")
        .await
        .unwrap();
    assert!(notes.text.contains("[REDACTED]") && !notes.text.contains(secret));
    for path in ["big.txt", "report.md", "../../alice/x"] {
        assert_eq!(
            read_artifact(&mut visitor, &run_id, path).await,
            Err(ApiError::NotSignedIn),
            "{path} is not in the snapshot"
        );
    }
    let page = visitor.get(&format!("/runs/alice/{run_id}")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Published"), "the page says it is published");
    assert!(!html.contains(secret));

    // bob sees it too, and cannot unpublish it.
    let bobs = get_run(&mut bob, "alice", &run_id).await.unwrap();
    assert!(matches!(
        bobs.publication,
        Some(Publication::Public {
            can_unpublish: false,
            ..
        })
    ));
    let (status, _) = change(&mut bob, false, &run_id, &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = change(&mut alice, false, &run_id, &cross_site).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(raw_snapshot(&stand, &run_id).await.0, StatusCode::OK);

    // Unpublished: gone for everyone but alice.
    let (status, result) = change(&mut alice, false, &run_id, &[]).await;
    assert_eq!(
        (status, result),
        (
            StatusCode::OK,
            Ok(Publication::Private { can_publish: true })
        )
    );
    assert_eq!(raw_snapshot(&stand, &run_id).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        get_run(&mut visitor, "alice", &run_id).await,
        Err(ApiError::NotSignedIn)
    );
    assert_eq!(
        get_run(&mut bob, "alice", &run_id).await,
        Err(ApiError::NotFound)
    );
    for mut browser in [stand.browser(), bob] {
        let page = browser.get(&format!("/runs/alice/{run_id}")).await;
        assert_eq!(page.status(), StatusCode::NOT_FOUND);
    }
    let own = get_run(&mut alice, "alice", &run_id).await.unwrap();
    assert_eq!(
        own.publication,
        Some(Publication::Private { can_publish: true })
    );
}
