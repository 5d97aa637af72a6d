//! Scripted chat completions: streaming (as Pi reads them) and non-streaming.

use crate::kit::{json_of, sse_data, TestHub};

/// alice's hub answering a tool call, then "All done.".
async fn hub_with_script() -> TestHub {
    TestHub::builder()
        .users(["alice"])
        .chat_script(serde_json::json!({"model": "fake", "turns": [
            {"tool_calls": [{"name": "write", "arguments": {"path": "hello.txt", "content": "hi"}}]},
            {"content": "All done."}
        ]}))
        .start()
        .await
}

#[tokio::test]
async fn scripted_chat_streaming_and_not() {
    let t = hub_with_script().await;
    let url = t.url("/v1/chat/completions");
    // Turn 0 (no assistant messages yet): a tool call, streamed.
    let req = serde_json::json!({"model": "fake", "stream": true, "stream_options": {"include_usage": true}, "messages": [{"role": "user", "content": [{"type": "text", "text": "go"}]}]});
    let r = t.post_json("alice", "/v1/chat/completions", &req).await;
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
    let v = json_of(t.post("alice", "/v1/chat/completions").json(&req)).await;
    assert_eq!(v["choices"][0]["message"]["content"], "All done.");
    assert_eq!(v["choices"][0]["finish_reason"], "stop");
    let m = t.get_json("alice", "/v1/models").await;
    assert_eq!(m["data"][0]["id"], "fake");
    // Without a token: 401.
    assert_eq!(
        t.http.post(&url).json(&req).send().await.unwrap().status(),
        401
    );
}

#[tokio::test]
async fn chat_forwards_to_upstream() {
    let upstream = hub_with_script().await;
    let front = TestHub::builder()
        .users(["alice"])
        .hub(|b| {
            b.chat(localhub::inference::ChatBackend::Upstream {
                base_url: upstream.url("/v1"),
                api_key: Some(localhub::SecretToken::new(upstream.tok("alice"))),
            })
        })
        .start()
        .await;
    let req = serde_json::json!({"model": "fake", "stream": true, "messages": [{"role": "user", "content": "go"}, {"role": "assistant", "content": "x"}]});
    let r = front.post_json("alice", "/v1/chat/completions", &req).await;
    let body = r.text().await.unwrap();
    assert!(
        body.contains("All done.") || body.contains("All "),
        "{body}"
    );
    assert!(body.trim_end().ends_with("data: [DONE]"), "{body}");
}

#[tokio::test]
async fn a_scripted_error_turn_answers_its_status_with_an_openai_error_body() {
    let t = TestHub::builder()
        .users(["alice"])
        .chat_script(serde_json::json!({"turns": [
            {"content": "first"},
            {"error": {"status": 400, "message": "the model refused the request"}}
        ]}))
        .start()
        .await;
    let url = "/v1/chat/completions";
    // Turn 0 answers normally; turn 1 (one assistant message so far) is the error.
    let first = t
        .post_json(
            "alice",
            url,
            &serde_json::json!({"messages": [{"role": "user", "content": "go"}]}),
        )
        .await;
    assert_eq!(first.status(), 200);
    let second = t
        .post_json(
            "alice",
            url,
            &serde_json::json!({"stream": true, "messages": [
                {"role": "user", "content": "go"},
                {"role": "assistant", "content": "first"},
                {"role": "user", "content": "again"}
            ]}),
        )
        .await;
    assert_eq!(second.status(), 400);
    let body: serde_json::Value = second.json().await.unwrap();
    assert_eq!(body["error"]["message"], "the model refused the request");
}

#[tokio::test]
async fn with_no_backend_the_router_serves_its_demo_agent_and_names_it_for_any_other_model() {
    let t = TestHub::builder().users(["alice"]).start().await;
    let models = t.get_json("alice", "/v1/models").await;
    assert_eq!(models["data"][0]["id"], runs::demo::AGENT_MODEL);

    let url = t.url("/v1/chat/completions");
    let task = "# Task: one safe edit (double-exclamation)\n\nEdit app.py.";
    let answer = json_of(t.post("alice", "/v1/chat/completions").json(&serde_json::json!({"model": runs::demo::AGENT_MODEL, "messages": [{"role": "user", "content": task}]}))).await;
    let call = &answer["choices"][0]["message"]["tool_calls"][0]["function"];
    assert_eq!(call["name"], "read", "{answer}");

    let refused = t
        .post_json(
            "alice",
            "/v1/chat/completions",
            &serde_json::json!({"model": "Qwen/Qwen3-Coder-Next", "messages": [{"role": "user", "content": task}]}),
        )
        .await;
    assert_eq!(refused.status(), 404);
    let text = refused.text().await.unwrap();
    assert!(
        text.contains(runs::demo::AGENT_MODEL) && text.contains("--chat-upstream"),
        "{text}"
    );
    // Nobody but a signed-in caller gets an answer.
    let anonymous = t
        .http
        .post(&url)
        .json(&serde_json::json!({"model": runs::demo::AGENT_MODEL, "messages": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}
