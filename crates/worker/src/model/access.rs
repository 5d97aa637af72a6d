//! The worker's way into the Hub: the endpoint from `HF_ENDPOINT` (the Hub by default) and
//! the user's token from the Job's `HF_TOKEN` secret, never from an argument.

use hub::{HubClient, Token};

/// The environment variable the Job's secret token arrives in.
pub const TOKEN_ENV: &str = "HF_TOKEN";

/// A client for the configured Hub and the user's token, when the Job was given one.
#[derive(Debug, Clone)]
pub struct HubAccess {
    /// The client (base URL from `HF_ENDPOINT`).
    pub client: HubClient,
    /// The user's token.
    pub token: Option<Token>,
}

impl HubAccess {
    /// Reads `HF_ENDPOINT` and `HF_TOKEN`.
    pub fn from_env() -> Result<HubAccess, String> {
        let client = HubClient::from_env().map_err(|e| format!("cannot reach the Hub: {e}"))?;
        let token = std::env::var(TOKEN_ENV)
            .ok()
            .filter(|t| !t.trim().is_empty())
            .map(Token::new);
        Ok(HubAccess { client, token })
    }
}
