//! The demo models' cards: the front matter the Hub reads (license, library,
//! pipeline, the [`TAG`] tag, a gating prompt) and text that says plainly what the model
//! is: tiny, random, served by the local hub, its output meaningless.

use super::{Built, DemoModel, Head, Kind, TAG};

/// The model card of `model`: front matter the Hub reads, then a plain statement of what it is.
pub(super) fn card(model: &DemoModel, built: &Built, parameters: usize) -> String {
    let mut fm = format!(
        "---\nlicense: apache-2.0\nlibrary_name: {}\nlanguage: en\n",
        model.library_name()
    );
    if let Some(p) = model.pipeline_tag {
        fm.push_str(&format!("pipeline_tag: {p}\n"));
    }
    fm.push_str(&format!("tags:\n  - {TAG}\n  - random-weights\n  - tiny\n"));
    if model.gated {
        fm.push_str("extra_gated_prompt: \"A demo of a gated model: on the local hub nobody is granted access.\"\n");
    }
    fm.push_str("---\n");
    let mut text = format!(
        "# {id}\n\n\
         **This is a tiny, randomly initialised demo model served by Space Factory's embedded \
         local hub. Its weights were never trained: its output is meaningless.** It exists so \
         that the factory's model recipes can be tried on a machine with no network; it is not \
         on huggingface.co. Use a real model from the Hub for real results.\n\n\
         - What it is: {description}.\n\
         - Architecture: {architecture}; {parameters} parameters, float32.\n\
         - Tokenizer: {tokenizer}, {vocab} tokens.\n\
         - Weights: drawn from a fixed seed, so every machine serves the same files.\n",
        id = model.id,
        description = model.description,
        architecture = built.architecture,
        tokenizer = built.tokenizer_kind,
        vocab = built.tokenizer.vocab_size,
    );
    if model.gated {
        text.push_str(
            "\nAccess is gated (manual approval) and no local user is granted it: downloading \
             its files answers 401 when signed out and 403 when signed in, as the Hub answers a \
             user who has not been granted access.\n",
        );
    }
    if model.kind == Kind::Onnx(Head::Zero) {
        text.push_str(
            "\nIts classifier head's weights are zero, so its logits are its bias alone: every \
             text gets the same scores. It is a model whose output does not depend on its input, \
             for trying how the factory tells such output from a model at work.\n",
        );
    }
    if model.pipeline_tag.is_none() {
        text.push_str(
            "\nIts card names no `pipeline_tag` and its config no architecture, so the Hub \
             infers no task for it.\n",
        );
    }
    fm + "\n" + &text
}
