//! What the Hub adds to a model repo's info, computed from the repo's own files the way the
//! Hub derives it: the README's front matter (`cardData`, `pipeline_tag`, `library_name`,
//! tags, license), a summary of `config.json` (`config`, `transformersInfo`), and parameter
//! counts per dtype read from every `.safetensors` header (`safetensors`).
//!
//! When the card names no library, a `config.json` means Transformers (and
//! `model_index.json` Diffusers); when it names no pipeline, a Transformers model's first
//! architecture decides it (`…ForCausalLM` → `text-generation`, …), as on the Hub.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Map, Value};

/// The model-only fields of `GET /api/models/{id}`, from the repo folder `dir`.
pub fn info_fields(dir: &Path) -> Map<String, Value> {
    let card = read_card(dir);
    let config: Option<Value> = std::fs::read(dir.join("config.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let card_str = |k: &str| card.as_ref().and_then(|c| c.get(k)).and_then(Value::as_str);
    let library = card_str("library_name").map(str::to_owned).or_else(|| {
        if dir.join("config.json").exists() {
            Some("transformers".into())
        } else if dir.join("model_index.json").exists() {
            Some("diffusers".into())
        } else {
            None
        }
    });
    let architecture = config
        .as_ref()
        .and_then(|c| c["architectures"].get(0))
        .and_then(Value::as_str);
    let auto = architecture.and_then(auto_class);
    let pipeline = card_str("pipeline_tag").map(str::to_owned).or_else(|| {
        (library.as_deref() == Some("transformers"))
            .then(|| auto.map(|(_, p)| p.to_owned()))
            .flatten()
    });
    let safetensors = safetensors_counts(dir);

    let mut tags: Vec<String> = Vec::new();
    let mut tag = |t: String| {
        if !tags.contains(&t) {
            tags.push(t);
        }
    };
    if let Some(l) = &library {
        tag(l.clone());
    }
    if safetensors.is_some() {
        tag("safetensors".into());
    }
    if let Some(t) = config
        .as_ref()
        .and_then(|c| c["model_type"].as_str())
        .map(str::to_owned)
    {
        tag(t);
    }
    if let Some(p) = &pipeline {
        tag(p.clone());
    }
    for t in card
        .as_ref()
        .and_then(|c| c["tags"].as_array())
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        tag(t.to_owned());
    }
    if let Some(l) = card_str("license") {
        tag(format!("license:{l}"));
    }

    let mut out = Map::new();
    out.insert("pipeline_tag".into(), json!(pipeline));
    out.insert("library_name".into(), json!(library));
    out.insert("tags".into(), json!(tags));
    if let Some(c) = card {
        out.insert("cardData".into(), c);
    }
    if let Some(c) = &config {
        let mut summary = Map::new();
        for key in ["architectures", "model_type", "quantization_config"] {
            if let Some(v) = c.get(key) {
                summary.insert(key.into(), v.clone());
            }
        }
        out.insert("config".into(), Value::Object(summary));
    }
    if let (Some(auto), Some("transformers")) = (auto, library.as_deref()) {
        out.insert(
            "transformersInfo".into(),
            json!({"auto_model": auto.0, "pipeline_tag": auto.1, "processor": "AutoTokenizer"}),
        );
    }
    if let Some(s) = safetensors {
        out.insert("safetensors".into(), s);
    }
    out
}

/// The README's YAML front matter as JSON, when there is one and it parses.
fn read_card(dir: &Path) -> Option<Value> {
    let text = std::fs::read_to_string(dir.join("README.md")).ok()?;
    let yaml = front_matter(&text)?;
    let value: Value = serde_norway::from_str(yaml).ok()?;
    value.is_object().then_some(value)
}

/// The text between a leading `---` line and the next `---` line.
pub fn front_matter(text: &str) -> Option<&str> {
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))?;
    let end = rest
        .match_indices("\n---")
        .map(|(i, _)| i)
        .find(|&i| matches!(rest[i + 4..].chars().next(), None | Some('\n' | '\r')))?;
    Some(&rest[..=end])
}

