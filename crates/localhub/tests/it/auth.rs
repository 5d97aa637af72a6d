//! OIDC code flow with PKCE, userinfo, whoami and error shape.

use base64::Engine;
use sha2::{Digest, Sha256};

fn challenge(v: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(v.as_bytes()))
}

async fn authorize(t: &crate::kit::TestHub, user: &str, verifier: &str) -> String {
    let disc: serde_json::Value = t
        .http
        .get(t.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let auth = disc["authorization_endpoint"].as_str().unwrap().to_string();
    let mut u = url::Url::parse(&auth).unwrap();
    u.query_pairs_mut()
        .append_pair("client_id", "space-factory-local")
        .append_pair("redirect_uri", "http://127.0.0.1:9999/login/callback")
        .append_pair("scope", "openid profile jobs")
        .append_pair("state", "xyz")
        .append_pair("response_type", "code")
        .append_pair("code_challenge", &challenge(verifier))
        .append_pair("code_challenge_method", "S256");
    // The consent page lists both users.
    let page = t
        .http
        .get(u.clone())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("alice") && page.contains("bob"), "{page}");
    u.query_pairs_mut().append_pair("user", user);
    let r = t.http.get(u).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let loc = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    assert!(loc
        .as_str()
        .starts_with("http://127.0.0.1:9999/login/callback?"));
    let q: std::collections::HashMap<_, _> = loc.query_pairs().into_owned().collect();
    assert_eq!(q["state"], "xyz");
    q["code"].clone()
}

#[tokio::test]
async fn oidc_code_flow_with_pkce_gives_an_expiring_token_and_no_refresh_token() {
    let t = crate::kit::TestHub::start().await;
    let verifier = "a".repeat(20) + &"b".repeat(30);
    let code = authorize(&t, "bob", &verifier).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", "http://127.0.0.1:9999/login/callback"),
        ("code_verifier", verifier.as_str()),
    ];
    let tok: serde_json::Value = t
        .http
        .post(t.url("/oauth/token"))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = tok["access_token"].as_str().unwrap();
    assert!(access.starts_with("hf_oauth_"));
    assert_eq!(tok["token_type"], "bearer");
    assert_eq!(tok["scope"], "openid profile jobs");
    assert!(tok["id_token"].is_string());
    let ui: serde_json::Value = crate::kit::json_of(t.get_as(access, "/oauth/userinfo")).await;
    assert_eq!(ui["preferred_username"], "bob");
    for k in ["sub", "name", "picture", "profile", "isPro", "orgs"] {
        assert!(!ui[k].is_null(), "claim {k}");
    }
    let who: serde_json::Value = crate::kit::json_of(t.get_as(access, "/api/whoami-v2")).await;
    assert_eq!(who["name"], "bob");
    assert_eq!(who["auth"]["type"], "oauth");
    // A code is single-use.
    let r = t
        .http
        .post(t.url("/oauth/token"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(tok["expires_in"], 28_800);
    assert!(tok.get("refresh_token").is_none(), "{tok}");
}

#[tokio::test]
async fn oidc_rejects_bad_verifier() {
    let t = crate::kit::TestHub::start().await;
    let code = authorize(&t, "alice", &"v".repeat(50)).await;
    let r = t
        .http
        .post(t.url("/oauth/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", "http://127.0.0.1:9999/login/callback"),
            ("code_verifier", &"w".repeat(50)),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"], "invalid_grant");
}

#[tokio::test]
async fn whoami_with_dev_token_and_errors_in_hub_shape() {
    let t = crate::kit::TestHub::start().await;
    let who: serde_json::Value = t.get_json("alice", "/api/whoami-v2").await;
    assert_eq!(who["name"], "alice");
    assert_eq!(who["auth"]["type"], "access_token");
    assert!(t.tok("alice").starts_with("hf_"));
    assert_ne!(t.tok("alice"), t.tok("bob"));
    let r = t
        .http
        .get(t.url("/api/whoami-v2"))
        .bearer_auth("hf_nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("x-error-message"));
    let v: serde_json::Value = r.json().await.unwrap();
    assert!(v["error"].is_string());
}
