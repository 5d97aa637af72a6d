//! An OpenAI-compatible `POST /v1/chat/completions`, `GET /v1/models` and
//! `GET /v1/models/{id}`, for agent tests.
//!
//! Always serves the built-in demo agent ([`crate::demo_agent`]); other models are forwarded
//! to an upstream (`Upstream`), or a scripted conversation answers every request
//! (`Script`, for tests), or they are not served (404). The script is stateless: the turn played is the number of assistant messages
//! in the request, so retries replay the same turn. Script file (JSON):
//! `{"model": "scripted", "turns": [{"content": "text"}, {"tool_calls": [{"name": "write",
//! "arguments": {"path": "a", "content": "b"}}]}, {"error": {"status": 400, "message": "…"}}]}`.
//! A turn with `error` answers that HTTP status with an OpenAI-shaped error body (a model
//! failing mid-run). Past the last turn it answers the text "(end of script)".

use std::convert::Infallible;
use std::path::PathBuf;

use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::Authed;
use crate::demo_agent;
use crate::errors::{ApiError, ApiResult};
use crate::AppState;

/// Where chat completions come from.
#[derive(Debug, Clone, Default)]
pub enum ChatBackend {
    /// No backend: only the built-in demo agent ([`demo_agent::MODEL`]); other models 404.
    #[default]
    None,
    /// Replay a scripted conversation file.
    Script(PathBuf),
    /// Forward to an OpenAI-compatible base URL (e.g. `http://127.0.0.1:8000/v1`), with an optional key.
    Upstream {
        /// Base URL ending in `/v1`.
        base_url: String,
        /// Bearer key sent upstream (not logged).
        api_key: Option<crate::SecretToken>,
    },
}

/// One scripted turn.
#[derive(Debug, Clone, Deserialize)]
pub struct Turn {
    /// Text answer.
    #[serde(default)]
    pub content: Option<String>,
    /// Tool calls `{name, arguments}` (arguments: JSON object or string).
    #[serde(default)]
    pub tool_calls: Vec<ScriptCall>,
    /// Instead of an answer, this HTTP error (the model failing at this turn).
    #[serde(default)]
    pub error: Option<ScriptError>,
}

/// A scripted provider error: the status and the message of an OpenAI-shaped error body.
#[derive(Debug, Clone, Deserialize)]
pub struct ScriptError {
    /// HTTP status, e.g. 400 or 500.
    pub status: u16,
    /// The `error.message` text.
    pub message: String,
}

/// A scripted tool call.
#[derive(Debug, Clone, Deserialize)]
pub struct ScriptCall {
    /// Tool name.
    pub name: String,
    /// Arguments.
    #[serde(default)]
    pub arguments: Value,
}

/// A scripted conversation.
#[derive(Debug, Clone, Deserialize)]
pub struct Script {
    /// Model id reported.
    #[serde(default = "default_model")]
    pub model: String,
    /// Turns in order.
    pub turns: Vec<Turn>,
}

fn default_model() -> String {
    "scripted".into()
}

fn load(path: &PathBuf) -> ApiResult<Script> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ApiError::internal(format!("chat script {}: {e}", path.display())))?;
    serde_json::from_str(&text)
        .map_err(|e| ApiError::internal(format!("chat script {}: {e}", path.display())))
}

/// `GET /v1/models`: the script's model (a script answers every request), else the demo
/// agent, then an upstream's models.
pub async fn models(State(s): State<AppState>, Authed(_): Authed) -> ApiResult<Response> {
    match &s.chat {
        ChatBackend::Script(p) => {
            let sc = load(p)?;
            Ok(Json(json!({"object": "list", "data": [script_entry(&sc.model)]})).into_response())
        }
        ChatBackend::Upstream { base_url, api_key } => {
            forward(
                reqwest::Method::GET,
                format!("{base_url}/models"),
                api_key.as_ref(),
                None,
            )
            .await
        }
        ChatBackend::None => {
            Ok(Json(json!({"object": "list", "data": [demo_entry()]})).into_response())
        }
    }
}

/// `GET /v1/models/{id}`: one model as the router lists it, with its providers and their
/// `pricing` where one is published; a model not served is the router's 404.
pub async fn model(
    State(s): State<AppState>,
    Authed(_): Authed,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> ApiResult<Response> {
    if id == demo_agent::MODEL && !matches!(s.chat, ChatBackend::Script(_)) {
        return Ok(Json(demo_entry()).into_response());
    }
    match &s.chat {
        ChatBackend::Script(p) => {
            let sc = load(p)?;
            if sc.model == id {
                Ok(Json(script_entry(&sc.model)).into_response())
            } else {
                Err(not_served(&id))
            }
        }
        ChatBackend::Upstream { base_url, api_key } => {
            forward(
                reqwest::Method::GET,
                format!("{base_url}/models/{id}"),
                api_key.as_ref(),
                None,
            )
            .await
        }
        ChatBackend::None => Err(not_served(&id)),
    }
}

/// The demo agent's entry: served here at no cost, so its one provider's price is zero.
fn demo_entry() -> Value {
    json!({
        "id": demo_agent::MODEL, "object": "model", "created": 0, "owned_by": "localhub",
        "description": demo_agent::LABEL,
        "providers": [{"provider": "localhub", "status": "live", "supports_tools": true,
            "pricing": {"input": 0.0, "output": 0.0}}],
    })
}

/// A scripted model's entry: its provider publishes no price.
fn script_entry(model: &str) -> Value {
    json!({
        "id": model, "object": "model", "created": 0, "owned_by": "localhub",
        "providers": [{"provider": "localhub", "status": "live", "supports_tools": true}],
    })
}

/// A model this hub does not serve: the router's 404, naming what it can do instead.
fn not_served(model: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!(
            "The model `{model}` is not served by the embedded hub: use `{}` ({}), or start the \
             factory with --chat-upstream (SPACE_FACTORY_CHAT_UPSTREAM) pointing at an \
             OpenAI-compatible server",
            demo_agent::MODEL,
            demo_agent::LABEL
        ),
    )
}

