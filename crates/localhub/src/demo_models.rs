//! Tiny demo models every embedded hub serves under the namespace [`NAMESPACE`], so the
//! model recipes (phase 5's model-card app, phase 6's runtime recommender) work on a fresh
//! machine with no network: one per Transformers text pipeline phase 5 builds apps for,
//! a gated one, one that names no pipeline, and two text classifiers exported as ONNX, which
//! run without PyTorch, one of them with a zero head whose output is constant ([`ALL`]).
//!
//! Each is a real checkpoint at toy sizes (a few hundred KB): `config.json`,
//! `tokenizer.json` + `tokenizer_config.json` (a fast tokenizer), randomly initialised
//! weights (seeded by the model id: the same bytes on every machine), `model.safetensors`
//! for Transformers or `onnx/model.onnx` ([`onnx`]), and a `README.md` card that says what
//! the model is: its output is meaningless.
//!
//! [`seed`] writes the files a data folder lacks (a folder kept across restarts keeps its
//! files) and records the repos, which are public and owned by `space-factory-demo`: no local user is
//! called that (the hub refuses to start with one), so nobody can write to them, and
//! nobody is granted the gated one.

mod bert;
mod card;
mod gpt2;
mod onnx;
mod seed;
mod t5;
pub mod tokenizers;
pub mod weights;

use serde_json::{json, Map, Value};

use bert::{Bert, BertHead};
use gpt2::Gpt2;
use onnx::{BagClassifier, Head};
use t5::T5;
use tokenizers::TokenizerFiles;
use weights::Tensor;

pub use seed::seed;

/// The namespace of the demo models; no user may have this name.
pub const NAMESPACE: &str = runs::demo::MODEL_NAMESPACE;
/// GPT-2 for `text-generation` (phase 5's default example). Its `model.safetensors`
/// holds the F32 tensor `wte.weight` of shape `[vocab, n_embd]`, and its
/// `tokenizer.json`'s `model.vocab` is a `{token: id}` object; both stay so.
pub const TEXT_GENERATION: &str = runs::demo::TEXT_GENERATION_MODEL;
/// BERT for `fill-mask`.
pub const FILL_MASK: &str = "space-factory-demo/tiny-bert";
/// BERT for `text-classification` (NEGATIVE / POSITIVE).
pub const TEXT_CLASSIFICATION: &str = "space-factory-demo/tiny-bert-sentiment";
/// BERT for `token-classification` (PER / LOC entities).
pub const TOKEN_CLASSIFICATION: &str = "space-factory-demo/tiny-bert-ner";
/// BERT with NLI labels for `zero-shot-classification`.
pub const ZERO_SHOT_CLASSIFICATION: &str = "space-factory-demo/tiny-bert-nli";
/// T5 for `text2text-generation`.
pub const TEXT2TEXT_GENERATION: &str = "space-factory-demo/tiny-t5";
/// T5 for `summarization` (prefix `summarize: `).
pub const SUMMARIZATION: &str = "space-factory-demo/tiny-t5-summarize";
/// T5 for `translation` (English to French).
pub const TRANSLATION: &str = "space-factory-demo/tiny-t5-en-fr";
/// A GPT-2 gated with manual approval: its files answer 401/403 to every local user.
pub const GATED: &str = "space-factory-demo/tiny-gated";
/// A BERT encoder whose card and config name no pipeline.
pub const NO_PIPELINE: &str = "space-factory-demo/tiny-no-pipeline";
/// An ONNX text classifier (NEGATIVE / POSITIVE) whose scores depend on the text.
pub const ONNX_TEXT_CLASSIFICATION: &str = "space-factory-demo/tiny-onnx-sentiment";
/// An ONNX text classifier whose head is zero: every text gets the same scores.
pub const CONSTANT_TEXT_CLASSIFICATION: &str = "space-factory-demo/tiny-onnx-constant";

/// The files of every Transformers demo model.
pub const FILES: [&str; 5] = [
    "README.md",
    "config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "model.safetensors",
];

/// The files of every ONNX demo model: the export where the Hub's ONNX repos keep it.
pub const ONNX_FILES: [&str; 5] = [
    "README.md",
    "config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    ONNX_WEIGHTS,
];

/// Where an ONNX demo model's network is.
pub const ONNX_WEIGHTS: &str = "onnx/model.onnx";

/// The card tag every demo model has, to find them by.
pub const TAG: &str = "space-factory-demo";

