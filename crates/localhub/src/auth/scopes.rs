//! What an OAuth token may do: exactly its granted scopes, and never what the Hub keeps for
//! user access tokens.
//!
//! - The scopes the Hub knows (hub-docs `oauth.md` / `spaces-oauth.md`, the same list):
//!   anything else asked for at `/oauth/authorize` is refused.
//! - Scopes gate calls (chat-ui PR #2453: a token without `jobs` gets 403 on Jobs): `jobs`
//!   for Jobs, `manage-repos` (or `contribute-repos`) to create or delete a repo,
//!   `write-repos` or `manage-repos` to commit or change a repo, `inference-api` for
//!   Inference Providers (`/v1/chat/completions`), `gated-repos` for gated files. The Hub's
//!   wording of these 403s is not recorded; ours names the scope.
//! - `POST /api/spaces/{id}/hardware`, `/restart` and `/sleeptime` answer 401 "Invalid
//!   username or password." to any OAuth token (huggingface_hub issue #4972, observed).

use axum::http::StatusCode;

use super::{Caller, TokenKind};
use crate::errors::{ApiError, ApiResult};

/// Every OAuth scope the Hub documents.
pub const KNOWN: [&str; 18] = [
    "openid",
    "profile",
    "email",
    "read-billing",
    "read-memberships",
    "read-repos",
    "gated-repos",
    "contribute-repos",
    "write-repos",
    "manage-repos",
    "read-collections",
    "write-collections",
    "inference-api",
    "read-endpoints",
    "write-endpoints",
    "jobs",
    "webhooks",
    "write-discussions",
];

/// The first scope of a space-separated list the Hub does not know, if any.
pub fn unknown(scope: &str) -> Option<&str> {
    scope.split_whitespace().find(|s| !KNOWN.contains(s))
}

/// Ok when the caller's token carries one of `any_of` (user access tokens carry all);
/// else 403 naming the scope needed to `what`.
pub fn require(c: &Caller, any_of: &[&str], what: &str) -> ApiResult<()> {
    if any_of.iter().any(|s| c.has_scope(s)) {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        format!(
            "This OAuth token cannot {what}: it needs the scope {} (granted: {})",
            any_of.join(" or "),
            c.scope.as_deref().unwrap_or_default()
        ),
    ))
}

/// The 401 the Hub answers an OAuth token on the Space runtime endpoints it keeps for user
/// access tokens (hardware, restart, sleeptime).
pub fn user_token_only(c: &Caller) -> ApiResult<()> {
    if c.kind == TokenKind::OAuth {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "Invalid username or password.",
        ));
    }
    Ok(())
}

/// Scopes to create or delete a repo.
pub const CREATE_REPO: &[&str] = &["manage-repos", "contribute-repos"];
/// Scopes to write into a repo (commit, settings, secrets, variables).
pub const WRITE_REPO: &[&str] = &["write-repos", "manage-repos"];
/// Scope to delete a repo.
pub const DELETE_REPO: &[&str] = &["manage-repos"];
/// Scope for Jobs.
pub const JOBS: &[&str] = &["jobs"];
/// Scope for Inference Providers.
pub const INFERENCE: &[&str] = &["inference-api"];
/// Scope for gated repos' files.
pub const GATED: &str = "gated-repos";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::User;

    fn oauth(scope: &str) -> Caller {
        Caller {
            user: User::new("alice"),
            kind: TokenKind::OAuth,
            expires_at: None,
            scope: Some(scope.into()),
        }
    }

    #[test]
    fn an_oauth_token_has_exactly_its_scopes_and_an_access_token_all() {
        let c = oauth("openid profile write-repos");
        assert!(require(&c, WRITE_REPO, "commit").is_ok());
        let e = require(&c, JOBS, "run Jobs").unwrap_err();
        assert_eq!(e.status, StatusCode::FORBIDDEN);
        assert!(e.message.contains("jobs"), "{}", e.message);
        let access = Caller {
            kind: TokenKind::AccessToken,
            scope: None,
            ..c
        };
        assert!(require(&access, JOBS, "run Jobs").is_ok());
        assert!(user_token_only(&access).is_ok());
    }

    #[test]
    fn the_runtime_endpoints_refuse_oauth_tokens_as_the_hub_does() {
        let e = user_token_only(&oauth("openid profile manage-repos")).unwrap_err();
        assert_eq!(e.status, StatusCode::UNAUTHORIZED);
        assert_eq!(e.message, "Invalid username or password.");
    }

    #[test]
    fn the_factorys_scopes_are_all_known_and_made_up_ones_are_not() {
        let factory = "openid profile email read-repos write-repos manage-repos gated-repos inference-api jobs read-billing";
        assert_eq!(unknown(factory), None);
        assert_eq!(unknown("openid buckets"), Some("buckets"));
    }
}
