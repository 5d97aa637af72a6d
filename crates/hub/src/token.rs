//! The user's access token, kept out of every `Debug`, `Display` and log line.

use std::fmt;

/// A Hub access token (a user token or an OAuth `hf_oauth_…` token).
///
/// It exists so a token can be passed around without ever being printed: `Debug` and
/// `Display` show `Token(***)`. Only [`Token::expose`] gives the secret, and the client
/// calls it solely to build the `Authorization` header.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wraps a token string.
    pub fn new(secret: impl Into<String>) -> Token {
        Token(secret.into())
    }

    /// The secret itself, for the `Authorization` header or a Job's encrypted secrets.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `Bearer <token>`, the header value every Hub call carries.
    pub(crate) fn bearer(&self) -> String {
        format!("Bearer {}", self.0)
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<String> for Token {
    fn from(s: String) -> Token {
        Token(s)
    }
}

impl From<&str> for Token {
    fn from(s: &str) -> Token {
        Token(s.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_are_redacted() {
        let t = Token::new("hf_secret_value");
        assert_eq!(format!("{t:?}"), "Token(***)");
        assert_eq!(format!("{t}"), "***");
        assert!(!format!("{:?}", Some(&t)).contains("hf_secret"));
        assert_eq!(t.expose(), "hf_secret_value");
        assert_eq!(t.bearer(), "Bearer hf_secret_value");
    }
}
