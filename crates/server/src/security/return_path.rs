//! Where the browser goes after signing in: `/login?next=…` is chosen by whoever made the
//! link, so only a path on the factory itself is accepted; anything else becomes `/`.
//!
//! Browsers are lenient with `Location`: they drop tabs and newlines (`/\t/evil.example`
//! is followed as `//evil.example`, another host), treat `\` as `/`, and some proxies
//! decode `%2F`. So a return path is accepted only when it is made of plain URL
//! characters, starts with one `/`, holds no `//`, and still holds none once its
//! percent-escapes are decoded.

use serde::{Deserialize, Serialize};

/// A path on the factory's own origin, safe to send as `Location` (see the module doc).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ReturnPath(String);

/// Why a `next` was not taken (the sign-in then returns to `/`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a path on this site")]
pub struct NotLocal;

impl ReturnPath {
    /// The landing page, where a sign-in returns without a (usable) `next`.
    pub fn home() -> ReturnPath {
        ReturnPath("/".into())
    }

    /// `next` when it is a safe local path, else the landing page.
    pub fn or_home(next: Option<&str>) -> ReturnPath {
        next.and_then(|n| ReturnPath::parse(n).ok())
            .unwrap_or_else(ReturnPath::home)
    }

    /// `text` as a return path, if it is a safe local path.
    pub fn parse(text: &str) -> Result<ReturnPath, NotLocal> {
        if !is_plain_local_path(text) {
            return Err(NotLocal);
        }
        // Whatever decodes it once or more must still see a local path.
        let mut decoded = text.to_owned();
        for _ in 0..MAX_DECODES {
            let once = percent_encoding::percent_decode_str(&decoded)
                .decode_utf8()
                .map_err(|_| NotLocal)?
                .into_owned();
            if once == decoded {
                return Ok(ReturnPath(text.to_owned()));
            }
            if !is_still_local(&once) {
                return Err(NotLocal);
            }
            decoded = once;
        }
        Err(NotLocal)
    }

    /// The path, for `Location`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The longest return path kept (the app's own paths are far shorter).
const MAX_LEN: usize = 512;

/// How many layers of percent-encoding a return path may have.
const MAX_DECODES: usize = 3;

/// What a decoded return path must still be: one leading `/`, no `//`, no backslash, no
/// control character.
fn is_still_local(decoded: &str) -> bool {
    decoded.starts_with('/')
        && !decoded.contains("//")
        && !decoded.contains('\\')
        && !decoded.chars().any(char::is_control)
}

/// One leading `/`, no `//`, and only unreserved URL characters plus `/ ? = & % + , ;`
/// (so no control character, space, backslash, `:` or `@`).
fn is_plain_local_path(text: &str) -> bool {
    text.len() <= MAX_LEN
        && text.starts_with('/')
        && !text.contains("//")
        && text.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'/' | b'-'
                        | b'_'
                        | b'.'
                        | b'~'
                        | b'?'
                        | b'='
                        | b'&'
                        | b'%'
                        | b'+'
                        | b','
                        | b';'
                )
        })
}

impl TryFrom<String> for ReturnPath {
    type Error = NotLocal;
    fn try_from(text: String) -> Result<ReturnPath, NotLocal> {
        ReturnPath::parse(&text)
    }
}

impl From<ReturnPath> for String {
    fn from(path: ReturnPath) -> String {
        path.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_app_own_paths_are_returned_to() {
        for path in [
            "/",
            "/runs",
            "/runs/alice/01JZ8Y3K4M5N6P7Q8R9S0T1V2W",
            "/new/2.1",
            "/runs?a=b&c=d%20e",
        ] {
            assert_eq!(ReturnPath::or_home(Some(path)).as_str(), path);
        }
    }

    #[test]
    fn paths_a_browser_could_follow_to_another_host_fall_back_home() {
        for hostile in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "\t//evil.example",
            "//evil.example",
            "///evil.example",
            "/%2F%2Fevil.example",
            "/%2f/evil.example",
            "/%09/evil.example",
            "/%0a/evil.example",
            "/%0D%0ALocation:%20https://evil.example",
            "/\\evil.example",
            "/%5Cevil.example",
            "\\\\evil.example",
            "https://evil.example",
            "https:evil.example",
            "/https://evil.example",
            "javascript:alert(1)",
            "/@evil.example",
            "/a b",
            "/%25%32%46%25%32%46evil.example",
            "/%FF",
            "",
            "runs",
        ] {
            assert_eq!(
                ReturnPath::or_home(Some(hostile)),
                ReturnPath::home(),
                "{hostile:?} was kept"
            );
        }
        assert_eq!(ReturnPath::or_home(None), ReturnPath::home());
        assert_eq!(
            ReturnPath::or_home(Some(&format!("/{}", "a".repeat(MAX_LEN)))),
            ReturnPath::home()
        );
    }

    #[test]
    fn a_stored_return_path_is_checked_again_when_read() {
        let ok: ReturnPath = serde_json::from_str("\"/runs\"").unwrap();
        assert_eq!(ok.as_str(), "/runs");
        assert!(serde_json::from_str::<ReturnPath>("\"//evil.example\"").is_err());
    }
}