/// What a demo model is built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Gpt2,
    Bert(BertHead),
    T5(T5Task),
    /// A bag-of-embeddings text classifier in ONNX.
    Onnx(Head),
}

/// The task a demo T5 is configured for (its input prefix).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum T5Task {
    Text2Text,
    Summarize,
    EnglishToFrench,
}

/// A repo's files, `(path, bytes)`.
pub type Files = Vec<(&'static str, Vec<u8>)>;

/// One demo model, as the wizard or server may suggest it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoModel {
    /// The repo id, e.g. `space-factory-demo/tiny-gpt2`.
    pub id: &'static str,
    /// The card's `pipeline_tag`, when it has one.
    pub pipeline_tag: Option<&'static str>,
    /// Whether access is gated (nobody is granted it).
    pub gated: bool,
    /// One line on what it is, for people.
    pub description: &'static str,
    kind: Kind,
}

const SENTIMENT: &[&str] = &["NEGATIVE", "POSITIVE"];
const ENTITIES: &[&str] = &["O", "B-PER", "I-PER", "B-LOC", "I-LOC"];
const NLI: &[&str] = &["contradiction", "neutral", "entailment"];

/// Every demo model.
pub const ALL: &[DemoModel] = &[
    DemoModel {
        id: TEXT_GENERATION,
        pipeline_tag: Some("text-generation"),
        gated: false,
        description: "a tiny random GPT-2 that continues a prompt (text-generation)",
        kind: Kind::Gpt2,
    },
    DemoModel {
        id: FILL_MASK,
        pipeline_tag: Some("fill-mask"),
        gated: false,
        description: "a tiny random BERT that fills in [MASK] (fill-mask)",
        kind: Kind::Bert(BertHead::MaskedLm),
    },
    DemoModel {
        id: TEXT_CLASSIFICATION,
        pipeline_tag: Some("text-classification"),
        gated: false,
        description: "a tiny random BERT that labels a text NEGATIVE or POSITIVE (text-classification)",
        kind: Kind::Bert(BertHead::Sequence(SENTIMENT)),
    },
    DemoModel {
        id: TOKEN_CLASSIFICATION,
        pipeline_tag: Some("token-classification"),
        gated: false,
        description: "a tiny random BERT that tags people and places (token-classification)",
        kind: Kind::Bert(BertHead::Token(ENTITIES)),
    },
    DemoModel {
        id: ZERO_SHOT_CLASSIFICATION,
        pipeline_tag: Some("zero-shot-classification"),
        gated: false,
        description: "a tiny random BERT with NLI labels that scores a text against any labels (zero-shot-classification)",
        kind: Kind::Bert(BertHead::Sequence(NLI)),
    },
    DemoModel {
        id: TEXT2TEXT_GENERATION,
        pipeline_tag: Some("text2text-generation"),
        gated: false,
        description: "a tiny random T5 that turns a text into another (text2text-generation)",
        kind: Kind::T5(T5Task::Text2Text),
    },
    DemoModel {
        id: SUMMARIZATION,
        pipeline_tag: Some("summarization"),
        gated: false,
        description: "a tiny random T5 set up to summarize (summarization)",
        kind: Kind::T5(T5Task::Summarize),
    },
    DemoModel {
        id: TRANSLATION,
        pipeline_tag: Some("translation"),
        gated: false,
        description: "a tiny random T5 set up to translate English to French (translation)",
        kind: Kind::T5(T5Task::EnglishToFrench),
    },
    DemoModel {
        id: GATED,
        pipeline_tag: Some("text-generation"),
        gated: true,
        description: "a tiny random GPT-2 behind a gate nobody is granted (gated)",
        kind: Kind::Gpt2,
    },
    DemoModel {
        id: NO_PIPELINE,
        pipeline_tag: None,
        gated: false,
        description: "a tiny random BERT encoder that names no pipeline task",
        kind: Kind::Bert(BertHead::None),
    },
    DemoModel {
        id: ONNX_TEXT_CLASSIFICATION,
        pipeline_tag: Some("text-classification"),
        gated: false,
        description: "a tiny random ONNX classifier that labels a text NEGATIVE or POSITIVE, run without PyTorch (text-classification)",
        kind: Kind::Onnx(Head::Random),
    },
    DemoModel {
        id: CONSTANT_TEXT_CLASSIFICATION,
        pipeline_tag: Some("text-classification"),
        gated: false,
        description: "a tiny ONNX classifier whose head is zero, so every text gets the same scores: a constant output (text-classification)",
        kind: Kind::Onnx(Head::Zero),
    },
];

