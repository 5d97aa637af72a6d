//! The OAuth provider and OAuth tokens, as strict as the Hub's: registered apps only, their
//! redirect URIs, known scopes, client authentication for confidential apps, expiring
//! tokens and no refresh tokens; scopes gate calls; the runtime endpoints the Hub keeps for
//! user access tokens answer 401 to OAuth tokens.

use std::time::Duration;

use serde_json::{json, Value};

const FACTORY: &str = "space-factory-local";

async fn refused_without_redirect(t: &crate::kit::TestHub, url: String, why: &str) {
    let r = t.http.get(url).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.headers().get("location").is_none());
    let page = r.text().await.unwrap();
    assert!(page.contains(why), "{page}");
}

#[tokio::test]
async fn an_unknown_app_gets_no_code() {
    let t = crate::kit::TestHub::start().await;
    let url = t.authorize_url(
        "someone-else",
        crate::kit::TestHub::CALLBACK,
        "openid",
        "alice",
    );
    refused_without_redirect(&t, url, "Unknown OAuth app").await;
}

#[tokio::test]
async fn an_unregistered_redirect_uri_gets_no_code() {
    let t = crate::kit::TestHub::start().await;
    for uri in [
        "http://127.0.0.1:9/elsewhere",
        "https://evil.example/login/callback",
        "http://127.0.0.1.evil.example/login/callback",
    ] {
        let url = t.authorize_url(FACTORY, uri, "openid", "alice");
        refused_without_redirect(&t, url, "is not registered").await;
    }
}

#[tokio::test]
async fn an_unknown_scope_gets_no_code() {
    let t = crate::kit::TestHub::start().await;
    let url = t.authorize_url(
        FACTORY,
        crate::kit::TestHub::CALLBACK,
        "openid buckets",
        "alice",
    );
    refused_without_redirect(&t, url, "Invalid scope").await;
}

