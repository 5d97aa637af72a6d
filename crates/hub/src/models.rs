//! Model repos as the Hub describes them: `GET /api/models/{id}` with the fields the factory
//! reads to judge a model (pipeline tag, library, config summary, card front matter,
//! gating, safetensors parameter counts).
//!
//! Field names and shapes follow `huggingface_hub`'s `ModelInfo` parser (`hf_api.py`):
//! `gated` is `false`, `"auto"` or `"manual"`; `safetensors` is
//! `{"parameters": {"F32": n, …}, "total": n}`; `transformersInfo` is
//! `{"auto_model", "pipeline_tag"?, "processor"?, "custom_class"?}`; `config` is a
//! summary of `config.json` (not the whole file: download it for the rest).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::HubClient;
use crate::error::HubResult;
use crate::repos::{RepoType, Sibling};
use crate::token::Token;
use crate::RepoId;

/// Whether, and how, access to a model must be requested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(from = "Value", into = "Value")]
pub enum Gated {
    /// Anyone who can see the repo can download it.
    #[default]
    Open,
    /// Access is granted automatically once the user accepts the terms.
    Auto,
    /// The authors approve each request by hand.
    Manual,
}

impl From<Value> for Gated {
    fn from(v: Value) -> Gated {
        match v.as_str() {
            Some("auto") => Gated::Auto,
            Some("manual") => Gated::Manual,
            // `true` is what older card metadata says for "gated, mode unknown".
            Some(_) => Gated::Manual,
            None if v.as_bool() == Some(true) => Gated::Manual,
            None => Gated::Open,
        }
    }
}

impl From<Gated> for Value {
    fn from(g: Gated) -> Value {
        match g {
            Gated::Open => Value::Bool(false),
            Gated::Auto => Value::String("auto".into()),
            Gated::Manual => Value::String("manual".into()),
        }
    }
}

/// `safetensors` of model info: parameter counts per dtype, summed over every
/// `.safetensors` file of the repo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SafetensorsInfo {
    /// Parameters per safetensors dtype name (`F32`, `BF16`, `F16`, `I8`, …).
    pub parameters: BTreeMap<String, u64>,
    /// All parameters.
    pub total: u64,
}

impl SafetensorsInfo {
    /// The dtype holding most parameters (the model's working precision).
    pub fn main_dtype(&self) -> Option<&str> {
        self.parameters
            .iter()
            .max_by_key(|(_, n)| **n)
            .map(|(d, _)| d.as_str())
    }
}

/// `transformersInfo`: how Transformers loads the model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransformersInfo {
    /// The Auto class, e.g. `AutoModelForCausalLM`.
    pub auto_model: String,
    /// The pipeline it serves, when known.
    #[serde(default)]
    pub pipeline_tag: Option<String>,
    /// `AutoTokenizer`, `AutoProcessor`, …
    #[serde(default)]
    pub processor: Option<String>,
    /// A custom class (remote code), when any.
    #[serde(default)]
    pub custom_class: Option<String>,
}

/// `GET /api/models/{id}`: what the factory needs to judge a model; the rest in `extra`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelInfo {
    /// `owner/name`.
    pub id: String,
    /// Head commit.
    #[serde(default)]
    pub sha: Option<String>,
    /// Whether private.
    #[serde(default)]
    pub private: Option<bool>,
    /// Gating.
    #[serde(default)]
    pub gated: Gated,
    /// Disabled by the Hub.
    #[serde(default)]
    pub disabled: Option<bool>,
    /// The task (`text-generation`, …), from the card or inferred by the Hub.
    #[serde(default)]
    pub pipeline_tag: Option<String>,
    /// The library (`transformers`, `diffusers`, …).
    #[serde(default)]
    pub library_name: Option<String>,
    /// Tags (card tags plus the Hub's own, e.g. `license:mit`).
    #[serde(default)]
    pub tags: Vec<String>,
    /// The README's front matter, parsed.
    #[serde(default, rename = "cardData")]
    pub card_data: Option<Value>,
    /// A summary of `config.json` (`architectures`, `model_type`, …).
    #[serde(default)]
    pub config: Option<Value>,
    /// How Transformers loads it.
    #[serde(default, rename = "transformersInfo")]
    pub transformers_info: Option<TransformersInfo>,
    /// Parameter counts from the safetensors headers.
    #[serde(default)]
    pub safetensors: Option<SafetensorsInfo>,
    /// Files.
    #[serde(default)]
    pub siblings: Vec<Sibling>,
    /// Everything else the Hub sent.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl ModelInfo {
    /// The license: the card's `license`, else a `license:` tag.
    pub fn license(&self) -> Option<String> {
        self.card_data
            .as_ref()
            .and_then(|c| c.get("license"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| {
                self.tags
                    .iter()
                    .find_map(|t| t.strip_prefix("license:").map(str::to_owned))
            })
    }

    /// Whether the repo has a file at `path`.
    pub fn has_file(&self, path: &str) -> bool {
        self.siblings.iter().any(|s| s.rfilename == path)
    }
}

impl HubClient {
    /// `GET /api/models/{id}`: pipeline tag, library, card data, config summary, gating,
    /// safetensors parameter counts and files.
    pub async fn model_info(&self, id: &RepoId, token: Option<&Token>) -> HubResult<ModelInfo> {
        let url = self.url(&["api", RepoType::Model.plural(), id.owner(), id.name()]);
        self.json(crate::client::Req::new(reqwest::Method::GET, url, token))
            .await
    }

    /// `PUT /api/{type}s/{id}/settings` with `{"gated": …}`: gates a repo (or opens it).
    pub async fn set_repo_gated(
        &self,
        repo_type: RepoType,
        id: &RepoId,
        gated: Gated,
        token: &Token,
    ) -> HubResult<()> {
        let url = self.url(&["api", repo_type.plural(), id.owner(), id.name(), "settings"]);
        let body = serde_json::json!({ "gated": Value::from(gated) });
        let _: Value = self
            .json(crate::client::Req::new(reqwest::Method::PUT, url, Some(token)).json(body))
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_the_hub_shape() {
        let info: ModelInfo = serde_json::from_value(json!({
            "id": "a/b", "gated": "manual", "pipeline_tag": "text-generation",
            "library_name": "transformers", "tags": ["license:mit"],
            "safetensors": {"parameters": {"BF16": 100, "F32": 3}, "total": 103},
            "transformersInfo": {"auto_model": "AutoModelForCausalLM", "processor": "AutoTokenizer"},
            "siblings": [{"rfilename": "config.json"}], "likes": 4
        }))
        .unwrap();
        assert_eq!(info.gated, Gated::Manual);
        assert_eq!(info.license().as_deref(), Some("mit"));
        assert_eq!(
            info.safetensors.as_ref().unwrap().main_dtype(),
            Some("BF16")
        );
        assert!(info.has_file("config.json"));
        assert_eq!(info.extra["likes"], 4);
        let open: ModelInfo = serde_json::from_value(json!({"id": "a/b", "gated": false})).unwrap();
        assert_eq!(open.gated, Gated::Open);
        assert_eq!(serde_json::to_value(Gated::Auto).unwrap(), json!("auto"));
    }
}
