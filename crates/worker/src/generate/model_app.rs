//! Phase 5's apps: a Gradio app per Transformers text task, loading the model from the Hub
//! by id (`HF_ENDPOINT` decides which Hub), with inputs and examples that suit the task,
//! and the call the worker makes to check the live app. A text classifier with an ONNX
//! export gets an app that runs it with ONNX Runtime and `tokenizers` instead of PyTorch
//! ([`Runtime::OnnxRuntime`]), scoring as Transformers' pipeline does.

use serde::Serialize;
use serde_json::{json, Value};

use super::{GeneratedFile, SpaceCard};
use crate::model::hardware::ZERO_GPU;
use crate::model::support::{Runtime, TextTask};
use crate::model::ModelFacts;
use crate::space::proof;
use runs::proof::OutputKind;

/// What the worker checks in the live app's answer (the first output of the call).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum AnswerRule {
    /// A string that starts with this text (text generation returns the prompt and its
    /// continuation).
    TextStartingWith(String),
    /// Any string (seq2seq output of a model we cannot predict).
    Text,
    /// A `gr.Label` value: `{"label": …, "confidences": [...]}`.
    Label,
    /// A JSON list (e.g. token-classification entities).
    List,
}

impl AnswerRule {
    /// Checks one output; `Ok` says what was seen, `Err` what was wrong.
    pub fn check(&self, output: &Value) -> Result<String, String> {
        let prompt = match self {
            AnswerRule::TextStartingWith(prefix) => Value::String(prefix.clone()),
            _ => Value::Null,
        };
        proof::fits(self.output_kind(), &prompt, output)
    }

    /// What the pipeline's real output looks like, for the inference proof.
    pub fn output_kind(&self) -> OutputKind {
        match self {
            AnswerRule::TextStartingWith(_) => OutputKind::Continuation,
            AnswerRule::Text => OutputKind::Text,
            AnswerRule::Label => OutputKind::Label,
            AnswerRule::List => OutputKind::List,
        }
    }
}

/// The app's files and the call that validates it.
#[derive(Debug, Clone)]
pub struct ModelApp {
    /// `app.py`, `requirements.txt`, `README.md`.
    pub files: Vec<GeneratedFile>,
    /// The endpoint to call, e.g. `/generate`.
    pub api_name: String,
    /// The call's inputs (the first example).
    pub inputs: Vec<Value>,
    /// The inference proof's second inputs: `inputs` with another text for the task.
    pub proof_inputs: Vec<Value>,
    /// What the answer must look like.
    pub rule: AnswerRule,
}

/// `app.py` around the task's part, filled by [`generate`].
const APP_TEMPLATE: &str = include_str!("model_app.py.tmpl");
/// The task's model code and the `gr.Interface` serving it, filled by [`TaskPart::python`].
const INTERFACE_TEMPLATE: &str = include_str!("model_app_interface.py.tmpl");
/// A text classifier's code on ONNX Runtime (`{{file}}`: the export's path, Python).
const ONNX_CLASSIFIER: &str = include_str!("model_app_onnx_classifier.py.tmpl");
/// What [`ONNX_CLASSIFIER`] imports.
const ONNX_IMPORTS: &str = "import json\n\nimport numpy as np\nimport onnxruntime as ort\nfrom huggingface_hub import hf_hub_download\nfrom tokenizers import Tokenizer";

/// What the generated app requires besides Gradio (which every Gradio Space has, with
/// `numpy` and `huggingface_hub`).
pub fn requirements(task: TextTask, runtime: &Runtime) -> String {
    if let Runtime::OnnxRuntime { .. } = runtime {
        return "onnxruntime>=1.17,<2\ntokenizers>=0.19,<1\n".into();
    }
    let mut r = String::from("transformers>=5,<6\ntorch\n");
    if task.is_seq2seq() {
        r.push_str("sentencepiece\n");
    }
    r
}

