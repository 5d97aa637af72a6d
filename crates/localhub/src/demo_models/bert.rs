//! A tiny BERT: the real architecture's config and tensor names at toy sizes, with the
//! head a task needs (masked LM, sequence or token classification, or none). The `[PAD]`
//! row of the word embeddings is zero, as BERT's `padding_idx` starts it.

use serde_json::{json, Value};

use super::weights::Tensor;

/// What sits on top of the encoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BertHead {
    /// `BertForMaskedLM` (fill-mask); the decoder is tied to the word embeddings.
    MaskedLm,
    /// `BertForSequenceClassification` over these labels (text or zero-shot
    /// classification).
    Sequence(&'static [&'static str]),
    /// `BertForTokenClassification` over these labels (entity tagging).
    Token(&'static [&'static str]),
    /// `BertModel` alone, with its pooler; the config names no architecture.
    None,
}

/// The sizes of a BERT and its head.
#[derive(Debug, Clone, Copy)]
pub struct Bert {
    /// Token ids (`vocab_size`).
    pub vocab: usize,
    /// Width (`hidden_size`).
    pub hidden: usize,
    /// Encoder layers.
    pub layers: usize,
    /// Attention heads.
    pub heads: usize,
    /// The MLP's width (`intermediate_size`).
    pub intermediate: usize,
    /// Longest sequence (`max_position_embeddings`).
    pub positions: usize,
    /// The head.
    pub head: BertHead,
}

impl Bert {
    /// `config.json`, as Transformers writes a BERT's.
    pub fn config(&self) -> Value {
        let mut c = json!({
            "model_type": "bert",
            "vocab_size": self.vocab,
            "hidden_size": self.hidden,
            "num_hidden_layers": self.layers,
            "num_attention_heads": self.heads,
            "intermediate_size": self.intermediate,
            "hidden_act": "gelu",
            "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1,
            "max_position_embeddings": self.positions,
            "type_vocab_size": 2,
            "initializer_range": 0.02,
            "layer_norm_eps": 1e-12,
            "pad_token_id": 0,
            "torch_dtype": "float32",
        });
        let architecture = match self.head {
            BertHead::MaskedLm => Some("BertForMaskedLM"),
            BertHead::Sequence(_) => Some("BertForSequenceClassification"),
            BertHead::Token(_) => Some("BertForTokenClassification"),
            BertHead::None => None,
        };
        if let Some(a) = architecture {
            c["architectures"] = json!([a]);
        }
        if let BertHead::Sequence(labels) | BertHead::Token(labels) = self.head {
            let (id2label, label2id) = super::label_maps(labels);
            c["id2label"] = id2label;
            c["label2id"] = label2id;
        }
        c
    }

    /// Every stored tensor: `bert.`-prefixed under a head, bare for `BertModel`.
    pub fn tensors(&self) -> Vec<Tensor> {
        let (h, i) = (self.hidden, self.intermediate);
        let prefix = if self.head == BertHead::None {
            ""
        } else {
            "bert."
        };
        let linear = |t: &mut Vec<Tensor>, name: String, out: usize, inp: usize| {
            t.push(Tensor::random(format!("{name}.weight"), &[out, inp]));
            t.push(Tensor::zeros(format!("{name}.bias"), &[out]));
        };
        let layer_norm = |t: &mut Vec<Tensor>, name: String| {
            t.push(Tensor::ones(format!("{name}.weight"), &[h]));
            t.push(Tensor::zeros(format!("{name}.bias"), &[h]));
        };
        let e = format!("{prefix}embeddings");
        let mut t = vec![
            Tensor::embedding(format!("{e}.word_embeddings.weight"), &[self.vocab, h], 0),
            Tensor::random(
                format!("{e}.position_embeddings.weight"),
                &[self.positions, h],
            ),
            Tensor::random(format!("{e}.token_type_embeddings.weight"), &[2, h]),
        ];
        layer_norm(&mut t, format!("{e}.LayerNorm"));
        for n in 0..self.layers {
            let l = format!("{prefix}encoder.layer.{n}");
            for part in ["query", "key", "value"] {
                linear(&mut t, format!("{l}.attention.self.{part}"), h, h);
            }
            linear(&mut t, format!("{l}.attention.output.dense"), h, h);
            layer_norm(&mut t, format!("{l}.attention.output.LayerNorm"));
            linear(&mut t, format!("{l}.intermediate.dense"), i, h);
            linear(&mut t, format!("{l}.output.dense"), h, i);
            layer_norm(&mut t, format!("{l}.output.LayerNorm"));
        }
        match self.head {
            BertHead::MaskedLm => {
                linear(&mut t, "cls.predictions.transform.dense".into(), h, h);
                layer_norm(&mut t, "cls.predictions.transform.LayerNorm".into());
                t.push(Tensor::zeros("cls.predictions.bias", &[self.vocab]));
            }
            BertHead::Sequence(labels) => {
                linear(&mut t, format!("{prefix}pooler.dense"), h, h);
                linear(&mut t, "classifier".into(), labels.len(), h);
            }
            BertHead::Token(labels) => linear(&mut t, "classifier".into(), labels.len(), h),
            BertHead::None => linear(&mut t, "pooler.dense".into(), h, h),
        }
        t
    }
}
