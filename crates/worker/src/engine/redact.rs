//! Removes secrets from every line the worker prints or stores.
//!
//! Two nets: the exact values of the secrets the Job was given, and anything shaped like a
//! Hugging Face token (`hf_…`), in case a token arrives by a path we did not foresee.

use regex::Regex;
use std::sync::LazyLock;

/// What a removed secret is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// The shortest secret value worth redacting; shorter ones would blank ordinary words.
const MIN_SECRET_LEN: usize = 6;

static HF_TOKEN_PATTERN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"hf_[A-Za-z0-9_]{6,}").expect("valid pattern"));

/// How the names of environment variables whose values are secrets end
/// ([`crate::config::WorkerConfig::secrets`]).
pub const SECRET_NAME_SUFFIXES: [&str; 5] = ["TOKEN", "SECRET", "KEY", "PASSWORD", "CREDENTIALS"];

/// Scrubs secrets out of text.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    /// A redactor for these secret values (blank and very short ones are ignored).
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Redactor {
        let mut secrets: Vec<String> = secrets
            .into_iter()
            .filter(|s| s.trim().len() >= MIN_SECRET_LEN)
            .collect();
        // Longest first, so a secret that contains another is removed whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Redactor { secrets }
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

    /// The text with only the exact secret values replaced: the lightest touch that still
    /// keeps every secret the Job holds out of a stored file (raw traces).
    pub fn redact_values(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), REDACTED);
            }
        }
        out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_given_secrets_and_token_shapes() {
        let r = Redactor::new(["s3cr3t-value".to_owned(), "ab".to_owned()]);
        let line = "key=s3cr3t-value token=hf_AbCdEf0123456789 ab stays";
        assert_eq!(r.redact(line), "key=[REDACTED] token=[REDACTED] ab stays");
    }

    #[test]
    fn values_only_keeps_token_shapes_and_more_values_can_be_added() {
        let r = Redactor::new(["s3cr3t-value".to_owned()]);
        let line = "s3cr3t-value hf_AbCdEf0123456789 alice@example.com";
        assert_eq!(
            r.redact_values(line),
            "[REDACTED] hf_AbCdEf0123456789 alice@example.com"
        );
        let wider = r.with_values(["alice@example.com".to_owned()]);
        assert_eq!(wider.redact(line), "[REDACTED] [REDACTED] [REDACTED]");
    }

    #[test]
    fn a_secret_inside_another_is_removed_whole() {
        let r = Redactor::new(["abcdef".to_owned(), "xxabcdefyy".to_owned()]);
        assert_eq!(r.redact("[xxabcdefyy]"), "[[REDACTED]]");
    }

    #[test]
    fn json_strings_and_keys_are_redacted_numbers_kept() {
        let r = Redactor::new(["topsecret1".to_owned()]);
        let v = serde_json::json!({"a": ["topsecret1", 3], "topsecret1": {"t": "hf_zzzzzzzzzz"}});
        assert_eq!(
            r.redact_json(&v),
            serde_json::json!({"a": ["[REDACTED]", 3], "[REDACTED]": {"t": "[REDACTED]"}})
        );
    }
}
