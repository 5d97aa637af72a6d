//! Removes secrets from text: every line the worker prints or stores, and what the server
//! makes public of a run.
//!
//! Two nets: the secrets the Job was given, in every form a careless (or hostile) program
//! might write them, and anything shaped like a Hugging Face token (`hf_…`), in case a
//! token arrives by a path we did not foresee.
//!
//! The forms of a secret ([`variants`]): as given, without its known prefix (`hf_`), upper
//! and lower case, URL-encoded, and base64 (standard and URL-safe alphabets, at each of the
//! three alignments it can have inside a longer encoded text). Any form may be broken by
//! line breaks (`base64` wraps its output). All of them are compiled once, in
//! [`Redactor::new`], into one pattern.

use base64::Engine;
use regex::Regex;
use std::sync::LazyLock;

/// What a removed secret is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// The shortest secret value worth redacting; shorter ones would blank ordinary words.
const MIN_SECRET_LEN: usize = 6;

/// Prefixes a secret is known by, so also removed without them (longest first).
const KNOWN_PREFIXES: [&str; 2] = ["hf_oauth_", "hf_"];

static HF_TOKEN_PATTERN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"hf_[A-Za-z0-9_]{6,}").expect("valid pattern"));

/// Scrubs secrets out of text.
#[derive(Clone, Default)]
pub struct Redactor {
    /// The values as given (kept to build a wider redactor from).
    secrets: Vec<String>,
    /// Every form of every secret, longest first; `None` when there is no secret.
    pattern: Option<Regex>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} secrets)", self.secrets.len())
    }
}

impl Redactor {
    /// A redactor for these secret values (blank and very short ones are ignored).
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Redactor {
        let mut secrets: Vec<String> = secrets
            .into_iter()
            .filter(|s| s.trim().len() >= MIN_SECRET_LEN)
            .collect();
        secrets.sort();
        secrets.dedup();
        let mut forms: Vec<String> = secrets.iter().flat_map(|s| variants(s)).collect();
        // Longest first, so a secret that contains another is removed whole.
        forms.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        forms.dedup();
        let pattern = (!forms.is_empty()).then(|| {
            let alternatives: Vec<String> = forms.iter().map(|f| breakable(f)).collect();
            regex::RegexBuilder::new(&alternatives.join("|"))
                .size_limit(64 << 20)
                .build()
                .expect("escaped literals form a valid pattern")
        });
        Redactor { secrets, pattern }
    }

    /// This redactor plus more values to remove (e.g. the user's email in agent traces).
    pub fn with_values(&self, values: impl IntoIterator<Item = String>) -> Redactor {
        Redactor::new(self.secrets.iter().cloned().chain(values))
    }

    /// The text with every secret value and token-shaped string replaced.
    pub fn redact(&self, text: &str) -> String {
        let out = self.redact_values(text);
        HF_TOKEN_PATTERN.replace_all(&out, REDACTED).into_owned()
    }

    /// The text with only the secret values (in every form) replaced: the lightest touch
    /// that still keeps every secret the Job holds out of a stored file (raw traces).
    pub fn redact_values(&self, text: &str) -> String {
        match &self.pattern {
            Some(pattern) => pattern.replace_all(text, REDACTED).into_owned(),
            None => text.to_owned(),
        }
    }

    /// Whether `text` holds any secret value in any form (token shapes aside): what a file
    /// must not hold to leave the worker.
    pub fn holds_secret(&self, text: &str) -> bool {
        self.pattern.as_ref().is_some_and(|p| p.is_match(text))
    }

    /// The JSON value with every string in it redacted (keys included).
    pub fn redact_json(&self, value: &serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match value {
            Value::String(s) => Value::String(self.redact(s)),
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.redact_json(v)).collect())
            }
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (self.redact(k), self.redact_json(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

/// Every form of `secret` worth looking for (each at least [`MIN_SECRET_LEN`] long).
fn variants(secret: &str) -> Vec<String> {
    let mut bare = vec![secret.to_owned()];
    let trimmed = secret.trim();
    if trimmed != secret {
        bare.push(trimmed.to_owned());
    }
    if let Some(rest) = KNOWN_PREFIXES.iter().find_map(|p| trimmed.strip_prefix(p)) {
        bare.push(rest.to_owned());
    }
    let mut forms = Vec::new();
    for value in &bare {
        forms.extend([value.to_uppercase(), value.to_lowercase(), value.clone()]);
        forms.extend([url_encoded(value, false), url_encoded(value, true)]);
        for engine in [
            &base64::engine::general_purpose::STANDARD,
            &base64::engine::general_purpose::URL_SAFE,
        ] {
            for lead in 0..3 {
                forms.push(base64_core(engine, value.as_bytes(), lead));
            }
        }
    }
    forms.retain(|f| f.len() >= MIN_SECRET_LEN);
    forms
}

/// `value` percent-encoded (everything but the unreserved characters), hex in lower or
/// upper case.
fn url_encoded(value: &str, lower: bool) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else if lower {
            out.push_str(&format!("%{byte:02x}"));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The base64 characters that encode `bytes` alone when they follow `lead` other bytes of
/// an encoded text: the characters also holding bits of the bytes before or after (the
/// unstable edges) and any padding are left out.
fn base64_core(engine: &base64::engine::GeneralPurpose, bytes: &[u8], lead: usize) -> String {
    let mut input = vec![0u8; lead];
    input.extend_from_slice(bytes);
    let encoded = engine.encode(&input);
    // Character i holds bits 6i..6i+6 of the input.
    let first = (8 * lead).div_ceil(6);
    let end = (8 * input.len()) / 6;
    encoded
        .get(first..end.max(first))
        .unwrap_or_default()
        .to_owned()
}

/// `literal` as a pattern that also matches it broken by line breaks between characters.
fn breakable(literal: &str) -> String {
    let mut out = String::with_capacity(literal.len() * 12);
    for (i, c) in literal.chars().enumerate() {
        if i > 0 {
            out.push_str(r"(?:\r?\n)?");
        }
        out.push_str(&regex::escape(c.encode_utf8(&mut [0; 4])));
    }
    out
}