/// The demo model with this id.
pub fn find(id: &str) -> Option<&'static DemoModel> {
    ALL.iter().find(|m| m.id == id)
}

impl DemoModel {
    /// The repo name without the namespace.
    pub fn name(&self) -> &'static str {
        self.id.split_once('/').map_or(self.id, |(_, n)| n)
    }

    /// The card's `library_name`: `onnx` for the ONNX exports, else `transformers`.
    pub fn library_name(&self) -> &'static str {
        match self.kind {
            Kind::Onnx(_) => "onnx",
            _ => "transformers",
        }
    }

    /// The paths of the repo's files: [`FILES`] or [`ONNX_FILES`].
    pub fn file_names(&self) -> [&'static str; 5] {
        match self.kind {
            Kind::Onnx(_) => ONNX_FILES,
            _ => FILES,
        }
    }

    /// Every file of the repo, `(path, bytes)`, in [`DemoModel::file_names`] order.
    pub fn files(&self) -> Files {
        let built = self.build();
        let parameters: usize = built.tensors.iter().map(Tensor::len).sum();
        let seed = weights::seed_of(self.id);
        let weights = match built.onnx {
            Some(network) => network.onnx(seed),
            None => weights::safetensors(&built.tensors, seed),
        };
        let json = |v: &Value| {
            let mut s = serde_json::to_string_pretty(v).expect("JSON");
            s.push('\n');
            s.into_bytes()
        };
        vec![
            (
                "README.md",
                card::card(self, &built, parameters).into_bytes(),
            ),
            ("config.json", json(&built.config)),
            ("tokenizer.json", json(&built.tokenizer.tokenizer)),
            ("tokenizer_config.json", json(&built.tokenizer.config)),
            (self.file_names()[4], weights),
        ]
    }

    fn build(&self) -> Built {
        match self.kind {
            Kind::Gpt2 => {
                let tokenizer = tokenizers::byte_level_bpe();
                let g = Gpt2 {
                    vocab: tokenizer.vocab_size,
                    n_embd: 32,
                    n_layer: 2,
                    n_head: 2,
                    n_positions: 64,
                    eos: tokenizer.vocab_size - 1,
                };
                Built {
                    architecture:
                        "GPT-2 (`GPT2LMHeadModel`): 2 layers, width 32, 2 heads, 64 positions",
                    tokenizer_kind: "byte-level BPE",
                    config: g.config(),
                    tensors: g.tensors(),
                    tokenizer,
                    onnx: None,
                }
            }
            Kind::Bert(head) => {
                let tokenizer = tokenizers::wordpiece();
                let b = Bert {
                    vocab: tokenizer.vocab_size,
                    hidden: 32,
                    layers: 2,
                    heads: 2,
                    intermediate: 64,
                    positions: 64,
                    head,
                };
                Built {
                    architecture: match head {
                        BertHead::MaskedLm => "BERT (`BertForMaskedLM`): 2 layers, width 32, 2 heads",
                        BertHead::Sequence(_) => "BERT (`BertForSequenceClassification`): 2 layers, width 32, 2 heads",
                        BertHead::Token(_) => "BERT (`BertForTokenClassification`): 2 layers, width 32, 2 heads",
                        BertHead::None => "a BERT encoder (`BertModel`, no task head): 2 layers, width 32, 2 heads",
                    },
                    tokenizer_kind: "uncased WordPiece",
                    config: b.config(),
                    tensors: b.tensors(),
                    tokenizer,
                    onnx: None,
                }
            }
            Kind::T5(task) => {
                let tokenizer = tokenizers::unigram();
                let prefix = |key: &str, prefix: &str| {
                    Map::from_iter([(key.to_owned(), json!({ "prefix": prefix }))])
                };
                let task_params = match task {
                    T5Task::Text2Text => Map::new(),
                    T5Task::Summarize => prefix("summarization", "summarize: "),
                    T5Task::EnglishToFrench => {
                        prefix("translation_en_to_fr", "translate English to French: ")
                    }
                };
                let t = T5 {
                    vocab: tokenizer.vocab_size,
                    d_model: 32,
                    d_kv: 16,
                    heads: 2,
                    d_ff: 64,
                    layers: 2,
                    buckets: 32,
                    task_params,
                };
                Built {
                    architecture: "T5 (`T5ForConditionalGeneration`): 2 encoder and 2 decoder blocks, width 32, 2 heads",
                    tokenizer_kind: "Unigram",
                    config: t.config(),
                    tensors: t.tensors(),
                    tokenizer,
                    onnx: None,
                }
            }
            Kind::Onnx(head) => {
                let tokenizer = tokenizers::wordpiece();
                let network = BagClassifier {
                    vocab: tokenizer.vocab_size,
                    hidden: 16,
                    labels: SENTIMENT.len(),
                    head,
                };
                Built {
                    architecture: "a bag of embeddings in ONNX (opset 13: `Gather`, `ReduceMean` over the tokens, `MatMul` by the head, `Add` its bias, giving `logits`): width 16, 2 labels",
                    tokenizer_kind: "uncased WordPiece",
                    config: onnx_config(&network, SENTIMENT),
                    tensors: network.tensors(),
                    tokenizer,
                    onnx: Some(network),
                }
            }
        }
    }
}

