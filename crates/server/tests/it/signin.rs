//! Sign-in through the embedded hub's consent page: PKCE, state, scopes, session cookie
//! flags, who-am-I and logout, over real HTTP.

use crate::kit::{location, Browser, TestApp};
use app::api::Me;
use app::api::WhoAmI;
use reqwest::StatusCode;

async fn who_am_i(browser: &mut Browser) -> Option<Me> {
    let (status, body) = browser.call("who_am_i", &WhoAmI {}).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str(&body).unwrap()
}

#[tokio::test]
async fn sign_in_with_pkce_and_every_scope_then_logout() {
    let stand = TestApp::start().await;
    let mut browser = stand.browser();
    assert_eq!(who_am_i(&mut browser).await, None);

    let consent = browser.start_login().await;
    let url = url::Url::parse(&consent).unwrap();
    assert!(consent.starts_with(&stand.hub().url()), "{consent}");
    let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(query["code_challenge_method"], "S256");
    assert!(query["code_challenge"].len() >= 43);
    assert!(query["state"].len() >= 16);
    assert_eq!(
        query["redirect_uri"],
        format!("{}/login/callback", stand.url())
    );
    let scopes: Vec<&str> = query["scope"].split(' ').collect();
    for scope in hub::oauth::FACTORY_SCOPES {
        assert!(scopes.contains(scope), "{scope} not requested: {scopes:?}");
    }

    let callback = browser.consent(&consent, "alice", None).await;
    let done = browser.get(&callback).await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&done), "/");

    let me = who_am_i(&mut browser).await.expect("signed in");
    assert_eq!(me.username, "alice");
    assert!(me.can_launch);
    assert!(me.missing_scopes.is_empty(), "{:?}", me.missing_scopes);

    // The session cookie: HttpOnly, SameSite=Lax locally, not Secure over plain HTTP.
    let cookie = browser
        .set_cookies
        .iter()
        .rev()
        .find(|c| c.starts_with(server::session::COOKIE_NAME))
        .expect("a session cookie")
        .to_ascii_lowercase();
    assert!(cookie.contains("httponly"), "{cookie}");
    assert!(cookie.contains("samesite=lax"), "{cookie}");
    assert!(!cookie.contains("secure"), "{cookie}");

    // Signing out is a form POST from the factory's own page.
    let own = stand.url();
    let (status, _) = browser.post_form("/logout", "", &[("origin", &own)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(who_am_i(&mut browser).await, None);
}

#[tokio::test]
async fn another_site_cannot_sign_the_user_out() {
    let stand = TestApp::start().await;
    let mut browser = stand.signed_in("alice").await;

    // `<img src=/logout>` on any page: a GET no longer signs out.
    let image = browser.get("/logout").await;
    assert_eq!(image.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(who_am_i(&mut browser).await.unwrap().username, "alice");

    // A form on another site posting to /logout is refused before the session is touched.
    for headers in [
        vec![("origin", "https://evil.example")],
        vec![("origin", "null")],
        vec![("sec-fetch-site", "cross-site")],
    ] {
        let (status, body) = browser.post_form("/logout", "", &headers).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{headers:?}: {body}");
        assert!(body.contains("another site"), "{body}");
        assert_eq!(
            who_am_i(&mut browser).await.map(|me| me.username),
            Some("alice".into()),
            "{headers:?} signed alice out"
        );
    }

    // The factory's own sign-out button still works, with or without fetch metadata.
    let own = stand.url();
    let (status, _) = browser
        .post_form(
            "/logout",
            "",
            &[("origin", &own), ("sec-fetch-site", "same-origin")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(who_am_i(&mut browser).await, None);
}

#[tokio::test]
async fn a_sign_in_returns_only_to_a_local_path() {
    let stand = TestApp::start().await;
    let signed_in_to = |next: &'static str| {
        let stand = &stand;
        async move {
            let mut browser = stand.browser();
            let consent = browser.start_login_at(&format!("/login?next={next}")).await;
            let callback = browser.consent(&consent, "alice", None).await;
            let done = browser.get(&callback).await;
            assert_eq!(done.status(), StatusCode::SEE_OTHER, "{next}");
            location(&done)
        }
    };
    assert_eq!(signed_in_to("/runs").await, "/runs");
    assert_eq!(signed_in_to("%2Fruns%2Falice").await, "/runs/alice");
    // Each arrives at /login as the query holds it, and is decoded once by the server.
    for hostile in [
        "/%09/evil.example",
        "/%0A/evil.example",
        "/%0D/evil.example",
        "%2F%2Fevil.example",
        "/%252F%252Fevil.example",
        "/%5Cevil.example",
        "https://evil.example",
        "https:evil.example",
        "javascript:alert(1)",
    ] {
        assert_eq!(signed_in_to(hostile).await, "/", "{hostile}");
    }
}

#[tokio::test]
async fn a_provider_error_shows_no_text_of_the_link() {
    let stand = TestApp::start().await;
    let mut browser = stand.browser();
    let bait = "Your%20account%20is%20locked.%20Call%20%2B1%20555%200100%20or%20visit%20https%3A%2F%2Fevil.example";
    for code in ["access_denied", "server_error", "made_up%3Cb%3E"] {
        let answer = browser
            .get(&format!(
                "/login/callback?error={code}&error_description={bait}"
            ))
            .await;
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
        let page = answer.text().await.unwrap();
        assert!(page.contains("did not sign you in"), "{page}");
        for leaked in ["locked", "555", "evil.example", "<b>", "made_up"] {
            assert!(!page.contains(leaked), "{leaked} reached the page: {page}");
        }
    }
}

#[tokio::test]
async fn a_callback_with_another_state_is_refused() {
    let stand = TestApp::start().await;
    let mut browser = stand.browser();
    let consent = browser.start_login().await;
    let callback = browser.consent(&consent, "alice", None).await;
    let mut forged = url::Url::parse(&callback).unwrap();
    let code = forged
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    forged
        .query_pairs_mut()
        .clear()
        .append_pair("code", &code)
        .append_pair("state", "not-the-state-we-sent");
    let refused = browser.get(forged.as_str()).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let page = refused.text().await.unwrap();
    assert!(page.contains("state mismatch"), "{page}");
    assert!(page.contains("href=\"/login\""), "{page}");
    assert_eq!(who_am_i(&mut browser).await, None);

    // A callback in a browser that never started a sign-in is refused the same way.
    let mut other = stand.browser();
    let consent = browser.start_login().await;
    let callback = browser.consent(&consent, "alice", None).await;
    let refused = other.get(&callback).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert_eq!(who_am_i(&mut other).await, None);
}

#[tokio::test]
async fn the_code_exchange_proves_pkce() {
    let stand = TestApp::start().await;
    let mut browser = stand.browser();
    let consent = browser.start_login().await;
    let callback = browser.consent(&consent, "alice", None).await;
    let code = url::Url::parse(&callback)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    // The code alone, without the verifier only the server holds, is worthless.
    let http = reqwest::Client::new();
    let refused = http
        .post(format!("{}/oauth/token", stand.hub().url()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", &format!("{}/login/callback", stand.url())),
            ("code_verifier", &"x".repeat(50)),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let body = refused.text().await.unwrap();
    assert!(body.contains("code_verifier does not match"), "{body}");
}

#[tokio::test]
async fn a_grant_without_jobs_is_reported_and_cannot_launch() {
    let stand = TestApp::start().await;
    let mut browser = stand.browser();
    browser
        .sign_in(
            "bob",
            Some("openid profile read-repos write-repos manage-repos"),
        )
        .await;
    let me = who_am_i(&mut browser).await.expect("signed in");
    assert_eq!(me.username, "bob");
    assert!(!me.can_launch);
    assert!(me.missing_scopes.contains(&"jobs".to_string()), "{me:?}");

    let launch = app::api::LaunchRequest {
        recipe: runs::recipe::RecipeRequest {
            phase: runs::Phase::BucketRoundTrip,
            params: serde_json::json!({}),
        },
        job_flavor: None,
        job_timeout_minutes: None,
        paid_hardware_confirmed: false,
        agent_api_key: None,
        namespace: None,
        budget_usd: None,
    };
    let (status, body) = browser
        .call("launch_run", &app::api::LaunchRun { launch })
        .await;
    assert!(!status.is_success());
    let err: app::api::ApiError = serde_json::from_str(&body).unwrap();
    match err {
        app::api::ApiError::MissingPermission(message) => {
            assert!(message.contains("jobs"), "{message}")
        }
        other => panic!("expected MissingPermission, got {other:?}"),
    }
}

#[tokio::test]
async fn in_a_space_the_cookie_is_secure_and_cross_site_and_the_redirect_is_exact() {
    let stand = TestApp::start_with(|config| {
        config.space_host = Some("alice-space-factory.hf.space".into());
    })
    .await;
    let mut browser = stand.browser();
    let consent = browser.start_login().await;
    let query: std::collections::HashMap<_, _> = url::Url::parse(&consent)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    assert_eq!(
        query["redirect_uri"],
        "https://alice-space-factory.hf.space/login/callback"
    );
    let cookie = browser.set_cookies.last().unwrap().to_ascii_lowercase();
    // `__Host-`: only this host, over HTTPS, for the whole site, can set it.
    assert!(
        cookie.starts_with(&server::session::SPACE_COOKIE_NAME.to_ascii_lowercase()),
        "{cookie}"
    );
    assert!(cookie.contains("path=/"), "{cookie}");
    assert!(!cookie.contains("domain="), "{cookie}");
    assert!(cookie.contains("httponly"), "{cookie}");
    assert!(cookie.contains("secure"), "{cookie}");
    assert!(cookie.contains("samesite=none"), "{cookie}");
}

#[tokio::test]
async fn a_login_loop_fills_a_bounded_store_without_signing_anyone_out() {
    let stand = TestApp::start_with(|config| config.max_sessions = 20).await;
    let mut alice = stand.signed_in("alice").await;
    for _ in 0..200 {
        // A fresh cookie-less client each time: every request makes a new session.
        let mut stranger = stand.browser();
        assert_eq!(stranger.get("/login").await.status(), StatusCode::SEE_OTHER);
    }
    assert_eq!(
        who_am_i(&mut alice).await.map(|me| me.username).as_deref(),
        Some("alice"),
        "the signed-in session outlived 200 sign-ins in progress"
    );
}

#[tokio::test]
async fn run_streams_need_a_session_and_an_existing_run() {
    let stand = TestApp::start().await;
    let run_id = runs::RunId::generate().to_string();
    let path = app::api::stream::run_stream_path("alice", &run_id);
    let mut anonymous = stand.browser();
    assert_eq!(
        anonymous.get(&path).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let mut alice = stand.signed_in("alice").await;
    assert_eq!(alice.get(&path).await.status(), StatusCode::NOT_FOUND);
    let bad = app::api::stream::run_stream_path("alice", "not-a-run-id");
    assert_eq!(alice.get(&bad).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_token_the_hub_refuses_ends_the_session() {
    let stand = TestApp::start().await;
    let mut browser = stand.signed_in("alice").await;
    assert_eq!(who_am_i(&mut browser).await.unwrap().username, "alice");

    // The Hub stops accepting alice's token (expired or revoked) on her next call.
    stand.hub().set_faults(localhub::FaultConfig {
        bursts: vec![localhub::Burst {
            method: Some("GET".into()),
            path_prefix: "/api/jobs/alice".into(),
            status: 401,
            count: 1,
        }],
        ..Default::default()
    });
    let (status, body) = browser.call("list_runs", &app::api::ListRuns {}).await;
    assert!(!status.is_success());
    assert_eq!(
        serde_json::from_str::<app::api::ApiError>(&body).unwrap(),
        app::api::ApiError::NotSignedIn
    );
    // The session is over: the pages now ask to sign in instead of failing at every step.
    assert_eq!(who_am_i(&mut browser).await, None);

    // Signing in again works (the fault is spent).
    browser.sign_in("alice", None).await;
    assert_eq!(who_am_i(&mut browser).await.unwrap().username, "alice");
    let (status, body) = browser.call("list_runs", &app::api::ListRuns {}).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn a_hub_outage_is_retried_briefly_then_shown_as_retryable() {
    let stand = TestApp::start().await;
    let mut browser = stand.signed_in("alice").await;
    let outage = |count| localhub::FaultConfig {
        bursts: vec![localhub::Burst {
            method: Some("GET".into()),
            path_prefix: "/api/jobs/alice".into(),
            status: 503,
            count,
        }],
        ..Default::default()
    };
    let list_runs = app::api::ListRuns {};

    // Two failures are absorbed by the server's two retries.
    stand.hub().set_faults(outage(2));
    let (status, body) = browser.call("list_runs", &list_runs).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // A third is not: the page gets a Hub error (which it offers to try again), and the
    // session stands.
    stand.hub().set_faults(outage(3));
    let (status, body) = browser.call("list_runs", &list_runs).await;
    assert!(!status.is_success());
    let error = serde_json::from_str::<app::api::ApiError>(&body).unwrap();
    assert!(matches!(error, app::api::ApiError::Hub(_)), "{error:?}");
    assert_eq!(who_am_i(&mut browser).await.unwrap().username, "alice");
    // Exactly three attempts were made: the outage is spent, and the next try passes.
    let (status, body) = browser.call("list_runs", &list_runs).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
