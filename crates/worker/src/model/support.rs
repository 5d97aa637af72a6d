//! Phase 5's gate: whether the model-card recipe can build a working app for a model, and if
//! not, why, in a sentence a user can act on.
//!
//! Supported: public, ungated Transformers models with weights, no remote code, and one of
//! the text pipelines of [`TextTask`]. Question answering is not among them: Transformers 5
//! has no pipeline for it.

use serde::Serialize;

use super::{ModelFacts, ModelSize};

/// The Transformers text tasks the recipe builds apps for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TextTask {
    /// Continue a prompt (`pipeline("text-generation")`).
    TextGeneration,
    /// Label a text (`text-classification`, alias `sentiment-analysis`).
    TextClassification,
    /// Label each token (`token-classification`, alias `ner`).
    TokenClassification,
    /// Fill the mask token (`fill-mask`).
    FillMask,
    /// Score a text against given labels (`zero-shot-classification`).
    ZeroShotClassification,
    /// Summarize (seq2seq `generate`).
    Summarization,
    /// Translate (seq2seq `generate`).
    Translation,
    /// Any text-to-text seq2seq model (`generate`).
    Text2TextGeneration,
}

impl TextTask {
    /// Every task, in the order they are listed to users.
    pub const ALL: [TextTask; 8] = [
        TextTask::TextGeneration,
        TextTask::TextClassification,
        TextTask::TokenClassification,
        TextTask::FillMask,
        TextTask::ZeroShotClassification,
        TextTask::Summarization,
        TextTask::Translation,
        TextTask::Text2TextGeneration,
    ];

    /// The Hub's pipeline tag.
    pub fn tag(self) -> &'static str {
        match self {
            TextTask::TextGeneration => "text-generation",
            TextTask::TextClassification => "text-classification",
            TextTask::TokenClassification => "token-classification",
            TextTask::FillMask => "fill-mask",
            TextTask::ZeroShotClassification => "zero-shot-classification",
            TextTask::Summarization => "summarization",
            TextTask::Translation => "translation",
            TextTask::Text2TextGeneration => "text2text-generation",
        }
    }

    /// From a pipeline tag (with the Hub's aliases, and `translation_xx_to_yy`).
    pub fn from_tag(tag: &str) -> Option<TextTask> {
        match tag {
            "sentiment-analysis" => Some(TextTask::TextClassification),
            "ner" => Some(TextTask::TokenClassification),
            t if t.starts_with("translation") => Some(TextTask::Translation),
            t => TextTask::ALL.into_iter().find(|task| task.tag() == t),
        }
    }

    /// Whether the app drives `generate` on a seq2seq model rather than a `pipeline`.
    pub fn is_seq2seq(self) -> bool {
        matches!(
            self,
            TextTask::Summarization | TextTask::Translation | TextTask::Text2TextGeneration
        )
    }
}

/// The largest float32 weights (GB) the recipe deploys on `cpu-basic` when no hardware
/// was asked for.
pub const CPU_BASIC_MAX_GB: f64 = 8.0;

/// The recipe's decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Support {
    /// An app can be generated for this task.
    Supported {
        /// The task.
        task: TextTask,
    },
    /// No app: the reason, phrased "unsupported, because …".
    Unsupported {
        /// Why.
        reason: String,
    },
}

/// Decides whether the recipe can build an app; `hardware` is the flavor the user asked
/// for, if any.
pub fn decide(facts: &ModelFacts, size: &ModelSize, hardware: Option<&str>) -> Support {
    let no = |why: String| Support::Unsupported {
        reason: format!("unsupported, because {why}"),
    };
    let library = facts.library();
    if library.as_deref() != Some("transformers") {
        return no(match library {
            Some(l) => format!("the model's library is `{l}`, and this recipe builds Transformers apps only"),
            None => "the Hub names no library for it and it has no config.json, so it is not a Transformers model".into(),
        });
    }
    let Some(tag) = facts.info.pipeline_tag.as_deref() else {
        return no("the model names no pipeline task (no `pipeline_tag` in its card, none inferable from its architecture)".into());
    };
    let Some(task) = TextTask::from_tag(tag) else {
        let list: Vec<&str> = TextTask::ALL.iter().map(|t| t.tag()).collect();
        return no(format!(
            "its pipeline `{tag}` is not a Transformers text pipeline this recipe builds (it builds: {})",
            list.join(", ")
        ));
    };
    match facts.info.gated {
        hub::models::Gated::Open => {}
        g => {
            return no(format!(
                "the model is gated ({}): a Space can only download it with a token that was granted access",
                serde_json::to_value(g).unwrap_or_default().as_str().unwrap_or("gated")
            ))
        }
    }
    if facts.info.private == Some(true) {
        return no("the model is private: the Space would need your token as a secret, which this recipe does not give it".into());
    }
    if facts.needs_remote_code() {
        return no("the model needs `trust_remote_code` (custom code in its repo), which the recipe does not run".into());
    }
    if !facts.has_weights() {
        return no("the repo has no weight files (.safetensors or .bin)".into());
    }
    if hardware.is_none() {
        if let Some(gb) = size.cpu_gb().filter(|gb| *gb > CPU_BASIC_MAX_GB) {
            return no(format!(
                "its weights take ≈{gb:.1} GB in float32, more than cpu-basic can serve (≤ {CPU_BASIC_MAX_GB} GB): ask for GPU hardware (the runtime recommender says which)"
            ));
        }
    }
    Support::Supported { task }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_and_aliases() {
        assert_eq!(
            TextTask::from_tag("ner"),
            Some(TextTask::TokenClassification)
        );
        assert_eq!(
            TextTask::from_tag("translation_en_to_fr"),
            Some(TextTask::Translation)
        );
        assert_eq!(TextTask::from_tag("image-classification"), None);
        for t in TextTask::ALL {
            assert_eq!(TextTask::from_tag(t.tag()), Some(t));
        }
    }
}
