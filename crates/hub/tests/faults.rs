//! Bad input and faults: invalid ids never reach the network, a 503 burst is retried to
//! success, 401/403/409 are not retried, and the Hub's message reaches the error.
//!
//! Runs against a scripted stand-in server until localhub's fault injection lands.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::stand_in::scripted;
use hub::repos::{parse_repo_id, RepoType};
use hub::{HubClient, HubConfig, HubError, RetryConfig, Token};

fn fast(url: &str) -> HubClient {
    let cfg = HubConfig::new(url).unwrap().with_retry(RetryConfig {
        max_retries: 5,
        min_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
    });
    HubClient::new(cfg).unwrap()
}

const WHOAMI: &str = r#"{"name":"alice","orgs":[]}"#;

#[tokio::test]
async fn a_503_burst_is_retried_until_it_succeeds() {
    let (url, seen) = scripted(vec![
        (503, vec![], "busy"),
        (503, vec![], "busy"),
        (429, vec![], r#"{"error":"slow down"}"#),
        (200, vec![("content-type", "application/json")], WHOAMI),
    ])
    .await;
    let who = fast(&url).whoami(&Token::new("hf_alice")).await.unwrap();
    assert_eq!(who.name, "alice");
    assert_eq!(seen.count.load(Ordering::SeqCst), 4);
    // Every attempt carried the token.
    assert!(seen
        .auth
        .lock()
        .unwrap()
        .iter()
        .all(|a| a.as_deref() == Some("Bearer hf_alice")));
}

#[tokio::test]
async fn retries_give_up_with_a_server_error() {
    let (url, seen) = scripted(vec![(
        503,
        vec![("x-error-message", "down for maintenance")],
        "",
    )])
    .await;
    match fast(&url).whoami(&Token::new("hf_x")).await {
        Err(HubError::Server {
            status: 503,
            message,
        }) => {
            assert_eq!(message, "down for maintenance")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(seen.count.load(Ordering::SeqCst), 6);
}

#[tokio::test]
async fn a_401_is_not_retried_and_the_token_is_not_in_the_error() {
    let (url, seen) = scripted(vec![(
        401,
        vec![("content-type", "application/json")],
        r#"{"error":"Invalid credentials in Authorization header"}"#,
    )])
    .await;
    let err = fast(&url)
        .whoami(&Token::new("hf_topsecret"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, HubError::Unauthorized { message } if message.contains("Invalid credentials"))
    );
    assert_eq!(seen.count.load(Ordering::SeqCst), 1);
    assert!(!format!("{err:?} {err}").contains("hf_topsecret"));
}

#[tokio::test]
async fn forbidden_payment_and_conflict_are_not_retried() {
    for (status, check) in [
        (
            403u16,
            (|e: &HubError| matches!(e, HubError::Forbidden { .. })) as fn(&HubError) -> bool,
        ),
        (402, |e| matches!(e, HubError::PaymentRequired { .. })),
        (409, |e| {
            matches!(e, HubError::Conflict { url: Some(_), .. })
        }),
    ] {
        let (url, seen) = scripted(vec![(
            status,
            vec![("content-type", "application/json")],
            r#"{"error":"nope","url":"http://127.0.0.1/spaces/alice/x"}"#,
        )])
        .await;
        let id = parse_repo_id("alice/x").unwrap();
        let spec = hub::repos::CreateRepo::gradio_space(id);
        let err = fast(&url)
            .create_repo(&spec, &Token::new("t"))
            .await
            .unwrap_err();
        assert!(check(&err), "{status}: {err:?}");
        assert_eq!(seen.count.load(Ordering::SeqCst), 1, "{status}");
    }
}

#[tokio::test]
async fn not_found_carries_the_error_code() {
    let (url, _) = scripted(vec![(
        404,
        vec![
            ("x-error-code", "RepoNotFound"),
            ("x-error-message", "Repository not found"),
        ],
        "",
    )])
    .await;
    let c = fast(&url);
    let id = parse_repo_id("alice/missing").unwrap();
    assert!(!c.repo_exists(RepoType::Space, &id, None).await.unwrap());
    match c.model_info(&id, None).await {
        Err(HubError::NotFound { code, message }) => {
            assert_eq!(code.as_deref(), Some("RepoNotFound"));
            assert_eq!(message, "Repository not found");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn invalid_input_is_rejected_before_any_request() {
    let (url, seen) = scripted(vec![(200, vec![], "{}")]).await;
    let c = fast(&url);
    let t = Token::new("t");
    for bad in [
        "alice",
        "alice/",
        "a/b/c",
        "alice/..",
        "alice/my space",
        "-x/y",
    ] {
        assert!(
            matches!(parse_repo_id(bad), Err(HubError::InvalidInput(_))),
            "{bad}"
        );
    }
    let id = parse_repo_id("alice/ok").unwrap();
    assert!(matches!(
        c.download_file(RepoType::Model, &id, "main", "../secret", None)
            .await,
        Err(HubError::InvalidInput(_))
    ));
    assert!(matches!(
        c.job("../x", "id", &t).await,
        Err(HubError::InvalidInput(_))
    ));
    assert!(matches!(
        c.job("alice", "a/b", &t).await,
        Err(HubError::InvalidInput(_))
    ));
    let empty = hub::jobs::JobSpec::docker("python:3.12", vec![]);
    assert!(matches!(
        c.create_job("alice", &empty, &t).await,
        Err(HubError::InvalidInput(_))
    ));
    assert!(matches!(
        c.upload_files(RepoType::Space, &id, "main", "x", &[], &t)
            .await,
        Err(HubError::InvalidInput(_))
    ));
    assert_eq!(seen.count.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn job_creation_is_never_retried() {
    let (url, seen) = scripted(vec![(503, vec![], "busy")]).await;
    let spec = hub::jobs::JobSpec::docker("python:3.12", vec!["true".into()]);
    let err = fast(&url)
        .create_job("alice", &spec, &Token::new("t"))
        .await
        .unwrap_err();
    assert!(matches!(err, HubError::Server { status: 503, .. }));
    assert_eq!(seen.count.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn commit_refuses_when_the_hub_asks_for_lfs() {
    let (url, seen) = scripted(vec![(
        200,
        vec![("content-type", "application/json")],
        r#"{"files":[{"path":"big.bin","uploadMode":"lfs","shouldIgnore":false}]}"#,
    )])
    .await;
    let id = parse_repo_id("alice/sp").unwrap();
    let files = [hub::commit::CommitFile::new("big.bin", vec![0u8; 10])];
    let err = fast(&url)
        .upload_files(
            RepoType::Space,
            &id,
            "main",
            "add",
            &files,
            &Token::new("t"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, HubError::InvalidInput(m) if m.contains("big.bin") && m.contains("LFS"))
    );
    // Only the preupload check was sent, no commit.
    assert_eq!(seen.count.load(Ordering::SeqCst), 1);
}

/// A create whose answer was a 5xx may have been carried out: it is never sent again
/// (huggingface_hub does not retry it either), the caller gets the error.
#[tokio::test]
async fn a_repo_create_is_sent_once_even_on_a_server_error() {
    let (url, seen) = scripted(vec![
        (502, vec![], "bad gateway"),
        (
            200,
            vec![("content-type", "application/json")],
            r#"{"url":"x"}"#,
        ),
    ])
    .await;
    let id = parse_repo_id("alice/app").unwrap();
    let spec = hub::repos::CreateRepo::gradio_space(id);
    match fast(&url).create_repo(&spec, &Token::new("hf_x")).await {
        Err(HubError::Server { status: 502, .. }) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(seen.count.load(Ordering::SeqCst), 1);
}
