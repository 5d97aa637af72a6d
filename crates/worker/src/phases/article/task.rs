//! The task Pi gets in phase 8: the article, the app's required shape, and the honesty
//! rules of the full-inference gate (no silent placeholders, flash-attn alternatives before
//! a blocker, `TECHNICAL_BLOCKERS.json` when real inference cannot be wired).

use runs::ImplementationMode;
use std::path::Path;

/// The app shape every reproduction must have: Gradio mounted in FastAPI with `/health`,
/// served on the port the Space gives it.
pub const APP_SHAPE: &str = include_str!("app_shape.md");

/// What the mode asks of the app.
pub fn mode_rule(mode: ImplementationMode) -> &'static str {
    match mode {
        ImplementationMode::FullInferenceGated => {
            "Mode `full-inference-gated`: real model inference is required. The run succeeds only if \
             the live API returns real model output; a scaffold fails it."
        }
        ImplementationMode::FullInferenceAttempt => {
            "Mode `full-inference-attempt`: wire real model inference if you can. If you cannot, a \
             clearly labelled scaffold is accepted as a partial result, never as a reproduction."
        }
        ImplementationMode::SafeScaffold => {
            "Mode `safe-scaffold`: build a working scaffold: the UI, `/health`, and the inference \
             step clearly labelled in the UI as not implemented. Do not download or load the model."
        }
    }
}

/// The task, filled by [`task`].
const TASK_TEMPLATE: &str = include_str!("task.md");

/// The task for reproducing the article at `article` (a file) with `model_id`, if given.
pub fn task(article: &Path, model_id: Option<&str>, mode: ImplementationMode) -> String {
    let model = model_id
        .map(|id| format!("Use the model `{id}` from the Hugging Face Hub.\n\n"))
        .unwrap_or_default();
    crate::template::fill(
        TASK_TEMPLATE,
        &[
            ("article", &article.display().to_string()),
            ("model", &model),
            ("rule", mode_rule(mode)),
            ("app_shape", APP_SHAPE),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_task_carries_the_gate_rules_and_the_mode() {
        let task = task(
            Path::new("/agent/article.md"),
            Some("org/model"),
            ImplementationMode::FullInferenceGated,
        );
        for must in [
            "`/agent/article.md`",
            "`org/model`",
            "full-inference-gated",
            "@app.get(\"/health\")",
            "No silent placeholders",
            "xformers",
            "`kernels` package",
            "TECHNICAL_BLOCKERS.json",
        ] {
            assert!(task.contains(must), "missing {must}");
        }
        assert!(
            super::task(Path::new("a"), None, ImplementationMode::SafeScaffold)
                .contains("Do not download or load the model")
        );
    }
}
