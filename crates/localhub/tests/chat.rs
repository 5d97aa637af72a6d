//! Scripted chat completions: streaming (as Pi reads them) and non-streaming.
mod common;

fn hub_with_script(dir: &std::path::Path) -> localhub::LocalHubBuilder {
    let script = dir.join("script.json");
    std::fs::write(
        &script,
        serde_json::json!({"model": "fake", "turns": [
            {"tool_calls": [{"name": "write", "arguments": {"path": "hello.txt", "content": "hi"}}]},
            {"content": "All done."}
        ]})
        .to_string(),
    )
    .unwrap();
    localhub::LocalHub::builder()
        .data_dir(dir.join("data"))
        .users(["alice"])
        .chat(localhub::inference::ChatBackend::Script(script))
}

fn sse_data(body: &str) -> Vec<String> {
    body.lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .map(String::from)
        .collect()
}

#[tokio::test]
async fn scripted_chat_streaming_and_not() {
    let dir = tempfile::tempdir().unwrap();
    let hub = hub_with_script(dir.path()).start().await.unwrap();
    let http = reqwest::Client::new();
    let tok = hub.token_for("alice").unwrap();
    let url = format!("{}/v1/chat/completions", hub.url());
    // Turn 0 (no assistant messages yet): a tool call, streamed.
    let req = serde_json::json!({"model": "fake", "stream": true, "stream_options": {"include_usage": true}, "messages": [{"role": "user", "content": [{"type": "text", "text": "go"}]}]});
    let r = http
        .post(&url)
        .bearer_auth(&tok)
        .json(&req)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{:?}", r.headers());
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let frames = sse_data(&r.text().await.unwrap());
    assert_eq!(frames.last().unwrap(), "[DONE]");
    let chunks: Vec<serde_json::Value> = frames[..frames.len() - 1]
        .iter()
        .map(|f| serde_json::from_str(f).unwrap())
        .collect();
    assert!(chunks
        .iter()
        .all(|c| c["object"] == "chat.completion.chunk"));
    let args: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"].as_str())
        .collect();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&args).unwrap()["path"],
        "hello.txt"
    );
    assert!(chunks
        .iter()
        .any(|c| c["choices"][0]["finish_reason"] == "tool_calls"));
    assert!(chunks.last().unwrap()["usage"].is_object());
    // Turn 1: text, non-streaming.
    let req = serde_json::json!({"model": "fake", "messages": [
        {"role": "user", "content": "go"},
        {"role": "assistant", "content": null, "tool_calls": [{"id": "c", "type": "function", "function": {"name": "write", "arguments": "{}"}}]},
        {"role": "tool", "content": "ok", "tool_call_id": "c"}
    ]});
    let v: serde_json::Value = http
        .post(&url)
        .bearer_auth(&tok)
        .json(&req)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["choices"][0]["message"]["content"], "All done.");
    assert_eq!(v["choices"][0]["finish_reason"], "stop");
    let m: serde_json::Value = http
        .get(format!("{}/v1/models", hub.url()))
        .bearer_auth(&tok)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(m["data"][0]["id"], "fake");
    // Without a token: 401.
    assert_eq!(
        http.post(&url).json(&req).send().await.unwrap().status(),
        401
    );
}

#[tokio::test]
async fn chat_forwards_to_upstream() {
    let dir = tempfile::tempdir().unwrap();
    let upstream = hub_with_script(dir.path()).start().await.unwrap();
    let front_dir = tempfile::tempdir().unwrap();
    let front = localhub::LocalHub::builder()
        .data_dir(front_dir.path())
        .users(["alice"])
        .chat(localhub::inference::ChatBackend::Upstream {
            base_url: format!("{}/v1", upstream.url()),
            api_key: Some(localhub::SecretToken::new(
                upstream.token_for("alice").unwrap(),
            )),
        })
        .start()
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let req = serde_json::json!({"model": "fake", "stream": true, "messages": [{"role": "user", "content": "go"}, {"role": "assistant", "content": "x"}]});
    let r = http
        .post(format!("{}/v1/chat/completions", front.url()))
        .bearer_auth(front.token_for("alice").unwrap())
        .json(&req)
        .send()
        .await
        .unwrap();
    let body = r.text().await.unwrap();
    assert!(
        body.contains("All done.") || body.contains("All "),
        "{body}"
    );
    assert!(body.trim_end().ends_with("data: [DONE]"), "{body}");
}

#[tokio::test]
async fn a_scripted_error_turn_answers_its_status_with_an_openai_error_body() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("script.json");
    std::fs::write(
        &script,
        serde_json::json!({"turns": [
            {"content": "first"},
            {"error": {"status": 400, "message": "the model refused the request"}}
        ]})
        .to_string(),
    )
    .unwrap();
    let hub = localhub::LocalHub::builder()
        .data_dir(dir.path().join("data"))
        .users(["alice"])
        .chat(localhub::inference::ChatBackend::Script(script))
        .start()
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let url = format!("{}/v1/chat/completions", hub.url());
    let tok = hub.token_for("alice").unwrap();
    // Turn 0 answers normally; turn 1 (one assistant message so far) is the error.
    let first = http
        .post(&url)
        .bearer_auth(&tok)
        .json(&serde_json::json!({"messages": [{"role": "user", "content": "go"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    let second = http
        .post(&url)
        .bearer_auth(&tok)
        .json(&serde_json::json!({"stream": true, "messages": [
            {"role": "user", "content": "go"},
            {"role": "assistant", "content": "first"},
            {"role": "user", "content": "again"}
        ]}))
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), 400);
    let body: serde_json::Value = second.json().await.unwrap();
    assert_eq!(body["error"]["message"], "the model refused the request");
}

#[tokio::test]
async fn with_no_backend_the_router_serves_its_demo_agent_and_names_it_for_any_other_model() {
    let dir = tempfile::tempdir().unwrap();
    let hub = localhub::LocalHub::builder()
        .data_dir(dir.path().join("data"))
        .users(["alice"])
        .start()
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let tok = hub.token_for("alice").unwrap();
    let models: serde_json::Value = http
        .get(format!("{}/v1/models", hub.url()))
        .bearer_auth(&tok)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(models["data"][0]["id"], runs::demo::AGENT_MODEL);

    let url = format!("{}/v1/chat/completions", hub.url());
    let task = "# Task: one safe edit (double-exclamation)\n\nEdit app.py.";
    let answer: serde_json::Value = http
        .post(&url)
        .bearer_auth(&tok)
        .json(&serde_json::json!({"model": runs::demo::AGENT_MODEL, "messages": [{"role": "user", "content": task}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let call = &answer["choices"][0]["message"]["tool_calls"][0]["function"];
    assert_eq!(call["name"], "read", "{answer}");

    let refused = http
        .post(&url)
        .bearer_auth(&tok)
        .json(&serde_json::json!({"model": "Qwen/Qwen3-Coder-Next", "messages": [{"role": "user", "content": task}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 404);
    let text = refused.text().await.unwrap();
    assert!(
        text.contains(runs::demo::AGENT_MODEL) && text.contains("--chat-upstream"),
        "{text}"
    );
    // Nobody but a signed-in caller gets an answer.
    let anonymous = http
        .post(&url)
        .json(&serde_json::json!({"model": runs::demo::AGENT_MODEL, "messages": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}
