//! Bad input and faults: invalid ids never reach the network, a 503 burst is retried to
//! success, 401/403/409 are not retried, and the Hub's message reaches the error.
//!
//! Runs against a scripted stand-in server until localhub's fault injection lands.

use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::kit::stand_in::scripted;
use hub::repos::{parse_repo_id, RepoType};
use hub::{HubClient, HubError, Token};

fn fast(url: &str) -> HubClient {
    crate::kit::fast_client(url, 5)
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
        matches!(&err, HubError::Unauthorized { message, .. } if message.contains("Invalid credentials"))
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

#[tokio::test]
async fn a_repo_create_refused_as_a_conflicting_operation_is_tried_again_and_an_existing_one_is_not(
) {
    let busy = r#"{"error":"Cannot create repo: another conflicting operation is in progress"}"#;
    let (url, seen) = scripted(vec![
        (409, vec![("content-type", "application/json")], busy),
        (
            200,
            vec![("content-type", "application/json")],
            r#"{"url":"x"}"#,
        ),
    ])
    .await;
    let id = parse_repo_id("alice/app").unwrap();
    let spec = hub::repos::CreateRepo::gradio_space(id);
    fast(&url)
        .create_repo(&spec, &Token::new("hf_x"))
        .await
        .unwrap();
    assert_eq!(seen.count.load(Ordering::SeqCst), 2);

    let exists = r#"{"error":"You already created this space repo","url":"x"}"#;
    let (url, seen) = scripted(vec![(
        409,
        vec![("content-type", "application/json")],
        exists,
    )])
    .await;
    match fast(&url).create_repo(&spec, &Token::new("hf_x")).await {
        Err(HubError::Conflict { .. }) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(seen.count.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_429_is_retried_when_its_reset_says_and_a_far_reset_is_given_up() {
    let (url, seen) = scripted(vec![
        (429, vec![("retry-after", "0")], r#"{"error":"slow down"}"#),
        (200, vec![("content-type", "application/json")], WHOAMI),
    ])
    .await;
    fast(&url).whoami(&Token::new("hf_x")).await.unwrap();
    assert_eq!(seen.count.load(Ordering::SeqCst), 2);

    let (url, seen) = scripted(vec![(
        429,
        vec![("ratelimit", "\"api\";r=0;t=3600")],
        r#"{"error":"slow down"}"#,
    )])
    .await;
    match fast(&url).whoami(&Token::new("hf_x")).await {
        Err(err @ HubError::RateLimited { .. }) => {
            assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        seen.count.load(Ordering::SeqCst),
        1,
        "an hour's wait is not waited"
    );
}

#[tokio::test]
async fn a_bucket_the_token_may_not_create_is_used_when_it_exists() {
    let info = r#"{"id":"alice/runs","private":true}"#;
    let (url, seen) = scripted(vec![
        (
            403,
            vec![],
            r#"{"error":"You don't have the rights to create a bucket"}"#,
        ),
        (200, vec![("content-type", "application/json")], info),
    ])
    .await;
    let id = parse_repo_id("alice/runs").unwrap();
    let got = fast(&url)
        .ensure_bucket(&id, &Token::new("hf_x"))
        .await
        .unwrap();
    assert!(got.private);
    assert_eq!(seen.count.load(Ordering::SeqCst), 2);

    let (url, _) = scripted(vec![
        (401, vec![], r#"{"error":"Invalid credentials"}"#),
        (
            404,
            vec![("x-error-code", "RepoNotFound")],
            r#"{"error":"not found"}"#,
        ),
    ])
    .await;
    match fast(&url).ensure_bucket(&id, &Token::new("hf_x")).await {
        Err(HubError::Unauthorized { .. }) => {}
        other => panic!("the refusal stands when there is no bucket: {other:?}"),
    }
}

#[tokio::test]
async fn a_repo_hidden_behind_a_401_repo_not_found_does_not_exist() {
    let (url, _) = scripted(vec![(
        401,
        vec![("x-error-code", "RepoNotFound")],
        r#"{"error":"Repository not found"}"#,
    )])
    .await;
    let id = parse_repo_id("alice/app").unwrap();
    let exists = fast(&url)
        .repo_exists(RepoType::Space, &id, Some(&Token::new("hf_x")))
        .await
        .unwrap();
    assert!(!exists);
}

/// A Job log stream as the Hub may send it: keep-alive comments, CRLF line ends, a
/// `[DONE]` and a non-JSON `data:` line among the log lines, and the first line only after
/// 4 s of silence.
async fn hub_like_log_stream() -> String {
    use axum::body::Body;
    use axum::response::Response;
    let app = axum::Router::new().fallback(|| async {
        let chunks = futures_util::stream::unfold(0u8, |step| async move {
            let chunk: &'static str = match step {
                0 => ": keep-alive\r\n\r\n",
                1 => {
                    tokio::time::sleep(Duration::from_secs(4)).await;
                    "data: {\"data\":\"first\",\"timestamp\":\"2026-12-01T00:00:00Z\"}\r\n\r\n"
                }
                2 => "data: [DONE]\r\n\r\n",
                3 => "data: not json at all\r\n\r\n",
                4 => ": ping\r\n\r\ndata: {\"data\":\"second\",\"timestamp\":\"2026-12-01T00:00:01Z\"}\r\n\r\n",
                _ => return None,
            };
            Some((Ok::<_, std::convert::Infallible>(chunk), step + 1))
        });
        Response::builder()
            .header("content-type", "text/event-stream")
            .body(Body::from_stream(chunks))
            .unwrap()
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

#[tokio::test]
async fn a_log_stream_with_keepalives_odd_lines_and_a_slow_first_line_reads_whole() {
    use futures_util::StreamExt;
    let url = hub_like_log_stream().await;
    let stream = fast(&url)
        .job_logs(
            "alice",
            "0123456789abcdef01234567",
            None,
            hub::sse::LOG_IDLE,
            &Token::new("hf_x"),
        )
        .await
        .unwrap();
    let lines: Vec<String> = stream
        .map(|line| line.expect("no line ends the stream").data)
        .collect()
        .await;
    assert_eq!(lines, ["first", "second"]);
}