/// Generates the app for `facts`' model and `task`. On ZeroGPU (`hardware` is
/// [`ZERO_GPU`]) the model is put on `cuda` at start-up and the inference function borrows
/// the GPU with `@spaces.GPU` (the `spaces` package is installed on ZeroGPU hardware).
pub fn generate(
    facts: &ModelFacts,
    task: TextTask,
    runtime: &Runtime,
    space_title: &str,
    hardware: Option<&str>,
) -> ModelApp {
    let zero_gpu = hardware == Some(ZERO_GPU);
    let (deco, dev, to_dev) = if zero_gpu {
        ("@spaces.GPU\n", ", device=\"cuda\"", ".to(\"cuda\")")
    } else {
        ("", "", "")
    };
    let model_id = facts.id.to_string();
    let example = example_text(facts, task);
    let ex = py(&example);
    let text_box = |label: &str, lines: u8| {
        format!("gr.Textbox(label={}, lines={lines}, value={ex})", py(label))
    };
    let part = match task {
        TextTask::TextGeneration => TaskPart {
            api: "generate".into(),
            code: format!(
                r#"generator = pipeline("text-generation", model=MODEL_ID{dev})


{deco}def generate(prompt: str) -> str:
    """Continues the prompt (greedy, so the same prompt gives the same text)."""
    out = generator(prompt, max_new_tokens=MAX_NEW_TOKENS, do_sample=False, return_full_text=True)
    return out[0]["generated_text"]
"#
            ),
            inputs: text_box("Prompt", 3),
            outputs: r#"gr.Textbox(label="Prompt and continuation")"#.into(),
            example_row: ex.clone(),
            call: vec![json!(example)],
            rule: AnswerRule::TextStartingWith(example.clone()),
        },
        TextTask::TextClassification => TaskPart {
            api: "classify".into(),
            code: match runtime {
                Runtime::OnnxRuntime { file } => {
                    crate::template::fill(ONNX_CLASSIFIER, &[("file", &py(file))])
                }
                Runtime::Transformers => format!(
                    r#"classifier = pipeline("text-classification", model=MODEL_ID{dev}, top_k=None)


{deco}def classify(text: str) -> dict:
    """Scores every label of the model for the text."""
    scores = classifier(text)
    if scores and isinstance(scores[0], list):
        scores = scores[0]
    return {{s["label"]: float(s["score"]) for s in scores}}
"#
                ),
            },
            inputs: text_box("Text", 3),
            outputs: r#"gr.Label(label="Labels")"#.into(),
            example_row: ex.clone(),
            call: vec![json!(example)],
            rule: AnswerRule::Label,
        },
        TextTask::TokenClassification => TaskPart {
            api: "tag".into(),
            code: format!(
                r#"tagger = pipeline("token-classification", model=MODEL_ID{dev}, aggregation_strategy="simple")


{deco}def tag(text: str) -> list:
    """Labels the entities of the text."""
    return [
        {{"entity": e["entity_group"], "word": e["word"], "score": float(e["score"]), "start": int(e["start"]), "end": int(e["end"])}}
        for e in tagger(text)
    ]
"#
            ),
            inputs: text_box("Text", 3),
            outputs: r#"gr.JSON(label="Entities")"#.into(),
            example_row: ex.clone(),
            call: vec![json!(example)],
            rule: AnswerRule::List,
        },
        TextTask::FillMask => TaskPart {
            api: "fill_mask".into(),
            code: format!(
                r#"filler = pipeline("fill-mask", model=MODEL_ID{dev})


{deco}def fill_mask(text: str) -> dict:
    """Proposes tokens for the mask; `[MASK]` stands for the model's own mask token."""
    text = text.replace("[MASK]", filler.tokenizer.mask_token)
    return {{p["token_str"]: float(p["score"]) for p in filler(text)}}
"#
            ),
            inputs: text_box("Text with [MASK]", 2),
            outputs: r#"gr.Label(label="Candidates")"#.into(),
            example_row: ex.clone(),
            call: vec![json!(example)],
            rule: AnswerRule::Label,
        },
        TextTask::ZeroShotClassification => {
            let labels = "positive, negative, neutral";
            TaskPart {
                api: "zero_shot".into(),
                code: format!(
                    r#"classifier = pipeline("zero-shot-classification", model=MODEL_ID{dev})


{deco}def zero_shot(text: str, labels: str) -> dict:
    """Scores the text against comma-separated candidate labels."""
    candidates = [l.strip() for l in labels.split(",") if l.strip()]
    out = classifier(text, candidate_labels=candidates)
    return dict(zip(out["labels"], (float(s) for s in out["scores"])))
"#
                ),
                inputs: format!(
                    r#"[{}, gr.Textbox(label="Labels (comma-separated)", value={})]"#,
                    text_box("Text", 3),
                    py(labels)
                ),
                outputs: r#"gr.Label(label="Scores")"#.into(),
                example_row: format!("{ex}, {}", py(labels)),
                call: vec![json!(example), json!(labels)],
                rule: AnswerRule::Label,
            }
        }
        TextTask::Summarization | TextTask::Translation | TextTask::Text2TextGeneration => {
            let (api, label) = match task {
                TextTask::Summarization => ("summarize", "Summary"),
                TextTask::Translation => ("translate", "Translation"),
                _ => ("generate", "Output"),
            };
            let prefix = py(&task_prefix(facts, task));
            TaskPart {
                api: api.into(),
                code: format!(
                    r#"tokenizer = AutoTokenizer.from_pretrained(MODEL_ID)
model = AutoModelForSeq2SeqLM.from_pretrained(MODEL_ID){to_dev}
PREFIX = {prefix}


{deco}def {api}(text: str) -> str:
    """Runs the seq2seq model on the text (with the task prefix its config asks for)."""
    inputs = tokenizer(PREFIX + text, return_tensors="pt", truncation=True).to(model.device)
    out = model.generate(**inputs, max_new_tokens=MAX_NEW_TOKENS, do_sample=False)
    return tokenizer.decode(out[0], skip_special_tokens=True)
"#
                ),
                inputs: text_box("Text", 6),
                outputs: format!("gr.Textbox(label={})", py(label)),
                example_row: ex.clone(),
                call: vec![json!(example)],
                rule: AnswerRule::Text,
            }
        }
    };
    let body = part.python();
    let api = part.api.as_str();
    let mut imports = match runtime {
        Runtime::OnnxRuntime { .. } => ONNX_IMPORTS,
        Runtime::Transformers if task.is_seq2seq() => {
            "from transformers import AutoModelForSeq2SeqLM, AutoTokenizer"
        }
        Runtime::Transformers => "from transformers import pipeline",
    }
    .to_owned();
    if zero_gpu {
        imports = format!("import spaces\n{imports}");
    }
    let description = format!(
        "{} with [{model_id}](https://huggingface.co/{model_id}).",
        sentence_case(task.tag())
    );
    let app = crate::template::fill(
        APP_TEMPLATE,
        &[
            ("title", &space_title.replace('"', "'")),
            ("task", task.tag()),
            ("model_id", &model_id),
            ("imports", &imports),
            ("model", &py(&model_id)),
            ("title_py", &py(space_title)),
            ("description", &py(&description)),
            ("body", &body),
        ],
    );
    let mut body = format!(
        "# {space_title}\n\nA {} app for the model [{model_id}](https://huggingface.co/{model_id}), generated by Space Factory (phase 5) from its model card. The endpoint `/{api}` takes the inputs shown in the app.",
        task.tag()
    );
    if let Some(license) = facts.info.license() {
        body.push_str(&format!("\n\nThe model's license: `{license}`."));
    }
    let card = SpaceCard {
        title: space_title.to_owned(),
        emoji: "🤗".into(),
        short_description: format!("{} with {}", sentence_case(task.tag()), facts.id.name()),
        body,
    };
    ModelApp {
        files: vec![
            GeneratedFile {
                path: "app.py".into(),
                content: app,
            },
            GeneratedFile {
                path: "requirements.txt".into(),
                content: requirements(task, runtime),
            },
            card.to_readme(),
        ],
        api_name: format!("/{api}"),
        proof_inputs: proof_inputs(task, &part.call),
        inputs: part.call,
        rule: part.rule,
    }
}

