//! The demo models' tokenizers, in the `tokenizer.json` format of Hugging Face `tokenizers`
//! (what `AutoTokenizer` loads as a fast tokenizer), each with its `tokenizer_config.json`:
//! GPT-2's byte-level BPE, BERT's WordPiece and T5's Unigram, over a small vocabulary made
//! from [`WORDS`] (the words of the examples phase 5 puts in its apps, and a few more).
//!
//! Every text encodes: the byte-level BPE has all 256 bytes, the WordPiece and Unigram
//! vocabularies every printable ASCII character (anything else is the unknown token).

use serde_json::{json, Map, Value};

/// The whole words every vocabulary has (lowercase).
pub const WORDS: &[&str] = &[
    "the",
    "a",
    "and",
    "of",
    "to",
    "in",
    "is",
    "it",
    "was",
    "that",
    "this",
    "for",
    "on",
    "with",
    "my",
    "i",
    "once",
    "upon",
    "time",
    "there",
    "little",
    "model",
    "space",
    "factory",
    "demo",
    "hello",
    "world",
    "name",
    "live",
    "loved",
    "film",
    "story",
    "music",
    "wonderful",
    "paris",
    "capital",
    "france",
    "tower",
    "tall",
    "weather",
    "nice",
    "today",
    "what",
    "good",
    "bad",
];

/// Printable ASCII punctuation, each a token of its own in WordPiece and Unigram.
const PUNCTUATION: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/// A tokenizer's two files and the numbers its model's config needs.
#[derive(Debug, Clone)]
pub struct TokenizerFiles {
    /// `tokenizer.json`.
    pub tokenizer: Value,
    /// `tokenizer_config.json`: the class to load it with and its special tokens.
    pub config: Value,
    /// How many token ids there are (the model's `vocab_size`).
    pub vocab_size: usize,
}

/// GPT-2's byte-to-character table: printable Latin-1 bytes stand for themselves, the
/// others for the characters from U+0100 on, in GPT-2's order (its token ids 0..256).
fn gpt2_byte_chars() -> Vec<char> {
    let printable = |b: u8| matches!(b, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF);
    let mut order: Vec<u8> = (0..=255).filter(|b| printable(*b)).collect();
    order.extend((0..=255).filter(|b| !printable(*b)));
    let mut next = 0u32;
    let mut char_of = [' '; 256];
    for b in 0..=255u8 {
        char_of[b as usize] = if printable(b) {
            char::from(b)
        } else {
            next += 1;
            char::from_u32(255 + next).expect("a valid char")
        };
    }
    order.iter().map(|b| char_of[*b as usize]).collect()
}

/// GPT-2's tokenizer: byte-level BPE over the 256 bytes, merges that spell out each of
/// [`WORDS`] after a space (`Ġthe`), and `<|endoftext|>` last, as GPT-2 has it.
pub fn byte_level_bpe() -> TokenizerFiles {
    let mut vocab: Vec<String> = gpt2_byte_chars().iter().map(|c| c.to_string()).collect();
    let mut merges: Vec<String> = Vec::new();
    for word in WORDS {
        let mut pieces: Vec<String> = "Ġ"
            .chars()
            .chain(word.chars())
            .map(|c| c.to_string())
            .collect();
        while pieces.len() > 1 {
            let joined = format!("{}{}", pieces[0], pieces[1]);
            let merge = format!("{} {}", pieces[0], pieces[1]);
            if !merges.contains(&merge) {
                merges.push(merge);
            }
            if !vocab.contains(&joined) {
                vocab.push(joined.clone());
            }
            pieces.splice(0..2, [joined]);
        }
    }
    let eos = "<|endoftext|>";
    let eos_id = vocab.len();
    vocab.push(eos.into());
    let byte_level = json!({"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true});
    let tokenizer = json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": [added_token(eos_id, eos)],
        "normalizer": null,
        "pre_tokenizer": byte_level,
        "post_processor": byte_level,
        "decoder": byte_level,
        "model": {
            "type": "BPE",
            "dropout": null,
            "unk_token": null,
            "continuing_subword_prefix": "",
            "end_of_word_suffix": "",
            "fuse_unk": false,
            "byte_fallback": false,
            "ignore_merges": false,
            "vocab": vocab_map(&vocab),
            "merges": merges,
        }
    });
    let config = json!({
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": eos, "eos_token": eos, "unk_token": eos, "pad_token": eos,
        "add_prefix_space": false,
        "model_max_length": 64,
        "clean_up_tokenization_spaces": false,
    });
    TokenizerFiles {
        tokenizer,
        config,
        vocab_size: vocab.len(),
    }
}

