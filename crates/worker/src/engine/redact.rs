//! Removes secrets from every line the worker prints or stores: the [`Redactor`] (shared
//! with the server, which scrubs what it makes public of a run the same way), and which
//! environment variables hold secrets.

pub use runs::redact::{Redactor, REDACTED};

/// How the names of environment variables whose values are secrets end
/// ([`crate::config::WorkerConfig::secrets`]).
pub const SECRET_NAME_SUFFIXES: [&str; 5] = ["TOKEN", "SECRET", "KEY", "PASSWORD", "CREDENTIALS"];

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

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
