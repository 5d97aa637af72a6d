//! Model repo contents made by the tests: a card with given front matter, and GPT-2
//! configs and weights of given sizes (zero-filled: only the header's counts matter).

/// A model card with this front matter.
pub fn card(front_matter: &str) -> Vec<u8> {
    format!("---\n{front_matter}---\n# A test model\n\nMade by the test.\n").into_bytes()
}

/// A small GPT-2 style config.json.
pub fn gpt2_config(n_embd: usize, n_layer: usize, vocab: usize) -> Vec<u8> {
    serde_json::json!({
        "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2",
        "n_embd": n_embd, "n_layer": n_layer, "n_head": 2, "vocab_size": vocab,
        "n_positions": 64, "torch_dtype": "float32"
    })
    .to_string()
    .into_bytes()
}

/// Zero-filled F32 weights of a GPT-2 of these dimensions (embeddings and layers as
/// single tensors: only the header's counts matter to the Hub).
pub fn gpt2_weights(n_embd: usize, n_layer: usize, vocab: usize) -> Vec<u8> {
    localhub::models::zero_safetensors(&[
        ("transformer.wte.weight", "F32", &[vocab, n_embd]),
        ("transformer.h.attn", "F32", &[n_layer, 4 * n_embd, n_embd]),
        ("transformer.h.mlp", "F32", &[n_layer, 8 * n_embd, n_embd]),
    ])
}