/// The WordPiece special tokens, with their ids.
pub const BERT_SPECIALS: [&str; 5] = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

/// BERT's tokenizer (uncased): WordPiece over the special tokens, every printable ASCII
/// character alone and as a `##` continuation, and [`WORDS`].
pub fn wordpiece() -> TokenizerFiles {
    let mut vocab: Vec<String> = BERT_SPECIALS.iter().map(|s| s.to_string()).collect();
    let singles: Vec<char> = ('a'..='z')
        .chain('0'..='9')
        .chain(PUNCTUATION.chars())
        .collect();
    vocab.extend(singles.iter().map(|c| c.to_string()));
    vocab.extend(('a'..='z').chain('0'..='9').map(|c| format!("##{c}")));
    vocab.extend(WORDS.iter().filter(|w| w.len() > 1).map(|w| w.to_string()));
    let id = |t: &str| vocab.iter().position(|v| v == t).expect("a special token");
    let (cls, sep) = (id("[CLS]"), id("[SEP]"));
    let tokenizer = json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": BERT_SPECIALS.iter().map(|t| added_token(id(t), t)).collect::<Vec<_>>(),
        "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": null, "lowercase": true},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [special("[CLS]", 0), sequence("A", 0), special("[SEP]", 0)],
            "pair": [special("[CLS]", 0), sequence("A", 0), special("[SEP]", 0), sequence("B", 1), special("[SEP]", 1)],
            "special_tokens": {
                "[CLS]": {"id": "[CLS]", "ids": [cls], "tokens": ["[CLS]"]},
                "[SEP]": {"id": "[SEP]", "ids": [sep], "tokens": ["[SEP]"]},
            }
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
        "model": {
            "type": "WordPiece",
            "unk_token": "[UNK]",
            "continuing_subword_prefix": "##",
            "max_input_chars_per_word": 100,
            "vocab": vocab_map(&vocab),
        }
    });
    let config = json!({
        "tokenizer_class": "PreTrainedTokenizerFast",
        "do_lower_case": true,
        "pad_token": "[PAD]", "unk_token": "[UNK]", "cls_token": "[CLS]",
        "sep_token": "[SEP]", "mask_token": "[MASK]",
        "model_max_length": 64,
    });
    TokenizerFiles {
        tokenizer,
        config,
        vocab_size: vocab.len(),
    }
}

/// T5's tokenizer: Unigram over `<pad>` (0), `</s>` (1), `<unk>` (2), the word boundary
/// `▁`, every printable ASCII character and `▁word` for [`WORDS`]; `</s>` ends every
/// sequence, as T5's does.
pub fn unigram() -> TokenizerFiles {
    let specials = ["<pad>", "</s>", "<unk>"];
    let mut pieces: Vec<(String, f64)> = specials.iter().map(|s| (s.to_string(), 0.0)).collect();
    pieces.push(("▁".into(), -3.0));
    pieces.extend(
        ('a'..='z')
            .chain('A'..='Z')
            .chain('0'..='9')
            .chain(PUNCTUATION.chars())
            .map(|c| (c.to_string(), -8.0)),
    );
    pieces.extend(WORDS.iter().map(|w| (format!("▁{w}"), -4.0)));
    let metaspace =
        json!({"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true});
    let tokenizer = json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": specials.iter().enumerate().map(|(i, t)| added_token(i, t)).collect::<Vec<_>>(),
        "normalizer": null,
        "pre_tokenizer": metaspace,
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [sequence("A", 0), special("</s>", 0)],
            "pair": [sequence("A", 0), special("</s>", 0), sequence("B", 0), special("</s>", 0)],
            "special_tokens": {"</s>": {"id": "</s>", "ids": [1], "tokens": ["</s>"]}}
        },
        "decoder": metaspace,
        "model": {
            "type": "Unigram",
            "unk_id": 2,
            "byte_fallback": false,
            "vocab": pieces.iter().map(|(p, s)| json!([p, s])).collect::<Vec<_>>(),
        }
    });
    let config = json!({
        "tokenizer_class": "PreTrainedTokenizerFast",
        "pad_token": "<pad>", "eos_token": "</s>", "unk_token": "<unk>",
        "model_max_length": 64,
    });
    TokenizerFiles {
        tokenizer,
        config,
        vocab_size: pieces.len(),
    }
}

