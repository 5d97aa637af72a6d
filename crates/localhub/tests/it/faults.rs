//! Each fault: 402 on Space create, 503/429 bursts, 401 on hardware for OAuth tokens,
//! forced build error; set via the admin endpoint and via the builder.

async fn set(t: &crate::kit::TestHub, cfg: serde_json::Value) {
    crate::kit::json_of(t.http.post(t.url("/_localhub/faults")).json(&cfg)).await;
}

#[tokio::test]
async fn space_create_402_and_bursts() {
    let t = crate::kit::TestHub::start().await;
    set(&t, serde_json::json!({"space_create_402": true})).await;
    let r = t
        .post_json(
            "alice",
            "/api/repos/create",
            &serde_json::json!({"name": "s", "type": "space", "sdk": "gradio"}),
        )
        .await;
    assert_eq!(r.status(), 402);
    // Models are not affected.
    assert_eq!(
        t.post_json(
            "alice",
            "/api/repos/create",
            &serde_json::json!({"name": "m"})
        )
        .await
        .status(),
        200
    );
    set(&t, serde_json::json!({"bursts": [{"path_prefix": "/api/whoami-v2", "status": 503, "count": 2}, {"method": "POST", "path_prefix": "/api/jobs", "status": 429, "count": 1}]})).await;
    for _ in 0..2 {
        let r = t.get("alice", "/api/whoami-v2").send().await.unwrap();
        assert_eq!(r.status(), 503);
        assert!(r.headers().contains_key("x-error-message"));
    }
    assert_eq!(
        t.get("alice", "/api/whoami-v2")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let job = serde_json::json!({"dockerImage": "x", "command": ["true"]});
    assert_eq!(
        t.post_json("alice", "/api/jobs/alice", &job).await.status(),
        429
    );
    assert_eq!(
        t.post_json("alice", "/api/jobs/alice", &job).await.status(),
        200
    );
}

#[tokio::test]
async fn hardware_401_for_oauth_and_forced_build_error() {
    let t = crate::kit::TestHub::builder()
        .users(["alice", "bob"])
        .hub(|b| {
            b.faults(localhub::FaultConfig {
                hardware_401_for_oauth: true,
                force_build_error: true,
                ..Default::default()
            })
        })
        .start()
        .await;
    t.create_and_commit("alice", "space", "s", false, &[("app.py", "print('x')")])
        .await;
    // OAuth token for alice (the factory app's code flow without PKCE).
    let oauth = &t.oauth_token("alice", "openid").await;
    let body = serde_json::json!({"flavor": "t4-small"});
    let r = t
        .http
        .post(t.url("/api/spaces/alice/s/hardware"))
        .bearer_auth(oauth)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(t.hub.hits("post", "/api/spaces/alice/s/hardware"), 1);
    // Reads are not counted: their paths are countless and the hub runs as long as the factory.
    let r = t.get("alice", "/api/spaces/alice/s").send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(t.hub.hits("get", "/api/spaces/alice/s"), 0);
    assert_eq!(
        t.post_json("alice", "/api/spaces/alice/s/hardware", &body)
            .await
            .status(),
        200
    );
    // Forced build error.
    t.space_stage("alice/s", &["BUILD_ERROR"], 20).await;
}

#[tokio::test]
async fn a_build_held_to_its_least_time_stays_building_until_the_knob_is_lowered() {
    let t = crate::kit::TestHub::builder()
        .runs_gradio()
        .hub(|b| {
            b.faults(localhub::FaultConfig {
                build_at_least_ms: 3_600_000,
                ..Default::default()
            })
        })
        .start()
        .await;
    t.create_and_commit("alice", "space", "slow", false, &[("app.py", "print('x')")])
        .await;
    // The environment is ready and the build held: it says so, and stays BUILDING.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    loop {
        let log = t
            .get_text("alice", "/api/spaces/alice/slow/logs/build")
            .await;
        if log.contains(localhub::spaces::BUILDING_THE_IMAGE) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never held: {log}");
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    t.space_stage("alice/slow", &["BUILDING"], 5).await;
    // Lowered, the build goes on (the app exits at once: a runtime error).
    t.hub.set_faults(localhub::FaultConfig::default());
    t.space_stage("alice/slow", &["RUNTIME_ERROR", "RUNNING"], 120)
        .await;
}