/// One task's share of `app.py` and of its check: the model code with its function, and
/// the parts of the `gr.Interface` that serves it (every task's Interface has one shape).
struct TaskPart {
    /// The function's name, which is also the endpoint's.
    api: String,
    /// Loading the model, then the function (ending in a newline).
    code: String,
    /// The Interface's `inputs=` (Python).
    inputs: String,
    /// The Interface's `outputs=` (Python).
    outputs: String,
    /// The example's row in `examples=[[…]]` (Python).
    example_row: String,
    /// The inputs of the worker's check call (the example).
    call: Vec<Value>,
    /// What the check call's answer must look like.
    rule: AnswerRule,
}

impl TaskPart {
    /// The code, then the Interface serving the function at its endpoint.
    fn python(&self) -> String {
        crate::template::fill(
            INTERFACE_TEMPLATE,
            &[
                ("code", &self.code),
                ("api", &self.api),
                ("inputs", &self.inputs),
                ("outputs", &self.outputs),
                ("row", &self.example_row),
            ],
        )
    }
}

/// The card's own widget example when it has one, else one that suits the task.
fn example_text(facts: &ModelFacts, task: TextTask) -> String {
    let widget = facts
        .info
        .extra
        .get("widgetData")
        .and_then(Value::as_array)
        .and_then(|w| w.iter().find_map(|e| e.get("text").and_then(Value::as_str)))
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= 500);
    if let Some(w) = widget {
        if task != TextTask::FillMask || w.contains("[MASK]") {
            return w.to_owned();
        }
    }
    match task {
        TextTask::TextGeneration => "Once upon a time",
        TextTask::TextClassification | TextTask::ZeroShotClassification => {
            "I loved this film: the story and the music were wonderful."
        }
        TextTask::TokenClassification => "My name is Clara and I live in Berkeley, California.",
        TextTask::FillMask => "Paris is the [MASK] of France.",
        TextTask::Summarization => {
            "The tower is 324 metres tall, about the same height as an 81-storey building, and the tallest structure in Paris. Its base is square, measuring 125 metres on each side. During its construction, the Eiffel Tower surpassed the Washington Monument to become the tallest man-made structure in the world."
        }
        TextTask::Translation => "The weather is nice today.",
        TextTask::Text2TextGeneration => "What is the capital of France?",
    }
    .to_owned()
}

