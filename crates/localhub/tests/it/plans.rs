//! Plans and payment, as huggingface.co enforces them: CPU Gradio/Docker Spaces need PRO or a
//! paid org (402), ZeroGPU slots per plan, Jobs need an account that can pay (402), and
//! `whoami-v2` tells `isPro`, `canPay` and `orgs`.

use serde_json::{json, Value};

const CPU_402: &str = "Static Spaces are free for everyone, but hosting Gradio and Docker Spaces on free cpu-basic requires a PRO subscription. Subscribe at https://huggingface.co/pro";

async fn create_space(t: &crate::kit::TestHub, user: &str, body: Value) -> reqwest::Response {
    t.post_json(user, "/api/repos/create", &body).await
}

#[tokio::test]
async fn a_free_account_gets_402_for_a_gradio_or_docker_space_on_cpu() {
    let t = crate::kit::TestHub::start().await;
    let mut n = 0;
    for sdk in ["gradio", "docker"] {
        for hardware in [Value::Null, json!("cpu-basic"), json!("cpu-upgrade")] {
            n += 1;
            let r = create_space(
                &t,
                "bob",
                json!({"name": format!("s{n}"), "type": "space", "sdk": sdk, "hardware": hardware}),
            )
            .await;
            assert_eq!(r.status(), 402, "{sdk} on {hardware}");
            assert_eq!(r.headers()["x-error-message"], CPU_402);
            let v: Value = r.json().await.unwrap();
            assert_eq!(v["error"], CPU_402);
        }
    }
}

#[tokio::test]
async fn a_static_space_is_free_for_everyone_and_pro_hosts_gradio_on_cpu() {
    let t = crate::kit::TestHub::start().await;
    for user in ["bob", "carol"] {
        let r = create_space(
            &t,
            user,
            json!({"name": "site", "type": "space", "sdk": "static"}),
        )
        .await;
        assert_eq!(r.status(), 200, "{user}");
    }
    let r = create_space(
        &t,
        "alice",
        json!({"name": "app", "type": "space", "sdk": "gradio"}),
    )
    .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn a_free_account_hosts_two_zero_gpu_spaces_and_the_third_is_refused() {
    let t = crate::kit::TestHub::start().await;
    for name in ["z1", "z2"] {
        let r = create_space(
            &t,
            "bob",
            json!({"name": name, "type": "space", "sdk": "gradio", "hardware": "zero-a10g"}),
        )
        .await;
        assert_eq!(r.status(), 200, "{name}");
    }
    let r = create_space(
        &t,
        "bob",
        json!({"name": "z3", "type": "space", "sdk": "gradio", "hardware": "zero-a10g"}),
    )
    .await;
    assert_eq!(r.status(), 402);
    let message = r.headers()["x-error-message"].to_str().unwrap().to_owned();
    assert!(message.contains("up to 2 ZeroGPU Spaces"), "{message}");
    // Deleting one frees its slot.
    let r = t
        .http
        .delete(t.url("/api/repos/delete"))
        .bearer_auth(t.tok("bob"))
        .json(&json!({"name": "z1", "type": "space"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = create_space(
        &t,
        "bob",
        json!({"name": "z3", "type": "space", "sdk": "gradio", "hardware": "zero-a10g"}),
    )
    .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn zero_gpu_is_for_gradio_spaces_only() {
    let t = crate::kit::TestHub::start().await;
    let r = create_space(
        &t,
        "alice",
        json!({"name": "d", "type": "space", "sdk": "docker", "hardware": "zero-a10g"}),
    )
    .await;
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.headers()["x-error-message"],
        "ZeroGPU hardware is only available for Gradio Spaces"
    );
}

#[tokio::test]
async fn a_member_creates_in_a_paid_org_and_a_stranger_may_not() {
    let t = crate::kit::TestHub::start().await;
    let r = create_space(
        &t,
        "alice",
        json!({"name": "alice-org/app", "type": "space", "sdk": "gradio", "visibility": "private"}),
    )
    .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let r = t
        .get("alice", "/api/spaces/alice-org/app")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = create_space(
        &t,
        "bob",
        json!({"name": "alice-org/other", "type": "space", "sdk": "static"}),
    )
    .await;
    assert_eq!(r.status(), 403);
    let r = t
        .get("bob", "/api/spaces/alice-org/app")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn a_job_for_an_account_that_cannot_pay_is_402() {
    let t = crate::kit::TestHub::start().await;
    let r = t
        .post_json(
            "carol",
            "/api/jobs/carol",
            &json!({"dockerImage": "python:3.12", "command": ["true"]}),
        )
        .await;
    assert_eq!(r.status(), 402);
    let message = r.headers()["x-error-message"].to_str().unwrap().to_owned();
    assert!(message.contains("positive credit balance"), "{message}");
    let r = t
        .post_json(
            "bob",
            "/api/jobs/bob",
            &json!({"dockerImage": "python:3.12", "command": ["true"]}),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

#[tokio::test]
async fn whoami_tells_the_plan_payment_and_orgs() {
    let t = crate::kit::TestHub::start().await;
    let who = |user: &'static str| {
        let t = &t;
        async move { t.get_json(user, "/api/whoami-v2").await }
    };
    let alice = who("alice").await;
    assert_eq!(alice["isPro"], true);
    assert_eq!(alice["canPay"], true);
    assert_eq!(alice["orgs"][0]["name"], "alice-org");
    let bob = who("bob").await;
    assert_eq!(
        (bob["isPro"].clone(), bob["canPay"].clone()),
        (json!(false), json!(true))
    );
    assert_eq!(bob["orgs"], json!([]));
    let carol = who("carol").await;
    assert_eq!(
        (carol["isPro"].clone(), carol["canPay"].clone()),
        (json!(false), json!(false))
    );
}

#[tokio::test]
async fn an_oauth_token_sees_can_pay_only_with_read_billing() {
    let t = crate::kit::TestHub::start().await;
    for (scope, shown) in [
        ("openid profile", false),
        ("openid profile read-billing", true),
    ] {
        let token = t.oauth_token("alice", scope).await;
        let v: Value = crate::kit::json_of(t.get_as(&token, "/api/whoami-v2")).await;
        assert_eq!(v["isPro"], true);
        assert_eq!(v.get("canPay").is_some(), shown, "{scope}: {v}");
        let ui: Value = crate::kit::json_of(t.get_as(&token, "/oauth/userinfo")).await;
        assert_eq!(ui.get("canPay").is_some(), shown, "{scope}: {ui}");
    }
}

#[tokio::test]
async fn users_get_plans_through_the_builder() {
    let t = crate::kit::TestHub::builder()
        .hub(|b| {
            b.user(
                localhub::User::new("dora")
                    .plan(localhub::Plan::Pro)
                    .can_pay(true),
            )
            .org(localhub::Org::new("free-org").member("dora").paid(false))
        })
        .start()
        .await;
    let r = create_space(
        &t,
        "dora",
        json!({"name": "app", "type": "space", "sdk": "gradio"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let r = create_space(
        &t,
        "dora",
        json!({"name": "free-org/app", "type": "space", "sdk": "gradio"}),
    )
    .await;
    assert_eq!(r.status(), 402);
}
