//! A tiny GPT-2 (`GPT2LMHeadModel`): the real architecture's config and tensor names at toy
//! sizes. Tensors are named as in OpenAI's own GPT-2 checkpoint (`wte.weight`,
//! `h.0.attn.c_attn.weight`, …, without the `transformer.` prefix), which Transformers
//! loads into `GPT2LMHeadModel`; the LM head is tied to `wte` and not stored.

use serde_json::{json, Value};

use super::weights::Tensor;

/// The sizes of a GPT-2.
#[derive(Debug, Clone, Copy)]
pub struct Gpt2 {
    /// Token ids (`vocab_size`).
    pub vocab: usize,
    /// Width (`n_embd`).
    pub n_embd: usize,
    /// Blocks (`n_layer`).
    pub n_layer: usize,
    /// Attention heads (`n_head`).
    pub n_head: usize,
    /// Longest sequence (`n_positions`).
    pub n_positions: usize,
    /// The `<|endoftext|>` id (beginning, end and padding alike, as in GPT-2).
    pub eos: usize,
}

impl Gpt2 {
    /// `config.json`, as Transformers writes a GPT-2's (dropout off: it is a demo).
    pub fn config(&self) -> Value {
        json!({
            "architectures": ["GPT2LMHeadModel"],
            "model_type": "gpt2",
            "vocab_size": self.vocab,
            "n_positions": self.n_positions,
            "n_ctx": self.n_positions,
            "n_embd": self.n_embd,
            "n_layer": self.n_layer,
            "n_head": self.n_head,
            "activation_function": "gelu_new",
            "resid_pdrop": 0.0,
            "embd_pdrop": 0.0,
            "attn_pdrop": 0.0,
            "layer_norm_epsilon": 1e-5,
            "initializer_range": 0.02,
            "scale_attn_weights": true,
            "use_cache": true,
            "tie_word_embeddings": true,
            "bos_token_id": self.eos,
            "eos_token_id": self.eos,
            "torch_dtype": "float32",
        })
    }

    /// Every stored tensor (Conv1D weights are `[in, out]`, as GPT-2 stores them).
    pub fn tensors(&self) -> Vec<Tensor> {
        let e = self.n_embd;
        let mut t = vec![
            Tensor::random("wte.weight", &[self.vocab, e]),
            Tensor::random("wpe.weight", &[self.n_positions, e]),
        ];
        for i in 0..self.n_layer {
            let p = format!("h.{i}");
            t.extend([
                Tensor::ones(format!("{p}.ln_1.weight"), &[e]),
                Tensor::zeros(format!("{p}.ln_1.bias"), &[e]),
                Tensor::random(format!("{p}.attn.c_attn.weight"), &[e, 3 * e]),
                Tensor::zeros(format!("{p}.attn.c_attn.bias"), &[3 * e]),
                Tensor::random(format!("{p}.attn.c_proj.weight"), &[e, e]),
                Tensor::zeros(format!("{p}.attn.c_proj.bias"), &[e]),
                Tensor::ones(format!("{p}.ln_2.weight"), &[e]),
                Tensor::zeros(format!("{p}.ln_2.bias"), &[e]),
                Tensor::random(format!("{p}.mlp.c_fc.weight"), &[e, 4 * e]),
                Tensor::zeros(format!("{p}.mlp.c_fc.bias"), &[4 * e]),
                Tensor::random(format!("{p}.mlp.c_proj.weight"), &[4 * e, e]),
                Tensor::zeros(format!("{p}.mlp.c_proj.bias"), &[e]),
            ]);
        }
        t.extend([
            Tensor::ones("ln_f.weight", &[e]),
            Tensor::zeros("ln_f.bias", &[e]),
        ]);
        t
    }
}