/// `call` with its text replaced by another that suits `task` (the inference proof's
/// second call), never the same text.
fn proof_inputs(task: TextTask, call: &[Value]) -> Vec<Value> {
    let text = match task {
        TextTask::TextGeneration => "The weather in the mountains",
        TextTask::TextClassification | TextTask::ZeroShotClassification => {
            "The service was slow and the food arrived cold."
        }
        TextTask::TokenClassification => "Ada Lovelace was born in London, England.",
        TextTask::FillMask => "The sun rises in the [MASK].",
        TextTask::Summarization => {
            "The library opened in 1901 with a thousand books. It now holds two million, lends them in forty languages, and its reading room seats five hundred people under a glass roof that was restored last year."
        }
        TextTask::Translation => "The museum opens at nine in the morning.",
        TextTask::Text2TextGeneration => "What is the largest planet of the solar system?",
    };
    let mut inputs = call.to_vec();
    let example = inputs.first().and_then(Value::as_str).unwrap_or_default();
    let text = if text != example {
        text
    } else if task == TextTask::FillMask {
        proof::WORKER_MASKED_SENTENCE
    } else {
        proof::WORKER_SENTENCE
    };
    if let Some(first) = inputs.first_mut() {
        *first = json!(text);
    }
    inputs
}

/// The input prefix the model's config asks for (`task_specific_params`), e.g. T5's
/// `summarize: `.
fn task_prefix(facts: &ModelFacts, task: TextTask) -> String {
    let params = facts
        .config
        .as_ref()
        .and_then(|c| c.get("task_specific_params"))
        .and_then(Value::as_object);
    let Some(params) = params else {
        return String::new();
    };
    let entry = match task {
        TextTask::Summarization => params.get("summarization"),
        TextTask::Translation => params
            .iter()
            .find(|(k, _)| k.starts_with("translation"))
            .map(|(_, v)| v),
        _ => None,
    };
    entry
        .and_then(|e| e.get("prefix"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn sentence_case(tag: &str) -> String {
    let words = tag.replace('-', " ");
    let mut c = words.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A Python string literal (a JSON string is one, escapes included).
fn py(text: &str) -> String {
    serde_json::to_string(text).expect("strings serialize")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(extra: Value, config: Option<Value>) -> ModelFacts {
        let mut info = json!({"id": "alice/m", "tags": ["license:mit"]});
        info.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        ModelFacts {
            id: "alice/m".parse().unwrap(),
            info: serde_json::from_value(info).unwrap(),
            card_body: None,
            config,
            unreadable: Vec::new(),
        }
    }

    fn compiles(source: &str) -> bool {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.py");
        std::fs::write(&path, source).unwrap();
        let python = std::env::var("SPACE_FACTORY_PYTHON").unwrap_or_else(|_| "python3".into());
        std::process::Command::new(python)
            .args(["-m", "py_compile"])
            .arg(&path)
            .status()
            .expect("python3 runs")
            .success()
    }

    #[test]
    fn every_task_gets_a_valid_app_with_its_endpoint_and_example() {
        let f = facts(json!({}), None);
        for task in TextTask::ALL {
            let app = generate(&f, task, &Runtime::Transformers, "My \"quoted\" app", None);
            let paths: Vec<_> = app.files.iter().map(|f| f.path.as_str()).collect();
            assert_eq!(paths, ["app.py", "requirements.txt", "README.md"]);
            let py = &app.files[0].content;
            assert!(compiles(py), "{task:?}:\n{py}");
            assert!(py.contains("MODEL_ID = \"alice/m\""));
            let api = app.api_name.trim_start_matches('/');
            assert!(py.contains(&format!("api_name=\"{api}\"")), "{task:?}");
            let example = app.inputs[0].as_str().unwrap();
            assert!(py.contains(&serde_json::to_string(example).unwrap()));
            // The proof's second call differs in its text only, and suits the task.
            assert_eq!(app.proof_inputs.len(), app.inputs.len(), "{task:?}");
            assert_ne!(app.proof_inputs[0], app.inputs[0], "{task:?}");
            assert_eq!(app.proof_inputs[1..], app.inputs[1..], "{task:?}");
            if task == TextTask::FillMask {
                assert!(app.proof_inputs[0].as_str().unwrap().contains("[MASK]"));
            }
            assert!(app.files[1].content.contains("transformers>=5,<6\ntorch\n"));
            assert!(!app.files[1].content.contains("gradio"));
            assert!(app.files[2].content.contains("sdk: gradio"));
            assert!(app.files[2].content.contains("license: `mit`"));
        }
    }

    #[test]
    fn card_widget_examples_and_config_prefixes_are_used() {
        let f = facts(
            json!({"widgetData": [{"text": "The sky is"}]}),
            Some(json!({"task_specific_params": {"summarization": {"prefix": "summarize: "}}})),
        );
        let gen = generate(
            &f,
            TextTask::TextGeneration,
            &Runtime::Transformers,
            "t",
            None,
        );
        assert_eq!(gen.inputs, [json!("The sky is")]);
        assert_eq!(gen.rule.output_kind(), OutputKind::Continuation);
        // A card example that is the proof's own text still gets a different second input.
        let same = facts(
            json!({"widgetData": [{"text": "The weather in the mountains"}]}),
            None,
        );
        let gen_same = generate(
            &same,
            TextTask::TextGeneration,
            &Runtime::Transformers,
            "t",
            None,
        );
        assert_eq!(gen_same.proof_inputs, [json!(proof::WORKER_SENTENCE)]);
        assert_eq!(gen.rule, AnswerRule::TextStartingWith("The sky is".into()));
        let sum = generate(
            &f,
            TextTask::Summarization,
            &Runtime::Transformers,
            "t",
            None,
        );
        assert!(sum.files[0].content.contains("PREFIX = \"summarize: \""));
        assert!(sum.files[1].content.contains("sentencepiece"));
        let fill = generate(&f, TextTask::FillMask, &Runtime::Transformers, "t", None);
        assert!(
            fill.inputs[0].as_str().unwrap().contains("[MASK]"),
            "a widget text without a mask is not a fill-mask example"
        );
    }

    #[test]
    fn zero_gpu_apps_borrow_the_gpu_for_inference() {
        let f = facts(json!({}), None);
        for task in TextTask::ALL {
            let cpu = generate(&f, task, &Runtime::Transformers, "t", Some("cpu-basic"));
            assert!(!cpu.files[0].content.contains("spaces"), "{task:?}");
            assert!(!cpu.files[0].content.contains("cuda"), "{task:?}");
            let zero = generate(&f, task, &Runtime::Transformers, "t", Some(ZERO_GPU));
            let py = &zero.files[0].content;
            assert!(compiles(py), "{task:?}:\n{py}");
            assert!(py.contains("import spaces\n"), "{task:?}");
            assert_eq!(
                py.matches("@spaces.GPU\ndef ").count(),
                1,
                "{task:?}:\n{py}"
            );
            assert!(py.contains("\"cuda\""), "{task:?}");
        }
    }

    #[test]
    fn an_onnx_classifier_app_runs_its_export_without_pytorch() {
        let f = facts(json!({}), None);
        let runtime = Runtime::OnnxRuntime {
            file: "onnx/model.onnx".into(),
        };
        let app = generate(&f, TextTask::TextClassification, &runtime, "t", None);
        let py = &app.files[0].content;
        assert!(compiles(py), "{py}");
        assert!(py.contains("ONNX_FILE = \"onnx/model.onnx\""), "{py}");
        assert!(py.contains("import onnxruntime as ort"), "{py}");
        assert!(py.contains("api_name=\"classify\""), "{py}");
        assert!(!py.contains("transformers"), "{py}");
        assert_eq!(app.api_name, "/classify");
        assert_eq!(app.rule, AnswerRule::Label);
        let reqs = &app.files[1].content;
        assert_eq!(reqs, &requirements(TextTask::TextClassification, &runtime));
        assert!(!reqs.contains("torch"), "{reqs}");
        assert!(reqs.contains("onnxruntime"), "{reqs}");
        // The Transformers app of the same task is unchanged.
        let pt = generate(
            &f,
            TextTask::TextClassification,
            &Runtime::Transformers,
            "t",
            None,
        );
        assert!(pt.files[0]
            .content
            .contains("pipeline(\"text-classification\""));
        assert_eq!(app.inputs, pt.inputs);
        assert_eq!(app.proof_inputs, pt.proof_inputs);
    }

    #[test]
    fn expectations_judge_outputs() {
        let starts = AnswerRule::TextStartingWith("Hi".into());
        assert!(starts.check(&json!("Hi there")).is_ok());
        assert!(starts.check(&json!("Bye")).is_err());
        assert!(starts.check(&json!(3)).is_err());
        assert!(AnswerRule::Label
            .check(&json!({"label": "POSITIVE", "confidences": []}))
            .is_ok());
        assert!(AnswerRule::Label.check(&json!("POSITIVE")).is_err());
        assert!(AnswerRule::List.check(&json!([])).is_ok());
        assert!(AnswerRule::Text.check(&json!(null)).is_err());
    }
}