/// `{token: id}`, ids in list order.
fn vocab_map(vocab: &[String]) -> Value {
    let map: Map<String, Value> = vocab
        .iter()
        .enumerate()
        .map(|(i, t)| (t.clone(), json!(i)))
        .collect();
    Value::Object(map)
}

fn added_token(id: usize, content: &str) -> Value {
    json!({"id": id, "content": content, "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true})
}

fn special(id: &str, type_id: u32) -> Value {
    json!({"SpecialToken": {"id": id, "type_id": type_id}})
}

fn sequence(id: &str, type_id: u32) -> Value {
    json!({"Sequence": {"id": id, "type_id": type_id}})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gpt2_bytes_come_first_in_gpt2_order_and_end_of_text_last() {
        let t = byte_level_bpe();
        let vocab = t.tokenizer["model"]["vocab"].as_object().unwrap();
        assert_eq!(vocab.len(), t.vocab_size);
        assert_eq!(vocab["!"], 0);
        assert_eq!(vocab["Ġ"], 220, "the space byte, as in GPT-2");
        assert_eq!(vocab["Ċ"], 198, "the newline byte, as in GPT-2");
        assert_eq!(vocab["Ġthe"].as_u64().map(|i| i >= 256), Some(true));
        assert_eq!(vocab["<|endoftext|>"], t.vocab_size - 1);
        assert!((300..700).contains(&t.vocab_size), "{}", t.vocab_size);
    }

    #[test]
    fn every_bpe_merge_joins_two_tokens_into_a_third() {
        let t = byte_level_bpe();
        let vocab = t.tokenizer["model"]["vocab"].as_object().unwrap();
        for m in t.tokenizer["model"]["merges"].as_array().unwrap() {
            let (a, b) = m.as_str().unwrap().split_once(' ').unwrap();
            assert!(vocab.contains_key(a) && vocab.contains_key(b), "{m}");
            assert!(vocab.contains_key(&format!("{a}{b}")), "{m}");
        }
    }

    #[test]
    fn wordpiece_ids_are_dense_and_name_the_special_tokens() {
        let t = wordpiece();
        let vocab = t.tokenizer["model"]["vocab"].as_object().unwrap();
        let mut ids: Vec<u64> = vocab.values().map(|v| v.as_u64().unwrap()).collect();
        ids.sort();
        assert_eq!(ids, (0..t.vocab_size as u64).collect::<Vec<_>>());
        assert_eq!(vocab["[PAD]"], 0);
        assert_eq!(vocab["[MASK]"], 4);
        assert!(vocab.contains_key("##q") && vocab.contains_key("paris"));
        assert_eq!(t.config["mask_token"], "[MASK]");
    }

    #[test]
    fn unigram_starts_with_t5s_special_tokens() {
        let t = unigram();
        let vocab = t.tokenizer["model"]["vocab"].as_array().unwrap();
        assert_eq!(vocab.len(), t.vocab_size);
        assert_eq!(vocab[0][0], "<pad>");
        assert_eq!(vocab[1][0], "</s>");
        assert_eq!(vocab[2][0], "<unk>");
        assert!(vocab.iter().any(|p| p[0] == "▁france"));
    }
}
