//! The task Pi gets in phase 8: the article, the app's required shape, and the honesty
//! rules of the full-inference gate (no silent placeholders, flash-attn alternatives before
//! a blocker, `TECHNICAL_BLOCKERS.json` when real inference cannot be wired).

use runs::ImplementationMode;
use std::path::Path;

/// The app shape every reproduction must have: Gradio mounted in FastAPI with `/health`,
/// served on the port the Space gives it.
pub const APP_SHAPE: &str = r#"```python
import os

import gradio as gr
import uvicorn
from fastapi import FastAPI

# ... build the Gradio UI as `demo`, every endpoint with an explicit api_name and examples ...

app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok"}


app = gr.mount_gradio_app(app, demo, path="/")

if __name__ == "__main__":
    uvicorn.run(
        app,
        host=os.environ.get("GRADIO_SERVER_NAME", "0.0.0.0"),
        port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
    )
```"#;

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

/// The task for reproducing the article at `article` (a file) with `model_id`, if given.
pub fn task(article: &Path, model_id: Option<&str>, mode: ImplementationMode) -> String {
    let model = model_id
        .map(|id| format!("Use the model `{id}` from the Hugging Face Hub.\n\n"))
        .unwrap_or_default();
    format!(
        "# Task: reproduce an article as a Gradio Space\n\n\
         The article is in the file `{article}`: read it first. {model}\
         Build, in the current folder, a Gradio app that demonstrates the article's method with \
         real model inference. The worker uploads the whole folder as it is (sub-folders and \
         packages included), asks for ZeroGPU hardware, starts the Space, calls `GET /health` and \
         then the app's API. Do not deploy anything yourself.\n\n\
         {rule}\n\n\
         ## The app\n\n\
         - `app.py` has this shape (FastAPI with `/health`, Gradio mounted at `/`):\n\n{APP_SHAPE}\n\n\
         - One main endpoint with an explicit `api_name` and at least one example input, so it \
         can be called without a person.\n\
         - `requirements.txt` lists every package the app imports besides Gradio, FastAPI and \
         uvicorn. On ZeroGPU, import `spaces` and decorate the GPU function with `@spaces.GPU`.\n\
         - `README.md` starts with Space front matter (`sdk: gradio`, `app_file: app.py`).\n\
         - Code may live in a package folder with `__init__.py`; keep model weights out of the \
         folder (load them from the Hub at start).\n\n\
         ## Honesty rules\n\n\
         - No silent placeholders: never return canned, random or echoed text as if it were \
         model output. Anything that does not run for real is labelled as such in the UI.\n\
         - Before declaring flash-attn a blocker, investigate and try the alternatives: PyTorch \
         SDPA (`attn_implementation=\"sdpa\"`), xformers, and the Hugging Face Kernels builds of \
         flash-attn (the `kernels` package). Record what you tried.\n\
         - If real inference cannot be wired, write `TECHNICAL_BLOCKERS.json` in the folder:\n\
         `{{\"blockers\": [{{\"component\": \"…\", \"problem\": \"…\", \"evidence\": \"…\", \
         \"alternatives_tried\": [\"sdpa: …\", \"xformers: …\", \"kernels: …\"]}}], \"summary\": \"…\"}}`\n\
         - Never print environment variables or tokens.\n\n\
         End with a short final answer: what the app does, its endpoint, and whether it runs \
         real inference. The worker checks all of it itself.\n",
        article = article.display(),
        rule = mode_rule(mode),
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
