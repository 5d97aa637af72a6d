//! What the sign-in error page says about a provider's `?error=` answer.
//!
//! Anyone can send a browser to `/login/callback?error=…&error_description=…` with any
//! sentence in it, and the page shows it on the factory's origin. So the page names only
//! the error codes OAuth and OpenID Connect define, never the free-text
//! `error_description`, which is logged (shortened, escaped) for the operator instead.

/// A provider's error answer, reduced to what may be shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderError {
    /// `access_denied`: the user said no on the consent page.
    Declined,
    /// Another code the standards define.
    Known(&'static str),
    /// A code nobody defined (shown as a generic refusal).
    Unknown,
}

/// The error codes of RFC 6749 §4.1.2.1 and OpenID Connect Core §3.1.2.6.
const KNOWN_CODES: &[&str] = &[
    "invalid_request",
    "unauthorized_client",
    "unsupported_response_type",
    "invalid_scope",
    "server_error",
    "temporarily_unavailable",
    "interaction_required",
    "login_required",
    "account_selection_required",
    "consent_required",
    "invalid_request_uri",
    "invalid_request_object",
    "request_not_supported",
    "request_uri_not_supported",
    "registration_not_supported",
];

/// At most this many characters of `error_description` reach the log.
const LOGGED_CHARS: usize = 200;

impl ProviderError {
    /// The answer's `error` code, with its description logged, not kept.
    pub fn from_answer(code: &str, description: Option<&str>) -> ProviderError {
        if let Some(text) = description {
            let short: String = text.chars().take(LOGGED_CHARS).collect();
            tracing::info!(code = %code.escape_debug(), description = %short.escape_debug(), "the provider answered the sign-in with an error");
        }
        if code == "access_denied" {
            return ProviderError::Declined;
        }
        KNOWN_CODES
            .iter()
            .find(|known| **known == code)
            .map_or(ProviderError::Unknown, |known| ProviderError::Known(known))
    }
}

impl std::fmt::Display for ProviderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProviderError::Declined => f.write_str("the request was declined"),
            ProviderError::Known(code) => write!(f, "it answered `{code}`"),
            ProviderError::Unknown => f.write_str("it answered with an error"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_description_never_reaches_the_page() {
        let bait = "Your account is locked. Call +1 555 0100 or visit https://evil.example";
        for code in ["access_denied", "server_error", "x"] {
            let shown = ProviderError::from_answer(code, Some(bait)).to_string();
            assert!(!shown.contains("evil"), "{shown}");
            assert!(!shown.contains("555"), "{shown}");
        }
    }

    #[test]
    fn only_codes_the_standards_define_are_named() {
        assert_eq!(
            ProviderError::from_answer("access_denied", None),
            ProviderError::Declined
        );
        assert_eq!(
            ProviderError::from_answer("invalid_scope", None).to_string(),
            "it answered `invalid_scope`"
        );
        let made_up = ProviderError::from_answer("<b>please_call_us</b>", None).to_string();
        assert_eq!(made_up, "it answered with an error");
    }
}
