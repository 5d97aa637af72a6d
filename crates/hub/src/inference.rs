//! Inference Providers: the OpenAI-compatible router (`/v1/chat/completions`,
//! `/v1/models`). The base URL is configurable (`HubConfig::inference_url`), default
//! `https://router.huggingface.co/v1`.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::{join, HubClient, Req};
use crate::error::{HubError, HubResult};
use crate::token::Token;

/// One chat message.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct ChatMessage {
    /// `system`, `user`, `assistant` or `tool`.
    pub role: String,
    /// Text content (null for pure tool-call messages).
    #[serde(default)]
    pub content: Option<String>,
}

impl ChatMessage {
    /// A message with a role and text.
    pub fn new(role: &str, content: impl Into<String>) -> ChatMessage {
        ChatMessage {
            role: role.into(),
            content: Some(content.into()),
        }
    }
}

/// A non-streaming chat completion request (`model` may carry `:provider` or `:fastest`).
#[derive(Debug, Clone, Serialize)]
pub struct ChatRequest {
    /// Model id.
    pub model: String,
    /// Conversation.
    pub messages: Vec<ChatMessage>,
    /// Output limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    /// Sampling temperature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
}

/// One choice of a completion.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ChatChoice {
    /// Position.
    #[serde(default)]
    pub index: u32,
    /// The answer.
    pub message: ChatMessage,
    /// `stop`, `length`, `tool_calls`, …
    #[serde(default)]
    pub finish_reason: Option<String>,
}

/// A chat completion.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ChatResponse {
    /// Completion id.
    #[serde(default)]
    pub id: Option<String>,
    /// Model that answered.
    #[serde(default)]
    pub model: Option<String>,
    /// Choices.
    pub choices: Vec<ChatChoice>,
    /// Token usage (raw).
    #[serde(default)]
    pub usage: Option<Value>,
}

impl ChatResponse {
    /// The first choice's text.
    pub fn text(&self) -> Option<&str> {
        self.choices.first()?.message.content.as_deref()
    }
}

/// One entry of `/v1/models`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ModelEntry {
    /// Model id.
    pub id: String,
    /// Providers serving it (raw: provider, status, pricing, supports_tools, …).
    #[serde(default)]
    pub providers: Vec<Value>,
}

#[derive(Deserialize)]
struct ModelList {
    data: Vec<ModelEntry>,
}

impl HubClient {
    /// `POST {inference_url}/chat/completions` (non-streaming).
    pub async fn chat_completion(
        &self,
        req: &ChatRequest,
        token: &Token,
    ) -> HubResult<ChatResponse> {
        if req.messages.is_empty() {
            return Err(HubError::InvalidInput(
                "a chat needs at least one message".into(),
            ));
        }
        let body = serde_json::to_value(req).map_err(|e| HubError::InvalidInput(e.to_string()))?;
        let url = join(&self.cfg.inference_url, &["chat", "completions"]);
        self.json(Req::new(Method::POST, url, Some(token)).json(body))
            .await
    }

    /// `GET {inference_url}/models`.
    pub async fn inference_models(&self, token: Option<&Token>) -> HubResult<Vec<ModelEntry>> {
        let url = join(&self.cfg.inference_url, &["models"]);
        let l: ModelList = self.json(Req::new(Method::GET, url, token)).await?;
        Ok(l.data)
    }

    /// `GET {inference_url}/models/{id}`: one model and its providers (with their
    /// `pricing`, when published). `id` is `org/model`, its slash kept.
    pub async fn inference_model(&self, id: &str, token: Option<&Token>) -> HubResult<ModelEntry> {
        let url = join(&self.cfg.inference_url, &["models", id]);
        self.json(Req::new(Method::GET, url, token)).await
    }
}