/// The Auto class and pipeline of a Transformers architecture name, by its suffix.
fn auto_class(architecture: &str) -> Option<(&'static str, &'static str)> {
    const SUFFIXES: &[(&str, &str, &str)] = &[
        ("ForCausalLM", "AutoModelForCausalLM", "text-generation"),
        ("LMHeadModel", "AutoModelForCausalLM", "text-generation"),
        (
            "ForConditionalGeneration",
            "AutoModelForSeq2SeqLM",
            "text2text-generation",
        ),
        (
            "ForSequenceClassification",
            "AutoModelForSequenceClassification",
            "text-classification",
        ),
        (
            "ForTokenClassification",
            "AutoModelForTokenClassification",
            "token-classification",
        ),
        (
            "ForQuestionAnswering",
            "AutoModelForQuestionAnswering",
            "question-answering",
        ),
        ("ForMaskedLM", "AutoModelForMaskedLM", "fill-mask"),
        (
            "ForImageClassification",
            "AutoModelForImageClassification",
            "image-classification",
        ),
    ];
    SUFFIXES
        .iter()
        .find(|(suffix, _, _)| architecture.ends_with(suffix))
        .map(|(_, auto, pipeline)| (*auto, *pipeline))
}

/// `{"parameters": {dtype: n}, "total": n}` over every `.safetensors` file, or `None`
/// when there is none (or none parses).
fn safetensors_counts(dir: &Path) -> Option<Value> {
    let mut per_dtype: BTreeMap<String, u64> = BTreeMap::new();
    let mut found = false;
    for path in safetensors_files(dir) {
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let Ok((_, metadata)) = safetensors::SafeTensors::read_metadata(&bytes) else {
            tracing::warn!(file = %path.display(), "unreadable safetensors header");
            continue;
        };
        found = true;
        for info in metadata.tensors().values() {
            let n: u64 = info.shape.iter().map(|d| *d as u64).product();
            *per_dtype.entry(info.dtype.to_string()).or_default() += n;
        }
    }
    found.then(|| {
        let total: u64 = per_dtype.values().sum();
        json!({"parameters": per_dtype, "total": total})
    })
}

fn safetensors_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "safetensors") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// A `.safetensors` file of zero-filled tensors `(name, dtype, shape)` (dtype names as in
/// the format: `F32`, `BF16`, …), for tests that need model repos with real headers.
pub fn zero_safetensors(tensors: &[(&str, &str, &[usize])]) -> Vec<u8> {
    let buffers: Vec<(String, safetensors::Dtype, Vec<usize>, Vec<u8>)> = tensors
        .iter()
        .map(|(name, dtype, shape)| {
            let dtype: safetensors::Dtype =
                serde_json::from_value(json!(dtype)).expect("a safetensors dtype name");
            let bytes = shape.iter().product::<usize>() * dtype.bitsize() / 8;
            (name.to_string(), dtype, shape.to_vec(), vec![0u8; bytes])
        })
        .collect();
    let views = buffers.iter().map(|(name, dtype, shape, data)| {
        let view = safetensors::tensor::TensorView::new(*dtype, shape.clone(), data)
            .expect("shape matches data");
        (name.clone(), view)
    });
    safetensors::serialize(views, None).expect("serializable tensors")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_safetensors_round_trips_through_the_counter() {
        let dir = std::env::temp_dir().join(format!("lh-st-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let bytes = zero_safetensors(&[("a", "F16", &[3, 4]), ("b", "I8", &[5])]);
        std::fs::write(dir.join("m.safetensors"), bytes).unwrap();
        let counts = safetensors_counts(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            counts,
            json!({"parameters": {"F16": 12, "I8": 5}, "total": 17})
        );
    }

    #[test]
    fn front_matter_is_the_leading_block_only() {
        assert_eq!(front_matter("---\na: 1\n---\n# x\n---\n"), Some("a: 1\n"));
        assert_eq!(front_matter("---\na: 1\n---"), Some("a: 1\n"));
        assert_eq!(front_matter("# no card\n---\n"), None);
        assert_eq!(front_matter("---\na: ---x\n---\n"), Some("a: ---x\n"));
    }

    #[test]
    fn architectures_map_to_pipelines() {
        assert_eq!(
            auto_class("GPT2LMHeadModel").map(|a| a.1),
            Some("text-generation")
        );
        assert_eq!(auto_class("SomethingElse"), None);
        assert_eq!(
            auto_class("LlamaForCausalLM"),
            Some(("AutoModelForCausalLM", "text-generation"))
        );
        assert_eq!(
            auto_class("BertForMaskedLM").map(|a| a.1),
            Some("fill-mask")
        );
    }
}
