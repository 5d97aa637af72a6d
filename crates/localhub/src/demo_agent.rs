//! The built-in demo agent model: a chat model the embedded hub always serves, so the agent
//! recipes (3, 4 and 8) run out of the box with no model provider.
//!
//! It is not a language model. It recognises the three tasks the factory gives Pi (by their
//! headings) and answers each with the tool calls a capable coding model would make: the
//! named edit (phase 3), the `hf` CLI recipe with the task's own Space id (phase 4), and for
//! an article (phase 8) an app with `/health` that runs one of the embedded hub's demo
//! models for real (or, for a model it cannot run, an honest `TECHNICAL_BLOCKERS.json`).
//! Like a script it is stateless: the turn it plays is the number of assistant messages in
//! the request, so a retried request gets the same answer. Anything else gets one turn of
//! text saying what it can do.

use serde_json::{json, Value};

use crate::inference::{ScriptCall, Turn};

/// The model id the demo agent answers to.
pub const MODEL: &str = runs::demo::AGENT_MODEL;

/// How it is named wherever it shows, so nobody takes it for a real model.
pub const LABEL: &str = runs::demo::AGENT_LABEL;

/// The model of the embedded hub that a phase-8 demo app runs: a tiny GPT-2 with random
/// weights, whose `model.safetensors` holds `wte.weight` and `tokenizer.json` a vocabulary.
pub const APP_MODEL: &str = runs::demo::TEXT_GENERATION_MODEL;

/// The heading of each task the factory gives Pi (the worker's phase 3, 4 and 8 prompts).
const SMOKE_TASK: &str = "# Task: one safe edit";
const RECIPE_TASK: &str = "# Task: build a private Space with the `hf` CLI";
const ARTICLE_TASK: &str = "# Task: reproduce an article as a Gradio Space";

/// Which task a conversation is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DemoTask {
    /// Phase 3: double the exclamation mark of the template app's `shout`.
    SmokeEdit,
    /// Phase 4: build and deploy the reverser Space `space` with the `hf` CLI.
    Recipe {
        /// The exact Space id the task names.
        space: String,
        /// The hardware flavor the task says to create it on, if any.
        flavor: Option<String>,
    },
    /// Phase 8: an app for the article, running `model`.
    Article {
        /// The model the task names, else [`APP_MODEL`].
        model: String,
    },
    /// Anything else.
    Unknown,
}

impl DemoTask {
    /// Recognises the task from the conversation's first user message.
    pub fn recognise(task: &str) -> DemoTask {
        if task.contains(SMOKE_TASK) {
            DemoTask::SmokeEdit
        } else if task.contains(RECIPE_TASK) {
            match between(task, "as the **private** Space `", "`") {
                Some(space) => DemoTask::Recipe {
                    space: space.to_owned(),
                    flavor: between(task, "create it with `--flavor ", "`").map(str::to_owned),
                },
                None => DemoTask::Unknown,
            }
        } else if task.contains(ARTICLE_TASK) {
            let model = between(task, "Use the model `", "`").unwrap_or(APP_MODEL);
            DemoTask::Article {
                model: model.to_owned(),
            }
        } else {
            DemoTask::Unknown
        }
    }

    /// Every turn of the conversation, in order.
    pub fn turns(&self) -> Vec<Turn> {
        match self {
            DemoTask::SmokeEdit => smoke_edit(),
            DemoTask::Recipe { space, flavor } => recipe(space, flavor.as_deref()),
            DemoTask::Article { model } if runs::demo::is_demo_model(model) => article_app(model),
            DemoTask::Article { model } => article_blocked(model),
            DemoTask::Unknown => vec![say(
                "I am the embedded hub's built-in demo agent. I can only carry out the Space \
                 Factory's own demo tasks (recipes 3, 4 and 8); point the factory at a real model \
                 for anything else.",
            )],
        }
    }
}

