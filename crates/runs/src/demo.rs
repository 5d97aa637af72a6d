//! The embedded hub's demo content, by name: the agent model it serves itself and the
//! namespace of its tiny demo models. One home, so the hub, the worker, the wizard and the
//! run page all label them the same way: nobody should take a scripted agent or a model
//! with random weights for a real one.

/// The agent model the embedded hub's router serves itself (recipes 3, 4 and 8 out of the
/// box).
pub const AGENT_MODEL: &str = "space-factory-demo/scripted-agent";

/// How [`AGENT_MODEL`] is named wherever it shows.
pub const AGENT_LABEL: &str = "built-in demo agent: scripted, not a language model";

/// The namespace of the embedded hub's demo models.
pub const MODEL_NAMESPACE: &str = "space-factory-demo";

/// How a model of [`MODEL_NAMESPACE`] is named wherever it shows.
pub const MODEL_LABEL: &str = "tiny demo model of the embedded hub: random weights";

/// The demo model for text generation (a tiny GPT-2): the wizard's first suggestion for
/// the model recipes, and the model a phase-8 demo app runs.
pub const TEXT_GENERATION_MODEL: &str = "space-factory-demo/tiny-gpt2";

/// Whether `model` is one of the embedded hub's demo models (not the agent).
pub fn is_demo_model(model: &str) -> bool {
    model != AGENT_MODEL
        && model
            .strip_prefix(MODEL_NAMESPACE)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The label of `model` when it is one of the demo's, else `None`.
pub fn label(model: &str) -> Option<&'static str> {
    if model == AGENT_MODEL {
        Some(AGENT_LABEL)
    } else if is_demo_model(model) {
        Some(MODEL_LABEL)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_demo_names_carry_a_demo_label() {
        assert_eq!(label(AGENT_MODEL), Some(AGENT_LABEL));
        assert_eq!(label(TEXT_GENERATION_MODEL), Some(MODEL_LABEL));
        assert_eq!(label("space-factory-demo-x/model"), None);
        assert_eq!(label("Qwen/Qwen3-Coder-Next"), None);
    }
}
