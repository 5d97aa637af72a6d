//! Removes secrets from every line the worker prints or stores.
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

/// How the names of environment variables whose values are secrets end
/// ([`crate::config::WorkerConfig::secrets`]).
pub const SECRET_NAME_SUFFIXES: [&str; 5] = ["TOKEN", "SECRET", "KEY", "PASSWORD", "CREDENTIALS"];

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

    /// A fake token made for this test run (nothing token-like is written in the source).
    fn token() -> &'static str {
        static TOKEN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        TOKEN.get_or_init(|| {
            localhub::auth::SecretToken::random("hf_")
                .expose()
                .to_owned()
        })
    }

    fn token_redactor() -> Redactor {
        Redactor::new([token().to_owned()])
    }

    /// What is left of `text` once redacted, the placeholders taken out.
    fn left_of(r: &Redactor, text: &str) -> String {
        r.redact_values(text).replace(REDACTED, "")
    }

    #[test]
    fn a_secret_is_removed_without_its_known_prefix() {
        let token = token();
        let bare = &token[3..];
        assert_eq!(
            token_redactor().redact_values(&format!("k={bare};")),
            "k=[REDACTED];"
        );
        let oauth = localhub::auth::SecretToken::random("hf_oauth_");
        let oauth = oauth.expose();
        let bare = oauth.trim_start_matches("hf_oauth_");
        let r = Redactor::new([oauth.to_owned()]);
        assert_eq!(r.redact_values(&format!("[{bare}]")), "[[REDACTED]]");
    }

    #[test]
    fn a_secret_is_removed_in_upper_and_lower_case() {
        let token = token();
        let r = token_redactor();
        for form in [token.to_uppercase(), token.to_lowercase()] {
            assert_eq!(
                r.redact_values(&format!("<{form}>")),
                "<[REDACTED]>",
                "{form}"
            );
        }
        assert_eq!(
            r.redact_values(&format!("<{}>", token[3..].to_lowercase())),
            "<[REDACTED]>"
        );
    }

    #[test]
    fn a_secret_is_removed_url_encoded_in_either_case_of_hex() {
        let r = Redactor::new(["p@ss/w0rd+key".to_owned()]);
        for form in ["p%40ss%2Fw0rd%2Bkey", "p%40ss%2fw0rd%2bkey"] {
            assert_eq!(
                r.redact_values(&format!("?k={form}&x=1")),
                "?k=[REDACTED]&x=1"
            );
        }
    }

    #[test]
    fn a_secret_is_removed_base64_encoded_at_each_of_the_three_alignments() {
        let token = token();
        use base64::engine::general_purpose::{STANDARD, URL_SAFE};
        let r = token_redactor();
        for engine in [STANDARD, URL_SAFE] {
            for before in ["", "a", "ab", "HF_TOKEN="] {
                for after in ["", "\n", "\nPATH=/usr/bin"] {
                    let encoded = engine.encode(format!("{before}{token}{after}"));
                    let left = left_of(&r, &encoded);
                    // Only the neighbours and the edges they share remain: too little to
                    // decode.
                    let allowed = engine.encode(before).len() + engine.encode(after).len() + 4;
                    assert!(
                        left.len() <= allowed,
                        "{before:?}+{after:?}: {left} of {encoded}"
                    );
                    assert!(r.holds_secret(&encoded), "{encoded}");
                }
            }
        }
        // Without its prefix too.
        let bare = STANDARD.encode(format!("x{}", &token[3..]));
        assert!(left_of(&r, &bare).len() <= 4, "{bare}");
    }

    #[test]
    fn a_secret_broken_across_lines_is_removed() {
        let token = token();
        let r = token_redactor();
        let (head, tail) = token.split_at(11);
        assert_eq!(
            r.redact_values(&format!("t={head}\n{tail}.")),
            "t=[REDACTED]."
        );
        assert_eq!(
            r.redact_values(&format!("t={head}\r\n{tail}.")),
            "t=[REDACTED]."
        );
        // `env | base64` wraps its output at 76 columns, wherever the token falls.
        use base64::engine::general_purpose::STANDARD;
        for pad in 0..76 {
            let env = format!("{}HF_TOKEN={token}\nHOME=/root\n", "x".repeat(pad));
            let encoded = STANDARD.encode(env);
            let wrapped: Vec<String> = encoded
                .as_bytes()
                .chunks(76)
                .map(|line| String::from_utf8(line.to_vec()).unwrap())
                .collect();
            let wrapped = wrapped.join("\n");
            let left = r.redact_values(&wrapped);
            assert!(left.contains(REDACTED), "pad {pad}: {wrapped}");
            // No run of the token's encoding (at any alignment) is left between the breaks.
            let rest: Vec<String> = left.split(REDACTED).map(|p| p.replace('\n', "")).collect();
            for lead in ["", "a", "ab"] {
                let encoded = STANDARD.encode(format!("{lead}{token}"));
                let inner = &encoded[4..12];
                assert!(rest.iter().all(|p| !p.contains(inner)), "pad {pad}: {left}");
            }
        }
    }

    #[test]
    fn ordinary_text_is_left_alone_and_holds_no_secret() {
        let token = token();
        let r = token_redactor();
        let text = "Hello, World! aGVsbG8gd29ybGQ= https://example.com/?q=a%20b\nline two";
        assert_eq!(r.redact(text), text);
        assert!(!r.holds_secret(text));
        assert!(!Redactor::default().holds_secret(token));
        assert!(!format!("{r:?}").contains(&token[3..]));
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
