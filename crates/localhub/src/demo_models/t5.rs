//! A tiny T5 (`T5ForConditionalGeneration`): the real architecture's config and tensor
//! names at toy sizes. The encoder's and decoder's embeddings and the LM head are tied
//! to `shared.weight`, which alone is stored, as Transformers saves a T5.
//!
//! The `<pad>` row of `shared.weight` is zero: a random model scores highest the token it
//! was fed, and `<pad>` is the decoder's start token, so with a random row there it would
//! only ever answer `<pad>` (an empty text).

use serde_json::{json, Map, Value};

use super::weights::Tensor;

/// The sizes of a T5.
#[derive(Debug, Clone)]
pub struct T5 {
    /// Token ids (`vocab_size`).
    pub vocab: usize,
    /// Width (`d_model`).
    pub d_model: usize,
    /// Width of one attention head (`d_kv`).
    pub d_kv: usize,
    /// Attention heads (`num_heads`).
    pub heads: usize,
    /// The MLP's width (`d_ff`).
    pub d_ff: usize,
    /// Encoder blocks, and as many decoder blocks.
    pub layers: usize,
    /// Relative position buckets.
    pub buckets: usize,
    /// `task_specific_params` (e.g. `{"summarization": {"prefix": "summarize: "}}`): the
    /// input prefix phase 5's app puts before the text.
    pub task_params: Map<String, Value>,
}

impl T5 {
    /// `config.json`, as Transformers writes a T5's (ReLU MLP, like the original T5).
    pub fn config(&self) -> Value {
        let mut c = json!({
            "architectures": ["T5ForConditionalGeneration"],
            "model_type": "t5",
            "vocab_size": self.vocab,
            "d_model": self.d_model,
            "d_kv": self.d_kv,
            "d_ff": self.d_ff,
            "num_layers": self.layers,
            "num_decoder_layers": self.layers,
            "num_heads": self.heads,
            "relative_attention_num_buckets": self.buckets,
            "relative_attention_max_distance": 128,
            "dropout_rate": 0.1,
            "layer_norm_epsilon": 1e-6,
            "initializer_factor": 1.0,
            "feed_forward_proj": "relu",
            "is_encoder_decoder": true,
            "use_cache": true,
            "tie_word_embeddings": true,
            "pad_token_id": 0,
            "eos_token_id": 1,
            "decoder_start_token_id": 0,
            "torch_dtype": "float32",
        });
        if !self.task_params.is_empty() {
            c["task_specific_params"] = Value::Object(self.task_params.clone());
        }
        c
    }

    /// Every stored tensor (T5's linear layers have no biases).
    pub fn tensors(&self) -> Vec<Tensor> {
        let (d, inner) = (self.d_model, self.heads * self.d_kv);
        let attention = |t: &mut Vec<Tensor>, name: &str, relative: bool| {
            for part in ["q", "k", "v"] {
                t.push(Tensor::random(format!("{name}.{part}.weight"), &[inner, d]));
            }
            t.push(Tensor::random(format!("{name}.o.weight"), &[d, inner]));
            if relative {
                t.push(Tensor::random(
                    format!("{name}.relative_attention_bias.weight"),
                    &[self.buckets, self.heads],
                ));
            }
        };
        let mlp = |t: &mut Vec<Tensor>, name: &str| {
            t.push(Tensor::random(format!("{name}.wi.weight"), &[self.d_ff, d]));
            t.push(Tensor::random(format!("{name}.wo.weight"), &[d, self.d_ff]));
        };
        let norm = |t: &mut Vec<Tensor>, name: &str| t.push(Tensor::ones(name, &[d]));
        let mut t = vec![Tensor::embedding("shared.weight", &[self.vocab, d], 0)];
        for n in 0..self.layers {
            let b = format!("encoder.block.{n}");
            attention(&mut t, &format!("{b}.layer.0.SelfAttention"), n == 0);
            norm(&mut t, &format!("{b}.layer.0.layer_norm.weight"));
            mlp(&mut t, &format!("{b}.layer.1.DenseReluDense"));
            norm(&mut t, &format!("{b}.layer.1.layer_norm.weight"));
        }
        norm(&mut t, "encoder.final_layer_norm.weight");
        for n in 0..self.layers {
            let b = format!("decoder.block.{n}");
            attention(&mut t, &format!("{b}.layer.0.SelfAttention"), n == 0);
            norm(&mut t, &format!("{b}.layer.0.layer_norm.weight"));
            attention(&mut t, &format!("{b}.layer.1.EncDecAttention"), false);
            norm(&mut t, &format!("{b}.layer.1.layer_norm.weight"));
            mlp(&mut t, &format!("{b}.layer.2.DenseReluDense"));
            norm(&mut t, &format!("{b}.layer.2.layer_norm.weight"));
        }
        norm(&mut t, "decoder.final_layer_norm.weight");
        t
    }
}