/// An ONNX classifier's `config.json`: its sizes and its labels, as exported classifiers
/// keep them (`id2label`, which the app reads).
fn onnx_config(network: &BagClassifier, labels: &[&str]) -> Value {
    let (id2label, label2id) = label_maps(labels);
    json!({
        "model_type": "bag-of-embeddings",
        "vocab_size": network.vocab,
        "hidden_size": network.hidden,
        "max_position_embeddings": 64,
        "id2label": id2label,
        "label2id": label2id,
    })
}

/// A classifier config's `id2label` and `label2id`.
fn label_maps(labels: &[&str]) -> (Value, Value) {
    let id2label: Map<String, Value> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (i.to_string(), json!(l)))
        .collect();
    let label2id: Map<String, Value> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.to_string(), json!(i)))
        .collect();
    (Value::Object(id2label), Value::Object(label2id))
}

/// A model's parts before they become files.
struct Built {
    /// The architecture and its sizes, for the card.
    architecture: &'static str,
    /// The tokenizer's kind, for the card.
    tokenizer_kind: &'static str,
    /// `config.json`.
    config: Value,
    /// The weights to draw.
    tensors: Vec<Tensor>,
    /// `tokenizer.json` and `tokenizer_config.json`.
    tokenizer: TokenizerFiles,
    /// The network, for a model whose weights are an ONNX file.
    onnx: Option<BagClassifier>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_model_lives_in_the_demo_namespace_under_a_unique_name() {
        let mut ids: Vec<&str> = ALL.iter().map(|m| m.id).collect();
        assert!(
            ids.iter()
                .all(|id| id.starts_with("space-factory-demo/tiny-")),
            "{ids:?}"
        );
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), ALL.len());
        assert!(ALL.iter().all(|m| crate::store::valid_name(m.name())));
        assert_eq!(find(TEXT_GENERATION).map(|m| m.kind), Some(Kind::Gpt2));
    }

    #[test]
    fn the_files_are_the_same_bytes_every_time() {
        for m in ALL {
            assert_eq!(m.files(), m.files(), "{}", m.id);
        }
    }

    #[test]
    fn each_config_sizes_its_embeddings_to_its_tokenizer() {
        for m in ALL {
            let built = m.build();
            let vocab = built.config["vocab_size"].as_u64().unwrap() as usize;
            assert_eq!(vocab, built.tokenizer.vocab_size, "{}", m.id);
            let embedding = &built.tensors[0];
            assert_eq!(embedding.shape[0], vocab, "{}: {}", m.id, embedding.name);
        }
    }

    #[test]
    fn a_card_says_the_output_is_meaningless_and_carries_the_demo_tag() {
        for m in ALL {
            let files = m.files();
            let card = String::from_utf8(files[0].1.clone()).unwrap();
            assert!(card.contains("output is meaningless"), "{card}");
            assert!(card.contains("randomly initialised demo model"), "{card}");
            let fm: Value =
                serde_norway::from_str(crate::models::front_matter(&card).unwrap()).unwrap();
            assert_eq!(fm["library_name"], m.library_name(), "{}", m.id);
            assert_eq!(fm["pipeline_tag"].as_str(), m.pipeline_tag, "{}", m.id);
            assert!(fm["tags"].as_array().unwrap().contains(&json!(TAG)));
        }
    }

    #[test]
    fn every_model_is_a_few_hundred_kilobytes_at_most() {
        for m in ALL {
            let total: usize = m.files().iter().map(|(_, b)| b.len()).sum();
            assert!(total < 512 * 1024, "{}: {total} bytes", m.id);
        }
    }
}
