//! The router's `GET /v1/models/{id}`: one model with its providers' prices, as the
//! wizard's forecast and the worker's meter read it.

use crate::kit::TestHub;

#[tokio::test]
async fn the_demo_agent_is_listed_one_by_one_at_no_cost_and_an_unserved_model_is_a_404() {
    let t = TestHub::builder().users(["alice"]).start().await;
    let path = format!("/v1/models/{}", runs::demo::AGENT_MODEL);
    let model = t.get_json("alice", &path).await;
    assert_eq!(model["id"], runs::demo::AGENT_MODEL, "{model}");
    let providers = model["providers"].as_array().unwrap();
    assert_eq!(providers[0]["pricing"]["input"], 0.0, "{model}");
    assert_eq!(
        runs::cost::TokenPrice::of_providers(providers).map(|p| p.cost(1_000_000, 1_000_000)),
        Some(0.0)
    );
    // The listing says the same.
    let listed = t.get_json("alice", "/v1/models").await;
    assert_eq!(listed["data"][0]["providers"], model["providers"]);

    let missing = t
        .get("alice", "/v1/models/Qwen/Qwen3-Coder-Next")
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let anonymous = t.http.get(t.url(&path)).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn a_scripted_model_publishes_no_price_and_an_upstream_answers_for_its_own() {
    let scripted = TestHub::builder()
        .users(["alice"])
        .chat_script(serde_json::json!({"model": "org/fake", "turns": [{"content": "hi"}]}))
        .start()
        .await;
    let model = scripted.get_json("alice", "/v1/models/org/fake").await;
    assert_eq!(model["id"], "org/fake");
    let providers = model["providers"].as_array().unwrap();
    assert_eq!(
        runs::cost::TokenPrice::of_providers(providers),
        None,
        "{model}"
    );

    let front = TestHub::builder()
        .users(["alice"])
        .hub(|b| {
            b.chat(localhub::inference::ChatBackend::Upstream {
                base_url: scripted.url("/v1"),
                api_key: Some(localhub::SecretToken::new(scripted.tok("alice"))),
            })
        })
        .start()
        .await;
    let forwarded = front.get_json("alice", "/v1/models/org/fake").await;
    assert_eq!(forwarded["id"], "org/fake");
}

#[tokio::test]
async fn a_job_pays_for_cpu_basic_and_a_space_does_not() {
    let t = TestHub::builder().users(["alice"]).start().await;
    let price = |list: &serde_json::Value| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|h| h["name"] == "cpu-basic")
            .map(|h| h["unitCostUSD"].as_f64().unwrap())
            .unwrap()
    };
    assert!(price(&t.get_json("alice", "/api/jobs/hardware").await) > 0.0);
    assert_eq!(
        price(&t.get_json("alice", "/api/spaces/hardware").await),
        0.0
    );
}