/// The turn to play for `messages` (an OpenAI chat request's), or the closing text past
/// the end.
pub fn turn(messages: &[Value]) -> Turn {
    let task = messages
        .iter()
        .find(|m| m["role"] == "user")
        .map(message_text)
        .unwrap_or_default();
    let played = messages.iter().filter(|m| m["role"] == "assistant").count();
    DemoTask::recognise(&task)
        .turns()
        .into_iter()
        .nth(played)
        .unwrap_or_else(|| say("Done."))
}

/// A message's text, whether `content` is a string or a list of parts.
fn message_text(message: &Value) -> String {
    match &message["content"] {
        Value::String(text) => text.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = &text[text.find(start)? + start.len()..];
    Some(&rest[..rest.find(end)?]).filter(|s| !s.is_empty())
}

fn say(text: &str) -> Turn {
    Turn {
        content: Some(text.to_owned()),
        tool_calls: Vec::new(),
        error: None,
    }
}

fn calls(calls: Vec<(&str, Value)>) -> Turn {
    Turn {
        content: None,
        tool_calls: calls
            .into_iter()
            .map(|(name, arguments)| ScriptCall {
                name: name.to_owned(),
                arguments,
            })
            .collect(),
        error: None,
    }
}

fn write(path: &str, content: &str) -> (&'static str, Value) {
    ("write", json!({"path": path, "content": content}))
}

fn bash(command: &str) -> (&'static str, Value) {
    ("bash", json!({"command": command}))
}

fn smoke_edit() -> Vec<Turn> {
    vec![
        calls(vec![("read", json!({"path": "app.py"}))]),
        calls(vec![(
            "edit",
            json!({"path": "app.py", "edits": [{
                "oldText": "return text.upper() + \"!\"",
                "newText": "return text.upper() + \"!!\"",
            }]}),
        )]),
        say("Changed the return line of shout in app.py to add two exclamation marks."),
    ]
}

const REVERSER_APP: &str = r#""""Reverses its input: built by the demo agent following the Space Factory recipe."""
import gradio as gr
import spaces


@spaces.GPU(duration=10)
def reverse(text: str) -> str:
    """Returns the text reversed."""
    return text[::-1]


demo = gr.Interface(
    fn=reverse,
    inputs=gr.Textbox(label="Text"),
    outputs=gr.Textbox(label="Reversed"),
    api_name="reverse",
)

if __name__ == "__main__":
    demo.launch()
"#;

const REVERSER_CARD: &str = "---\ntitle: Reverser\nemoji: 🔁\ncolorFrom: blue\ncolorTo: indigo\n\
sdk: gradio\napp_file: app.py\npinned: false\nshort_description: Reverses text\n---\n\n\
Reverses the text it is given. Built by the embedded hub's demo agent.\n";

fn recipe(space: &str, flavor: Option<&str>) -> Vec<Turn> {
    let flavor = flavor.map(|f| format!(" --flavor {f}")).unwrap_or_default();
    vec![
        calls(vec![bash("hf --version && hf auth whoami")]),
        calls(vec![
            write("app.py", REVERSER_APP),
            write("requirements.txt", ""),
            write("README.md", REVERSER_CARD),
        ]),
        calls(vec![bash(&format!(
            "python3 -c \"import ast; ast.parse(open('app.py').read())\" && \
             hf repos create {space} --repo-type space --space-sdk gradio --private{flavor}"
        ))]),
        calls(vec![bash(&format!(
            "hf upload {space} . . --repo-type space --commit-message \"Add the app\""
        ))]),
        say(&format!(
            "Created the private Space {space} and uploaded app.py, requirements.txt and \
             README.md. Endpoint: /reverse."
        )),
    ]
}

/// The phase-8 app: reads the demo model's embedding matrix and vocabulary from the Hub
/// and ranks the vocabulary against the input (a real computation on random weights).
const ARTICLE_APP: &str = r#""""Next-word guesses from MODEL_ID, a tiny demo model of the embedded hub.

Built by the Space Factory demo agent for the article. The model's weights are random, so
its guesses mean nothing; the computation is real: the model's own embedding matrix and
vocabulary, downloaded from the Hub when the app starts.
"""
import json
import os

import gradio as gr
import numpy as np
import spaces
import uvicorn
from fastapi import FastAPI
from huggingface_hub import hf_hub_download

MODEL_ID = "{model}"


def load_model():
    """The token embeddings (`wte.weight`, float32) and the id-to-token table."""
    weights = hf_hub_download(MODEL_ID, "model.safetensors")
    with open(weights, "rb") as f:
        size = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(size))
        data = f.read()
    name = next(k for k in header if k.endswith("wte.weight"))
    entry = header[name]
    start, end = entry["data_offsets"]
    matrix = np.frombuffer(data[start:end], dtype="<f4").reshape(entry["shape"])
    with open(hf_hub_download(MODEL_ID, "tokenizer.json")) as f:
        vocab = json.load(f)["model"]["vocab"]
    return matrix, vocab, {i: t for t, i in vocab.items()}


EMBEDDINGS, VOCAB, TOKENS = load_model()


@spaces.GPU(duration=10)
def guess(text: str) -> str:
    """The five tokens the model ranks highest after `text`, with their scores."""
    ids = [VOCAB[w] for w in text.lower().split() if w in VOCAB]
    if not ids:
        ids = [ord(c) % EMBEDDINGS.shape[0] for c in text] or [0]
    hidden = EMBEDDINGS[ids].mean(axis=0)
    scores = EMBEDDINGS @ hidden
    best = np.argsort(-scores)[:5]
    ranked = ", ".join(f"{TOKENS.get(int(i), '#' + str(int(i)))} ({scores[i]:.3f})" for i in best)
    return f"{MODEL_ID} ranks next: {ranked}"


demo = gr.Interface(
    fn=guess,
    inputs=gr.Textbox(label="Text"),
    outputs=gr.Textbox(label="The model's next-token ranking"),
    title="Next-token ranking with " + MODEL_ID,
    description="A tiny demo model with random weights: real computation, meaningless words.",
    api_name="guess",
    examples=[["the model reads this sentence"]],
    cache_examples=False,
)

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
"#;

fn article_app(model: &str) -> Vec<Turn> {
    let card = format!(
        "---\ntitle: Next-token ranking\nemoji: 🔢\ncolorFrom: blue\ncolorTo: indigo\n\
         sdk: gradio\napp_file: app.py\npinned: false\nshort_description: {model} ranks the \
         next token\n---\n\nRuns `{model}` (a tiny demo model with random weights) on the \
         input: its embedding matrix ranks the vocabulary. Built by the embedded hub's demo \
         agent; `/health` answers for the worker's check.\n"
    );
    vec![
        calls(vec![bash(
            "head -c 400 \"$TMPDIR\"/space-factory-agent-*/article.md",
        )]),
        calls(vec![
            write("app.py", &ARTICLE_APP.replace("{model}", model)),
            write("requirements.txt", "numpy\nhuggingface_hub\n"),
            write("README.md", &card),
        ]),
        calls(vec![bash(
            "python3 -c \"import ast; ast.parse(open('app.py').read())\"",
        )]),
        say(&format!(
            "Built app.py: it downloads {model} from the Hub and ranks its vocabulary against \
             the input with the model's own embeddings (endpoint /guess, plus /health). It runs \
             the real model; the model itself is a random-weight demo."
        )),
    ]
}

fn article_blocked(model: &str) -> Vec<Turn> {
    let blockers = json!({
        "blockers": [{
            "component": "the demo agent",
            "problem": format!("the built-in demo agent can only wire the embedded hub's demo models, not {model}"),
            "evidence": "the demo agent is scripted; it does not write code for arbitrary models",
            "alternatives_tried": ["a demo model of the embedded hub: not the model the task names"],
        }],
        "summary": format!("No app for {model}: choose a real agent model to reproduce it."),
    });
    vec![
        calls(vec![write(
            "TECHNICAL_BLOCKERS.json",
            &serde_json::to_string_pretty(&blockers).unwrap_or_default(),
        )]),
        say(&format!(
            "I could not wire {model}: the demo agent only runs the embedded hub's demo models. \
             TECHNICAL_BLOCKERS.json says so."
        )),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(text: &str) -> Value {
        json!({"role": "user", "content": [{"type": "text", "text": text}]})
    }

    #[test]
    fn each_factory_task_is_recognised_with_its_own_names() {
        assert_eq!(
            DemoTask::recognise("# Task: one safe edit (double-exclamation)\n\n…"),
            DemoTask::SmokeEdit
        );
        assert_eq!(
            DemoTask::recognise(
                "# Task: build a private Space with the `hf` CLI\n\nand deploy it as the \
                 **private** Space `alice/rev`, following"
            ),
            DemoTask::Recipe {
                space: "alice/rev".into(),
                flavor: None,
            }
        );
        assert_eq!(
            DemoTask::recognise("# Task: reproduce an article as a Gradio Space\n\nread it."),
            DemoTask::Article {
                model: APP_MODEL.into()
            }
        );
        assert_eq!(DemoTask::recognise("write me a poem"), DemoTask::Unknown);
        let free = DemoTask::recognise(
            "# Task: build a private Space with the `hf` CLI\n\nas the **private** Space \
             `bob/rev`, now. The account is free: create it with `--flavor zero-a10g` added.",
        );
        let create = &free.turns()[2].tool_calls[0].arguments["command"];
        assert!(
            create
                .as_str()
                .unwrap()
                .contains("--private --flavor zero-a10g"),
            "{create}"
        );
    }

    #[test]
    fn the_turn_played_is_the_number_of_assistant_messages() {
        let task = user(
            "# Task: build a private Space with the `hf` CLI\nas the **private** Space `bob/x` now",
        );
        let first = turn(std::slice::from_ref(&task));
        assert_eq!(first.tool_calls[0].name, "bash");
        let messages = vec![
            task,
            json!({"role": "assistant", "content": null}),
            json!({"role": "tool", "content": "hf 1.0"}),
            json!({"role": "assistant", "content": null}),
            json!({"role": "tool", "content": "ok"}),
        ];
        let third = turn(&messages);
        let command = third.tool_calls[0].arguments["command"].as_str().unwrap();
        assert!(command.contains("hf repos create bob/x"), "{command}");
        assert!(command.contains("--private"), "{command}");
        let past_the_end =
            turn(&[messages.clone(), vec![json!({"role": "assistant"}); 9]].concat());
        assert!(past_the_end.tool_calls.is_empty());
    }

    #[test]
    fn the_article_app_runs_the_model_and_a_foreign_model_is_an_honest_blocker() {
        let app = &DemoTask::Article {
            model: APP_MODEL.into(),
        }
        .turns()[1];
        let code = app.tool_calls[0].arguments["content"].as_str().unwrap();
        assert!(code.contains("hf_hub_download(MODEL_ID"));
        assert!(code.contains(&format!("MODEL_ID = \"{APP_MODEL}\"")));
        assert!(code.contains("@app.get(\"/health\")"));
        assert!(
            code.contains("@spaces.GPU"),
            "ZeroGPU, asked for first, needs one"
        );
        for word in ["placeholder", "scaffold", "dummy", "mock", "todo"] {
            assert!(!code.to_lowercase().contains(word), "{word}");
        }
        let blocked = DemoTask::Article {
            model: "org/big-model".into(),
        }
        .turns();
        assert_eq!(
            blocked[0].tool_calls[0].arguments["path"],
            "TECHNICAL_BLOCKERS.json"
        );
    }
}
