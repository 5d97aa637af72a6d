//! How big a model is: its parameter count (from the Hub's safetensors metadata, else
//! estimated from `config.json`), its working dtype, and what its weights weigh.

use serde::Serialize;
use serde_json::Value;

use super::ModelFacts;

/// Where the parameter count comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeSource {
    /// Counted by the Hub from the safetensors headers: exact.
    Safetensors,
    /// Estimated from `config.json` (hidden size, layers, vocabulary): within ~10%.
    ConfigEstimate,
    /// Neither is available.
    Unknown,
}

/// A model's size.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelSize {
    /// Parameters, when known.
    pub parameters: Option<u64>,
    /// How `parameters` was found.
    pub source: SizeSource,
    /// The weights' dtype (`F32`, `BF16`, `F16`, `I8`, …), when known.
    pub dtype: Option<String>,
    /// Bytes per parameter in that dtype (4 when unknown: the PyTorch default).
    pub bytes_per_parameter: f64,
}

impl ModelSize {
    /// From the Hub's safetensors counts, else from the config.
    pub fn of(facts: &ModelFacts) -> ModelSize {
        let config_dtype = facts.config.as_ref().and_then(config_dtype);
        let quant_bits = facts
            .config
            .as_ref()
            .and_then(|c| c.get("quantization_config"))
            .or_else(|| facts.info.config.as_ref()?.get("quantization_config"))
            .and_then(|q| q.get("bits").and_then(Value::as_u64));
        let (parameters, source, st_dtype) = match &facts.info.safetensors {
            Some(st) if st.total > 0 => (
                Some(st.total),
                SizeSource::Safetensors,
                st.main_dtype().map(str::to_owned),
            ),
            _ => match facts.config.as_ref().and_then(estimate_parameters) {
                Some(n) => (Some(n), SizeSource::ConfigEstimate, None),
                None => (None, SizeSource::Unknown, None),
            },
        };
        let dtype = st_dtype.or(config_dtype);
        let bytes_per_parameter = match quant_bits {
            Some(bits) if bits > 0 && bits < 16 => bits as f64 / 8.0,
            _ => dtype.as_deref().map_or(4.0, dtype_bytes),
        };
        ModelSize {
            parameters,
            source,
            dtype,
            bytes_per_parameter,
        }
    }

    /// The weights in GB (10^9 bytes) at their stored precision.
    pub fn weights_gb(&self) -> Option<f64> {
        self.parameters
            .map(|p| p as f64 * self.bytes_per_parameter / 1e9)
    }

    /// The weights in GB once loaded on a CPU, where half-precision weights are usually
    /// run as float32.
    pub fn cpu_gb(&self) -> Option<f64> {
        self.parameters
            .map(|p| p as f64 * self.bytes_per_parameter.max(4.0) / 1e9)
    }

    /// "124.4M" / "7.2B": parameters for people.
    pub fn human_parameters(&self) -> String {
        match self.parameters {
            None => "unknown".into(),
            Some(p) if p >= 1_000_000_000 => format!("{:.1}B", p as f64 / 1e9),
            Some(p) if p >= 1_000_000 => format!("{:.1}M", p as f64 / 1e6),
            Some(p) if p >= 1_000 => format!("{:.1}K", p as f64 / 1e3),
            Some(p) => p.to_string(),
        }
    }
}

/// Bytes per value of a safetensors dtype name.
pub fn dtype_bytes(dtype: &str) -> f64 {
    match dtype.to_ascii_uppercase().as_str() {
        "F64" | "I64" | "U64" => 8.0,
        "F32" | "I32" | "U32" => 4.0,
        "F16" | "BF16" | "I16" | "U16" => 2.0,
        "I8" | "U8" | "BOOL" | "F8_E4M3" | "F8_E5M2" => 1.0,
        "F4" | "I4" | "U4" => 0.5,
        _ => 4.0,
    }
}

