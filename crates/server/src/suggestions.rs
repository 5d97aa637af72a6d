//! What the wizards suggest, decided once at start from which Hub the factory talks to.
//!
//! The embedded hub serves its own demo agent and demo models (see `runs::demo`), so there
//! the wizards start from those and every recipe runs with nothing to configure; agent
//! models from elsewhere are offered only when the hub forwards them (`--chat-upstream`).
//! On a real Hub the wizards offer the usual Inference Providers agent models.

use app::api::{Suggestion, Suggestions};
use app::components::wizard_fields::AGENT_MODELS;

/// The suggestions for the embedded hub at `hub_url` (`demo_models`: its demo models with
/// their labels; `upstream`: whether its router forwards other agent models).
pub fn embedded(hub_url: &str, demo_models: &[(&str, &str)], upstream: bool) -> Suggestions {
    let mut agent_models = vec![Suggestion {
        id: runs::demo::AGENT_MODEL.to_owned(),
        label: Some(runs::demo::AGENT_LABEL.to_owned()),
    }];
    if upstream {
        agent_models.extend(AGENT_MODELS.iter().map(|id| unlabelled(id)));
    }
    Suggestions {
        agent_models,
        models: demo_models
            .iter()
            .map(|(id, label)| Suggestion {
                id: (*id).to_owned(),
                label: Some((*label).to_owned()),
            })
            .collect(),
        article_url: Some(format!(
            "{}/{}/resolve/main/README.md",
            hub_url.trim_end_matches('/'),
            runs::demo::TEXT_GENERATION_MODEL
        )),
        default_budget_usd: None,
    }
}

/// The suggestions for a real Hub.
pub fn remote() -> Suggestions {
    Suggestions {
        agent_models: AGENT_MODELS.iter().map(|id| unlabelled(id)).collect(),
        models: Vec::new(),
        article_url: None,
        default_budget_usd: None,
    }
}

fn unlabelled(id: &str) -> Suggestion {
    Suggestion {
        id: id.to_owned(),
        label: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_hub_starts_from_its_demo_agent_and_models() {
        let demo = [(runs::demo::TEXT_GENERATION_MODEL, runs::demo::MODEL_LABEL)];
        let local = embedded("http://127.0.0.1:9/", &demo, false);
        assert_eq!(local.agent_models.len(), 1);
        assert_eq!(local.agent_models[0].id, runs::demo::AGENT_MODEL);
        assert_eq!(local.models[0].id, runs::demo::TEXT_GENERATION_MODEL);
        assert_eq!(
            local.article_url.as_deref(),
            Some("http://127.0.0.1:9/space-factory-demo/tiny-gpt2/resolve/main/README.md")
        );
        let forwarded = embedded("http://127.0.0.1:9", &demo, true);
        assert_eq!(forwarded.agent_models.len(), 1 + AGENT_MODELS.len());
        assert_eq!(remote().agent_models[0].id, AGENT_MODELS[0]);
        assert!(remote().models.is_empty());
    }
}
