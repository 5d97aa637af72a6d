//! Phase 5's gate: whether the model-card recipe can build a working app for a model, and if
//! not, why, in a sentence a user can act on.
//!
//! Supported: public, ungated Transformers models with weights, no remote code, and one of
//! the text pipelines of [`TextTask`]. Question answering is not among them: Transformers 5
//! has no pipeline for it.
//!
//! A text classifier whose repo ships an ONNX export and a fast tokenizer ([`onnx_export`])
//! is served by ONNX Runtime instead ([`Runtime::OnnxRuntime`]) on CPU hardware, whatever
//! library its card names among those that publish such exports: the Space then installs
//! no PyTorch (a few hundred MB rather than ≈5.6 GB) and starts sooner.

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

/// What the generated app runs the model with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "runtime", rename_all = "snake_case")]
pub enum Runtime {
    /// Transformers on PyTorch, loading the model by id.
    Transformers,
    /// ONNX Runtime on the CPU, with the `tokenizers` library: no PyTorch.
    OnnxRuntime {
        /// The export's path in the repo, e.g. `onnx/model.onnx`.
        file: String,
    },
}

impl Runtime {
    /// How the decision names it, for people.
    pub fn describe(&self) -> String {
        match self {
            Runtime::Transformers => "Transformers with PyTorch".into(),
            Runtime::OnnxRuntime { file } => format!("ONNX Runtime on `{file}`, no PyTorch"),
        }
    }
}

/// Where the Hub's repos keep a model's ONNX export, in the order they are looked for:
/// Optimum and Transformers.js put it under `onnx/`, some repos at the top.
pub const ONNX_EXPORTS: [&str; 2] = ["onnx/model.onnx", "model.onnx"];

/// Libraries whose repos may carry an ONNX export of a text classifier the ONNX app runs.
const ONNX_LIBRARIES: [&str; 3] = ["transformers", "transformers.js", "onnx"];

/// The ONNX export of a text classifier the ONNX app can run: an export in the repo
/// ([`ONNX_EXPORTS`]) beside `tokenizer.json` and `config.json` (its labels).
pub fn onnx_export(facts: &ModelFacts) -> Option<&'static str> {
    let info = &facts.info;
    if !(info.has_file("tokenizer.json") && info.has_file("config.json")) {
        return None;
    }
    ONNX_EXPORTS.into_iter().find(|f| info.has_file(f))
}

/// The recipe's decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Support {
    /// An app can be generated for this task.
    Supported {
        /// The task.
        task: TextTask,
        /// What the app runs the model with.
        #[serde(flatten)]
        runtime: Runtime,
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
    let on_cpu = hardware.is_none_or(|h| h.starts_with("cpu-"));
    let onnx = onnx_export(facts).filter(|_| {
        on_cpu
            && library
                .as_deref()
                .is_some_and(|l| ONNX_LIBRARIES.contains(&l))
            && facts
                .info
                .pipeline_tag
                .as_deref()
                .and_then(TextTask::from_tag)
                == Some(TextTask::TextClassification)
    });
    if library.as_deref() != Some("transformers") && onnx.is_none() {
        return no(match library {
            Some(l) => format!("the model's library is `{l}`, and this recipe builds Transformers apps only (or ONNX Runtime apps for text classifiers that ship an ONNX export)"),
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
    if let Some(file) = onnx {
        return Support::Supported {
            task,
            runtime: Runtime::OnnxRuntime { file: file.into() },
        };
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
    Support::Supported {
        task,
        runtime: Runtime::Transformers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A model whose card names `library` and `pipeline`, with these files.
    fn facts(library: &str, pipeline: &str, files: &[&str]) -> ModelFacts {
        let siblings: Vec<_> = files.iter().map(|f| json!({ "rfilename": f })).collect();
        let info = json!({"id": "alice/m", "library_name": library, "pipeline_tag": pipeline,
            "siblings": siblings, "tags": []});
        ModelFacts {
            id: "alice/m".parse().unwrap(),
            info: serde_json::from_value(info).unwrap(),
            card_body: None,
            config: Some(json!({})),
            unreadable: Vec::new(),
        }
    }

    fn decide_on(f: &ModelFacts, hardware: Option<&str>) -> Support {
        decide(f, &ModelSize::of(f), hardware)
    }

    const ONNX_REPO: [&str; 3] = ["config.json", "tokenizer.json", "onnx/model.onnx"];

    #[test]
    fn a_text_classifier_with_an_onnx_export_runs_on_onnx_runtime_on_cpus() {
        let onnx = Support::Supported {
            task: TextTask::TextClassification,
            runtime: Runtime::OnnxRuntime {
                file: "onnx/model.onnx".into(),
            },
        };
        for library in ["onnx", "transformers.js", "transformers"] {
            let f = facts(library, "text-classification", &ONNX_REPO);
            assert_eq!(decide_on(&f, None), onnx, "{library}");
            assert_eq!(decide_on(&f, Some("cpu-upgrade")), onnx, "{library}");
        }
        let top = facts(
            "onnx",
            "sentiment-analysis",
            &["config.json", "tokenizer.json", "model.onnx"],
        );
        assert!(
            matches!(decide_on(&top, None), Support::Supported { runtime: Runtime::OnnxRuntime { file }, .. } if file == "model.onnx")
        );
        // On a GPU a Transformers model with PyTorch weights too keeps Transformers; the
        // ONNX app needs the tokenizer; other tasks and libraries get no ONNX app.
        let both = facts(
            "transformers",
            "text-classification",
            &[&ONNX_REPO[..], &["model.safetensors"]].concat(),
        );
        assert_eq!(
            decide_on(&both, Some("t4-small")),
            Support::Supported {
                task: TextTask::TextClassification,
                runtime: Runtime::Transformers
            }
        );
        for f in [
            facts(
                "onnx",
                "text-classification",
                &["config.json", "onnx/model.onnx"],
            ),
            facts("onnx", "text-generation", &ONNX_REPO),
            facts("onnx", "text-classification", &ONNX_REPO[..2]),
            facts("timm", "text-classification", &ONNX_REPO),
        ] {
            assert!(
                matches!(decide_on(&f, None), Support::Unsupported { .. }),
                "{:?}",
                f.info
            );
        }
        let json = serde_json::to_value(&onnx).unwrap();
        assert_eq!(
            json,
            json!({"verdict": "supported", "task": "text-classification", "runtime": "onnx_runtime", "file": "onnx/model.onnx"})
        );
    }

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
