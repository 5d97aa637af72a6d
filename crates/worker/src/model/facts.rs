//! What the Hub knows about a model, gathered in one place: its info (`GET /api/models`),
//! its card (README.md) and its full `config.json`.

use hub::models::ModelInfo;
use hub::repos::RepoType;
use hub::{HubError, RepoId};
use serde::Serialize;
use serde_json::Value;

use crate::space::HubAccess;

/// The longest card excerpt kept in the analysis.
const CARD_EXCERPT_CHARS: usize = 1500;

/// A model as the Hub describes it.
#[derive(Debug, Clone, Serialize)]
pub struct ModelFacts {
    /// The model id.
    pub id: RepoId,
    /// `GET /api/models/{id}`.
    pub info: ModelInfo,
    /// The card's text after its front matter, when the repo has a README.md.
    pub card_body: Option<String>,
    /// The whole `config.json`, when present and readable.
    pub config: Option<Value>,
    /// Files that could not be read, and why (e.g. a gated repo refusing downloads).
    pub unreadable: Vec<String>,
}

impl ModelFacts {
    /// Reads the info, then README.md and config.json when the repo lists them.
    pub async fn read(hub: &HubAccess, id: &RepoId) -> Result<ModelFacts, HubError> {
        let info = hub.hub.model_info(id, Some(&hub.token)).await?;
        let mut unreadable = Vec::new();
        let card_body = fetch(hub, id, &info, "README.md", &mut unreadable)
            .await
            .map(|b| card_body(&String::from_utf8_lossy(&b)));
        let config = match fetch(hub, id, &info, "config.json", &mut unreadable).await {
            Some(bytes) => match serde_json::from_slice(&bytes) {
                Ok(v) => Some(v),
                Err(e) => {
                    unreadable.push(format!("config.json: not JSON ({e})"));
                    None
                }
            },
            None => None,
        };
        Ok(ModelFacts {
            id: id.clone(),
            info,
            card_body,
            config,
            unreadable,
        })
    }

    /// The card's first paragraphs, for the analysis and the generated README.
    pub fn card_excerpt(&self) -> Option<String> {
        let body = self.card_body.as_deref()?.trim();
        if body.is_empty() {
            return None;
        }
        let mut excerpt: String = body.chars().take(CARD_EXCERPT_CHARS).collect();
        if excerpt.len() < body.len() {
            excerpt.push('…');
        }
        Some(excerpt)
    }

    /// The library, with a `config.json` standing for Transformers when the Hub names none.
    pub fn library(&self) -> Option<String> {
        self.info.library_name.clone().or_else(|| {
            (self.config.is_some() || self.info.has_file("config.json"))
                .then(|| "transformers".to_owned())
        })
    }

    /// Whether loading needs `trust_remote_code` (a custom class or an `auto_map`).
    pub fn needs_remote_code(&self) -> bool {
        self.info
            .transformers_info
            .as_ref()
            .is_some_and(|t| t.custom_class.is_some())
            || self
                .config
                .as_ref()
                .is_some_and(|c| c.get("auto_map").is_some())
    }

    /// Whether the repo holds weights Transformers can load.
    pub fn has_weights(&self) -> bool {
        self.info.siblings.iter().any(|s| {
            let f = s.rfilename.as_str();
            f.ends_with(".safetensors") || f.ends_with(".bin") || f.ends_with(".pt")
        })
    }
}

/// A file's bytes when the repo lists it; a failed download is noted in `unreadable`.
async fn fetch(
    hub: &HubAccess,
    id: &RepoId,
    info: &ModelInfo,
    path: &str,
    unreadable: &mut Vec<String>,
) -> Option<Vec<u8>> {
    if !info.has_file(path) {
        return None;
    }
    match hub
        .hub
        .download_file(RepoType::Model, id, "main", path, Some(&hub.token))
        .await
    {
        Ok(d) => Some(d.bytes),
        Err(e) => {
            unreadable.push(format!("{path}: {e}"));
            None
        }
    }
}

/// The README's text without its YAML front matter.
pub fn card_body(readme: &str) -> String {
    let Some(rest) = readme
        .strip_prefix("---\n")
        .or_else(|| readme.strip_prefix("---\r\n"))
    else {
        return readme.to_owned();
    };
    match rest.find("\n---") {
        Some(end) => rest[end + 4..]
            .trim_start_matches(['-', '\r'])
            .trim_start_matches('\n')
            .to_owned(),
        None => readme.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_body_drops_front_matter_only() {
        assert_eq!(card_body("---\na: 1\n---\n# Hi\n"), "# Hi\n");
        assert_eq!(card_body("# Plain\n"), "# Plain\n");
        assert_eq!(card_body("---\nunclosed"), "---\nunclosed");
    }
}
