//! Multi-request flows whose logic lives in `hub` (log following with reconnects,
//! Link-header pagination, OAuth code exchange and refresh, chat completions), checked
//! against a scripted stand-in server that answers in a fixed order and records what it got.

use std::time::Duration;

use crate::kit::stand_in::scripted;
use futures_util::StreamExt;
use hub::jobs::FollowLogs;
use hub::oauth::{OAuthApp, OidcDiscovery};
use hub::{HubClient, Token};

fn fast(url: &str) -> HubClient {
    crate::kit::fast_client(url, 2)
}

const SSE: (&str, &str) = ("content-type", "text/event-stream");
const JSON: (&str, &str) = ("content-type", "application/json");

#[tokio::test]
async fn job_logs_reconnect_skip_seen_lines_and_stop_at_a_terminal_stage() {
    let (url, seen) = scripted(vec![
        (
            200,
            vec![SSE],
            "data: {\"data\": \"===== Job started at 2026-11-25 =====\", \"timestamp\": \"2026-11-25T08:00:00Z\"}\n\n\
             data: {\"data\": \"one\", \"timestamp\": \"2026-11-25T08:00:01Z\"}\n\n",
        ),
        (200, vec![JSON], r#"{"id":"j1","owner":{"id":"u","name":"alice","type":"user"},"status":{"stage":"RUNNING"}}"#),
        (
            200,
            vec![SSE],
            "data: {\"data\": \"one\", \"timestamp\": \"2026-11-25T08:00:01Z\"}\n\n\
             : keep-alive\n\n\
             data: {\"data\": \"two\", \"timestamp\": \"2026-11-25T08:00:02Z\"}\n\n",
        ),
        (200, vec![JSON], r#"{"id":"j1","owner":{"id":"u","name":"alice","type":"user"},"status":{"stage":"COMPLETED"}}"#),
    ])
    .await;
    let opts = FollowLogs {
        idle: Duration::from_secs(5),
        reconnect_delay: Duration::from_millis(10),
        max_reconnects: 5,
    };
    let lines: Vec<String> = fast(&url)
        .follow_job_logs("alice", "j1", opts, &Token::new("t"))
        .map(|l| l.unwrap().data)
        .collect()
        .await;
    assert_eq!(lines, vec!["one", "two"]);
    let reqs = seen.requests.lock().unwrap().clone();
    assert_eq!(
        reqs,
        vec![
            "GET /api/jobs/alice/j1/logs",
            "GET /api/jobs/alice/j1",
            "GET /api/jobs/alice/j1/logs",
            "GET /api/jobs/alice/j1",
        ]
    );
}

/// What the Hub's log streams carry besides log lines (keep-alive comments, an empty
/// `data:`, `[DONE]`, a `data:` that is no JSON log object, CRLF line ends) is skipped: one
/// odd line does not end the stream or lose the lines after it.
#[tokio::test]
async fn odd_events_on_a_log_stream_are_skipped_and_the_lines_after_them_kept() {
    let (url, _) = scripted(vec![(
        200,
        vec![SSE],
        ": keep-alive\r\n\r\n\
         data: {\"data\": \"one\", \"timestamp\": \"2026-11-25T08:00:01Z\"}\r\n\r\n\
         data: \r\n\r\n\
         data: not json at all\r\n\r\n\
         data: {\"unexpected\": true}\r\n\r\n\
         data: [DONE]\r\n\r\n\
         data: {\"data\": \"two\", \"timestamp\": \"2026-11-25T08:00:02Z\"}\r\n\r\n",
    )])
    .await;
    let lines: Vec<String> = fast(&url)
        .job_logs("alice", "j1", None, hub::sse::LOG_IDLE, &Token::new("t"))
        .await
        .unwrap()
        .map(|l| l.unwrap().data)
        .collect()
        .await;
    assert_eq!(lines, vec!["one", "two"]);
}

#[tokio::test]
async fn bucket_tree_follows_link_pages() {
    // The stand-in answers by order, so the `next` URL only has to be on the same server.
    let (url, seen) = scripted(vec![
        (
            200,
            vec![JSON, ("link", "</api/buckets/alice/runs/tree?cursor=abc>; rel=\"next\"")],
            r#"[{"type":"directory","path":"runs"},{"type":"file","path":"runs/1/state.json","size":2,"xetHash":"h"}]"#,
        ),
        (200, vec![JSON], r#"[{"type":"file","path":"runs/1/events.jsonl","size":5,"xetHash":"h2"}]"#),
    ])
    .await;
    let id = hub::repos::parse_repo_id("alice/runs").unwrap();
    let entries = fast(&url)
        .bucket_tree(&id, None, true, &Token::new("t"))
        .await
        .unwrap();
    let files: Vec<_> = entries
        .iter()
        .filter(|e| e.is_file())
        .map(|e| e.path.as_str())
        .collect();
    assert_eq!(files, vec!["runs/1/state.json", "runs/1/events.jsonl"]);
    let reqs = seen.requests.lock().unwrap().clone();
    assert_eq!(reqs[0], "GET /api/buckets/alice/runs/tree?recursive=true");
    assert_eq!(reqs[1], "GET /api/buckets/alice/runs/tree?cursor=abc");
}

#[tokio::test]
async fn oauth_code_exchange_refresh_and_userinfo() {
    let (url, seen) = scripted(vec![
        (
            200,
            vec![JSON],
            r#"{"access_token":"hf_oauth_1","token_type":"bearer","expires_in":28800,"scope":"openid profile jobs","refresh_token":"r1"}"#,
        ),
        (
            200,
            vec![JSON],
            r#"{"access_token":"hf_oauth_2","token_type":"bearer","expires_in":28800,"refresh_token":"r2"}"#,
        ),
        (200, vec![JSON], r#"{"sub":"123","preferred_username":"alice","name":"Alice","isPro":false}"#),
    ])
    .await;
    let d: OidcDiscovery = serde_json::from_value(serde_json::json!({
        "authorization_endpoint": format!("{url}/oauth/authorize"),
        "token_endpoint": format!("{url}/oauth/token"),
        "userinfo_endpoint": format!("{url}/oauth/userinfo"),
    }))
    .unwrap();
    let app = OAuthApp {
        client_id: "cid".into(),
        client_secret: Some(Token::new("csecret")),
        redirect_uri: "http://127.0.0.1:3000/auth/callback".into(),
        scopes: vec!["openid".into(), "profile".into(), "jobs".into()],
    };
    let c = fast(&url);
    let auth = app.authorization_request(&d).unwrap();
    let t = c
        .exchange_code(&d, &app, "code123", &auth.pkce_verifier)
        .await
        .unwrap();
    assert_eq!(t.access_token.expose(), "hf_oauth_1");
    assert_eq!(t.expires_in, Some(Duration::from_secs(28800)));
    assert!(t.scopes.contains(&"jobs".to_string()));
    let r = t.refresh_token.clone().unwrap();
    let t2 = c.refresh_token(&d, &app, &r).await.unwrap();
    assert_eq!(t2.access_token.expose(), "hf_oauth_2");
    assert_eq!(t2.refresh_token.unwrap().expose(), "r2");
    let u = c.userinfo(&d, &t2.access_token).await.unwrap();
    assert_eq!(u.preferred_username.as_deref(), Some("alice"));

    let bodies = seen.bodies.lock().unwrap().clone();
    assert!(bodies[0].contains("grant_type=authorization_code"));
    assert!(bodies[0].contains("code=code123"));
    assert!(bodies[0].contains(&format!("code_verifier={}", auth.pkce_verifier.expose())));
    assert!(
        bodies[1].contains("grant_type=refresh_token") && bodies[1].contains("refresh_token=r1")
    );
    let auths = seen.auth.lock().unwrap().clone();
    // Client secret as HTTP Basic on the token endpoint, the user's token on userinfo.
    assert!(auths[0].as_deref().unwrap().starts_with("Basic "));
    assert_eq!(auths[2].as_deref(), Some("Bearer hf_oauth_2"));
    assert!(!format!("{t:?}").contains("hf_oauth_1"));
}

#[tokio::test]
async fn chat_completion_and_models() {
    let (url, seen) = scripted(vec![
        (
            200,
            vec![JSON],
            r#"{"id":"c1","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}"#,
        ),
        (200, vec![JSON], r#"{"object":"list","data":[{"id":"Qwen/Qwen3-Coder-480B-A35B-Instruct","providers":[{"provider":"x"}]}]}"#),
    ])
    .await;
    let c = fast(&url);
    let req = hub::inference::ChatRequest {
        model: "m:fastest".into(),
        messages: vec![hub::inference::ChatMessage::new("user", "hello")],
        max_tokens: Some(8),
        temperature: None,
    };
    let r = c.chat_completion(&req, &Token::new("t")).await.unwrap();
    assert_eq!(r.text(), Some("hi"));
    let models = c.inference_models(Some(&Token::new("t"))).await.unwrap();
    assert_eq!(models[0].id, "Qwen/Qwen3-Coder-480B-A35B-Instruct");
    let reqs = seen.requests.lock().unwrap().clone();
    assert_eq!(reqs, vec!["POST /v1/chat/completions", "GET /v1/models"]);
    let body: serde_json::Value = serde_json::from_str(&seen.bodies.lock().unwrap()[0]).unwrap();
    assert_eq!(body["model"], "m:fastest");
    assert_eq!(body["messages"][0]["content"], "hello");
}

#[tokio::test]
async fn space_runtime_wait_and_logs() {
    let building = r#"{"stage":"BUILDING","hardware":{"current":null,"requested":"cpu-basic"}}"#;
    let (url, seen) = scripted(vec![
        (200, vec![JSON], building),
        (200, vec![JSON], building),
        (200, vec![JSON], r#"{"stage":"RUNNING","hardware":{"current":"cpu-basic","requested":"cpu-basic"},"gcTimeout":3600}"#),
        (
            200,
            vec![SSE],
            "data: {\"data\": \"Step 1/3\", \"timestamp\": \"2026-11-25T08:00:01Z\"}\n\ndata: \n\n\
             data: {\"data\": \"Step 2/3\", \"timestamp\": \"2026-11-25T08:00:02Z\"}\n\n",
        ),
    ])
    .await;
    let c = fast(&url);
    let id = hub::repos::parse_repo_id("alice/app").unwrap();
    let t = Token::new("t");
    let rt = c
        .wait_for_space(&id, Duration::from_millis(5), Duration::from_secs(5), &t)
        .await
        .unwrap();
    assert!(rt.is_running());
    assert_eq!(rt.hardware.unwrap().current.as_deref(), Some("cpu-basic"));
    assert_eq!(rt.gc_timeout, Some(3600));
    let logs: Vec<String> = c
        .space_logs(
            &id,
            hub::spaces::SpaceLogKind::Build,
            Duration::from_secs(5),
            &t,
        )
        .await
        .unwrap()
        .map(|l| l.unwrap().data)
        .collect()
        .await;
    assert_eq!(logs, vec!["Step 1/3", "Step 2/3"]);
    let reqs = seen.requests.lock().unwrap().clone();
    assert_eq!(reqs[0], "GET /api/spaces/alice/app/runtime");
    assert_eq!(reqs[3], "GET /api/spaces/alice/app/logs/build");
}

#[tokio::test]
async fn upload_sends_preupload_then_ndjson_commit_and_skips_ignored_files() {
    let (url, seen) = scripted(vec![
        (
            200,
            vec![JSON],
            r#"{"files":[{"path":"app.py","uploadMode":"regular","shouldIgnore":false},{"path":".DS_Store","uploadMode":"regular","shouldIgnore":true}]}"#,
        ),
        (200, vec![JSON], r#"{"commitUrl":"http://x/spaces/alice/app/commit/abc","commitOid":"abc"}"#),
    ])
    .await;
    let id = hub::repos::parse_repo_id("alice/app").unwrap();
    let files = [
        hub::commit::CommitFile::new("app.py", b"import gradio".to_vec()),
        hub::commit::CommitFile::new(".DS_Store", b"junk".to_vec()),
    ];
    let info = fast(&url)
        .upload_files(
            hub::repos::RepoType::Space,
            &id,
            "main",
            "Add app",
            &files,
            &Token::new("t"),
        )
        .await
        .unwrap();
    assert_eq!(info.commit_oid.as_deref(), Some("abc"));
    let reqs = seen.requests.lock().unwrap().clone();
    assert_eq!(
        reqs,
        vec![
            "POST /api/spaces/alice/app/preupload/main",
            "POST /api/spaces/alice/app/commit/main"
        ]
    );
    let pre: serde_json::Value = serde_json::from_str(&seen.bodies.lock().unwrap()[0]).unwrap();
    assert_eq!(pre["files"][0]["size"], 13);
    let commit = seen.bodies.lock().unwrap()[1].clone();
    assert_eq!(commit.lines().count(), 2, "header + app.py only: {commit}");
    assert!(commit.contains("\"path\":\"app.py\"") && !commit.contains("DS_Store"));
    assert_eq!(
        seen.content_types.lock().unwrap()[1].as_deref(),
        Some("application/x-ndjson")
    );
}

#[tokio::test]
async fn bucket_create_is_private_and_download_sends_range() {
    let (url, seen) = scripted(vec![
        (200, vec![JSON], r#"{"url":"http://x/buckets/alice/runs"}"#),
        (206, vec![("content-range", "bytes 0-3/10")], "{\"st"),
    ])
    .await;
    let c = fast(&url);
    let id = hub::repos::parse_repo_id("alice/runs").unwrap();
    let t = Token::new("t");
    c.create_bucket(&id, &t).await.unwrap();
    let range = hub::buckets::ByteRange::span(0, Some(3));
    let bytes = c
        .download_bucket_file(&id, "runs/01J/state.json", Some(range), &t)
        .await
        .unwrap();
    assert_eq!(bytes, b"{\"st");
    let reqs = seen.requests.lock().unwrap().clone();
    assert_eq!(reqs[0], "POST /api/buckets/alice/runs");
    assert_eq!(
        reqs[1],
        "GET /buckets/alice/runs/resolve/runs/01J/state.json"
    );
    let body: serde_json::Value = serde_json::from_str(&seen.bodies.lock().unwrap()[0]).unwrap();
    assert_eq!(body["private"], true);
    assert_eq!(seen.ranges.lock().unwrap()[1].as_deref(), Some("bytes=0-3"));
}