/// `torch_dtype` (or Transformers 5's `dtype`) of a config, as a safetensors dtype name.
fn config_dtype(config: &Value) -> Option<String> {
    let d = config
        .get("torch_dtype")
        .or_else(|| config.get("dtype"))?
        .as_str()?;
    Some(
        match d.trim_start_matches("torch.") {
            "float32" => "F32",
            "float16" => "F16",
            "bfloat16" => "BF16",
            "float64" => "F64",
            "int8" => "I8",
            _ => return None,
        }
        .to_owned(),
    )
}

fn field(config: &Value, names: &[&str]) -> Option<u64> {
    names
        .iter()
        .find_map(|n| config.get(*n).and_then(Value::as_u64))
}

/// A decoder/encoder transformer's parameters from its config: embeddings `V·h` (twice
/// when the head is not tied), and per layer `4h²` of attention plus `2·h·i` of MLP (`3·h·i`
/// for gated SiLU MLPs); decoder layers of encoder-decoders add `4h²` of cross-attention.
pub fn estimate_parameters(config: &Value) -> Option<u64> {
    let h = field(config, &["hidden_size", "n_embd", "d_model", "dim"])?;
    let vocab = field(config, &["vocab_size"])?;
    let encoder_layers = field(
        config,
        &[
            "num_hidden_layers",
            "n_layer",
            "num_layers",
            "encoder_layers",
            "n_layers",
        ],
    )?;
    let decoder_layers = field(config, &["num_decoder_layers", "decoder_layers"])
        .filter(|_| config.get("is_encoder_decoder").and_then(Value::as_bool) == Some(true))
        .unwrap_or(0);
    let inner = field(
        config,
        &[
            "intermediate_size",
            "n_inner",
            "ffn_dim",
            "d_ff",
            "hidden_dim",
            "encoder_ffn_dim",
        ],
    )
    .unwrap_or(4 * h);
    let gated = matches!(
        config
            .get("hidden_act")
            .or_else(|| config.get("hidden_activation"))
            .and_then(Value::as_str),
        Some("silu" | "swiglu" | "gelu_pytorch_tanh")
    ) && config.get("n_inner").is_none();
    let mlp = if gated { 3 * h * inner } else { 2 * h * inner };
    let per_layer = 4 * h * h + mlp;
    let tied = config
        .get("tie_word_embeddings")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let embeddings = vocab * h * if tied { 1 } else { 2 };
    Some(embeddings + (encoder_layers + decoder_layers) * per_layer + decoder_layers * 4 * h * h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn gpt2_small_estimate_is_close_to_its_real_124m() {
        let c = json!({"n_embd": 768, "n_layer": 12, "vocab_size": 50257, "n_head": 12});
        let n = estimate_parameters(&c).unwrap() as f64;
        assert!((n - 124.4e6).abs() / 124.4e6 < 0.05, "{n}");
    }

    #[test]
    fn llama_style_gated_mlp_estimate_is_close_to_7b() {
        let c = json!({"hidden_size": 4096, "num_hidden_layers": 32, "vocab_size": 32000,
            "intermediate_size": 11008, "hidden_act": "silu", "tie_word_embeddings": false});
        let n = estimate_parameters(&c).unwrap() as f64;
        assert!((n - 6.74e9).abs() / 6.74e9 < 0.05, "{n}");
    }

    #[test]
    fn dtypes_and_configs() {
        assert_eq!(dtype_bytes("BF16"), 2.0);
        assert_eq!(dtype_bytes("weird"), 4.0);
        assert_eq!(
            config_dtype(&json!({"torch_dtype": "bfloat16"})).as_deref(),
            Some("BF16")
        );
        assert_eq!(
            config_dtype(&json!({"dtype": "float16"})).as_deref(),
            Some("F16")
        );
        assert_eq!(estimate_parameters(&json!({"model_type": "x"})), None);
    }
}