async fn forward(
    method: reqwest::Method,
    url: String,
    key: Option<&crate::SecretToken>,
    body: Option<Value>,
) -> ApiResult<Response> {
    let mut rq = reqwest::Client::new().request(method, url);
    if let Some(k) = key {
        rq = rq.bearer_auth(k.expose());
    }
    if let Some(b) = body {
        rq = rq.json(&b);
    }
    let r = rq.send().await.map_err(|e| {
        ApiError::new(
            StatusCode::BAD_GATEWAY,
            format!("upstream: {}", e.without_url()),
        )
    })?;
    let status = StatusCode::from_u16(r.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_string();
    Ok((
        status,
        [("content-type", ct)],
        Body::from_stream(r.bytes_stream()),
    )
        .into_response())
}

/// `POST /v1/chat/completions` (streaming and not).
pub async fn chat(
    State(s): State<AppState>,
    Authed(c): Authed,
    Json(req): Json<Value>,
) -> ApiResult<Response> {
    crate::auth::scopes::require(
        &c,
        crate::auth::scopes::INFERENCE,
        "call Inference Providers",
    )?;
    let model = req["model"].as_str().unwrap_or_default().to_owned();
    let messages = req["messages"].as_array().cloned().unwrap_or_default();
    let turn = match &s.chat {
        ChatBackend::Script(p) => {
            let script = load(p)?;
            let n = messages.iter().filter(|m| m["role"] == "assistant").count();
            script.turns.get(n).cloned().unwrap_or(Turn {
                content: Some("(end of script)".into()),
                tool_calls: vec![],
                error: None,
            })
        }
        _ if model == demo_agent::MODEL => demo_agent::turn(&messages),
        ChatBackend::Upstream { base_url, api_key } => {
            return forward(
                reqwest::Method::POST,
                format!("{base_url}/chat/completions"),
                api_key.as_ref(),
                Some(req),
            )
            .await
        }
        ChatBackend::None => return Err(not_served(&model)),
    };
    let n = messages.iter().filter(|m| m["role"] == "assistant").count();
    if let Some(err) = &turn.error {
        return Ok(scripted_error(err));
    }
    let model = if model.is_empty() {
        "scripted".to_owned()
    } else {
        model
    };
    let id = format!("chatcmpl-{}", uuid_like());
    let created = chrono::Utc::now().timestamp();
    let calls: Vec<Value> = turn
        .tool_calls
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let args = match &c.arguments {
                Value::String(s) => s.clone(),
                v => v.to_string(),
            };
            json!({"index": i, "id": format!("call_{n}_{i}"), "type": "function", "function": {"name": c.name, "arguments": args}})
        })
        .collect();
    let finish = if calls.is_empty() {
        "stop"
    } else {
        "tool_calls"
    };
    let usage = json!({"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15});
    if req["stream"].as_bool() != Some(true) {
        let mut msg = json!({"role": "assistant", "content": turn.content});
        if !calls.is_empty() {
            let c: Vec<Value> = calls
                .iter()
                .map(|c| json!({"id": c["id"], "type": "function", "function": c["function"]}))
                .collect();
            msg["tool_calls"] = json!(c);
        }
        return Ok(Json(json!({"id": id, "object": "chat.completion", "created": created, "model": model, "choices": [{"index": 0, "message": msg, "finish_reason": finish}], "usage": usage})).into_response());
    }
    let chunk = |delta: Value, finish: Option<&str>| {
        json!({"id": id, "object": "chat.completion.chunk", "created": created, "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}).to_string()
    };
    let mut frames = vec![chunk(json!({"role": "assistant", "content": ""}), None)];
    if let Some(text) = &turn.content {
        for part in text.split_inclusive(' ') {
            frames.push(chunk(json!({"content": part}), None));
        }
    }
    for c in &calls {
        frames.push(chunk(json!({"tool_calls": [{"index": c["index"], "id": c["id"], "type": "function", "function": {"name": c["function"]["name"], "arguments": ""}}]}), None));
        frames.push(chunk(json!({"tool_calls": [{"index": c["index"], "function": {"arguments": c["function"]["arguments"]}}]}), None));
    }
    frames.push(chunk(json!({}), Some(finish)));
    if req["stream_options"]["include_usage"].as_bool() == Some(true) {
        frames.push(json!({"id": id, "object": "chat.completion.chunk", "created": created, "model": model, "choices": [], "usage": usage}).to_string());
    }
    frames.push("[DONE]".into());
    let events = frames
        .into_iter()
        .map(|f| Ok::<_, Infallible>(Event::default().data(f)));
    Ok(Sse::new(futures_util::stream::iter(events)).into_response())
}

/// The answer of a scripted error turn, shaped like an OpenAI error.
fn scripted_error(err: &ScriptError) -> Response {
    let status = StatusCode::from_u16(err.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = json!({"error": {"message": err.message, "type": "invalid_request_error", "code": status.as_u16()}});
    (status, Json(body)).into_response()
}

fn uuid_like() -> String {
    use rand::Rng;
    format!("{:032x}", rand::thread_rng().gen::<u128>())
}