#[tokio::test]
async fn the_factory_app_asks_for_all_its_scopes_on_any_loopback_port() {
    let t = crate::kit::TestHub::start().await;
    let scope = "openid profile email read-repos write-repos manage-repos gated-repos inference-api jobs read-billing";
    for uri in [
        "http://127.0.0.1:3000/login/callback",
        "http://localhost:41234/login/callback",
    ] {
        let r = t
            .http
            .get(t.authorize_url(FACTORY, uri, scope, "alice"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert!(r.headers()["location"].to_str().unwrap().starts_with(uri));
    }
}

async fn code_for(t: &crate::kit::TestHub, client: &str, uri: &str) -> String {
    let r = t
        .http
        .get(t.authorize_url(client, uri, "openid profile", "alice"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let loc = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    loc.query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .to_string()
}

#[tokio::test]
async fn a_confidential_app_must_authenticate_at_the_token_endpoint() {
    let uri = "https://alice-demo.hf.space/login/callback";
    let t = crate::kit::TestHub::builder()
        .hub(|b| {
            b.oauth_client(localhub::RegisteredClient::confidential(
                "space-app",
                "s3cret",
                uri,
            ))
        })
        .start()
        .await;
    let exchange = |code: String, secret: Option<&'static str>| {
        let t = &t;
        async move {
            let mut req = t.http.post(t.url("/oauth/token")).form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", uri),
            ]);
            if let Some(secret) = secret {
                req = req.basic_auth("space-app", Some(secret));
            }
            req.send().await.unwrap()
        }
    };
    let r = exchange(code_for(&t, "space-app", uri).await, None).await;
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_client");
    let r = exchange(code_for(&t, "space-app", uri).await, Some("wrong")).await;
    assert_eq!(r.status(), 401);
    let r = exchange(code_for(&t, "space-app", uri).await, Some("s3cret")).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert!(v["access_token"].as_str().unwrap().starts_with("hf_oauth_"));
    assert!(v.get("refresh_token").is_none(), "{v}");
    assert_eq!(v["expires_in"], 28_800);
    let url = t.authorize_url(
        "space-app",
        "https://alice-demo.hf.space/other",
        "openid",
        "alice",
    );
    refused_without_redirect(&t, url, "is not registered").await;
}

#[tokio::test]
async fn no_refresh_tokens_are_issued_or_accepted() {
    let t = crate::kit::TestHub::start().await;
    let code = code_for(&t, FACTORY, crate::kit::TestHub::CALLBACK).await;
    let v: Value = t
        .http
        .post(t.url("/oauth/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(v.get("refresh_token").is_none(), "{v}");
    let r = t
        .http
        .post(t.url("/oauth/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", "anything"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"],
        "unsupported_grant_type"
    );
}

#[tokio::test]
async fn an_expired_oauth_token_answers_401() {
    let t = crate::kit::TestHub::builder()
        .hub(|b| b.oauth_token_ttl(Duration::ZERO))
        .start()
        .await;
    let token = t.oauth_token("alice", "openid profile").await;
    let r = t.get_as(&token, "/api/whoami-v2").send().await.unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn an_oauth_token_may_not_change_hardware_restart_or_sleeptime_but_may_pause() {
    let t = crate::kit::TestHub::start().await;
    let r = t
        .post_json(
            "alice",
            "/api/repos/create",
            &json!({"name": "sp", "type": "space", "sdk": "gradio"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let token = t
        .oauth_token(
            "alice",
            "openid profile read-repos write-repos manage-repos",
        )
        .await;
    for (path, body) in [
        ("hardware", json!({"flavor": "t4-small"})),
        ("restart", json!({})),
        ("sleeptime", json!({"seconds": 600})),
    ] {
        let r = t
            .post_as(&token, &format!("/api/spaces/alice/sp/{path}"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{path}");
        assert_eq!(
            r.headers()["x-error-message"],
            "Invalid username or password."
        );
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"], "Invalid username or password.");
    }
    let r = t
        .post_as(&token, "/api/spaces/alice/sp/pause")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // The same calls with alice's user access token are fine.
    let r = t
        .post_json(
            "alice",
            "/api/spaces/alice/sp/hardware",
            &json!({"flavor": "t4-small"}),
        )
        .await;
    assert_eq!(r.status(), 200);
}

async fn status_and_message(r: reqwest::Response) -> (u16, String) {
    let status = r.status().as_u16();
    let message = r
        .headers()
        .get("x-error-message")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, message)
}

#[tokio::test]
async fn without_jobs_an_oauth_token_runs_no_job() {
    let t = crate::kit::TestHub::start().await;
    let token = t
        .oauth_token("alice", "openid profile write-repos manage-repos")
        .await;
    let r = t
        .post_as(&token, "/api/jobs/alice")
        .json(&json!({"dockerImage": "python:3.12", "command": ["true"]}))
        .send()
        .await
        .unwrap();
    let (status, message) = status_and_message(r).await;
    assert_eq!(status, 403);
    assert!(message.contains("jobs"), "{message}");
    let with = t.oauth_token("alice", "openid profile jobs").await;
    let r = t
        .post_as(&with, "/api/jobs/alice")
        .json(&json!({"dockerImage": "python:3.12", "command": ["true"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn without_manage_repos_no_repo_is_created_and_without_write_repos_nothing_committed() {
    let t = crate::kit::TestHub::start().await;
    let read_only = t.oauth_token("alice", "openid profile read-repos").await;
    let r = t
        .post_as(&read_only, "/api/repos/create")
        .json(&json!({"name": "m", "type": "model"}))
        .send()
        .await
        .unwrap();
    let (status, message) = status_and_message(r).await;
    assert_eq!(status, 403);
    assert!(message.contains("manage-repos"), "{message}");
    t.create_and_commit("alice", "model", "m", false, &[("a.txt", "a")])
        .await;
    let r = t
        .post_as(&read_only, "/api/models/alice/m/commit/main")
        .header("content-type", "application/x-ndjson")
        .body("{\"key\":\"header\",\"value\":{\"summary\":\"x\"}}\n")
        .send()
        .await
        .unwrap();
    let (status, message) = status_and_message(r).await;
    assert_eq!(status, 403);
    assert!(message.contains("write-repos"), "{message}");
}

#[tokio::test]
async fn without_inference_api_no_chat_completion() {
    let t = crate::kit::TestHub::start().await;
    let token = t.oauth_token("alice", "openid profile").await;
    let r = t
        .post_as(&token, "/v1/chat/completions")
        .json(&json!({"model": "space-factory-demo/scripted-agent", "messages": [{"role": "user", "content": "hi"}]}))
        .send()
        .await
        .unwrap();
    let (status, message) = status_and_message(r).await;
    assert_eq!(status, 403);
    assert!(message.contains("inference-api"), "{message}");
}

#[tokio::test]
async fn without_gated_repos_no_gated_file() {
    let t = crate::kit::TestHub::start().await;
    let path = format!("/{}/resolve/main/config.json", localhub::demo_models::GATED);
    let token = t.oauth_token("alice", "openid profile read-repos").await;
    let r = t.get_as(&token, &path).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.headers()["x-error-code"], "GatedRepo");
    let message = r.headers()["x-error-message"].to_str().unwrap().to_owned();
    assert!(message.contains("gated-repos"), "{message}");
}
