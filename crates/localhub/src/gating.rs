//! Who may download a gated repo's files. The Hub lists a gated repo, its info and its file
//! tree to anyone who can see it, but serves its files only to users granted access: 401
//! to a caller who is not signed in, 403 to one who was not granted it, both with
//! `X-Error-Code: GatedRepo` (which `huggingface_hub` raises as `GatedRepoError`) and the
//! Hub's messages. The card (`README.md`) stays readable, as the Hub shows it on the page.
//!
//! Here the owner is the only user with access: localhub has no access requests yet.

use axum::http::StatusCode;

use crate::auth::Caller;
use crate::errors::{ApiError, ApiResult};
use crate::store::{RepoKind, RepoMeta};

/// Files of a gated repo that anyone who sees the repo may download.
const ALWAYS_READABLE: [&str; 2] = ["README.md", ".gitattributes"];

/// Whether `caller` may download `path` of the repo `m`; the Hub's refusal otherwise.
pub fn check_download(
    m: &RepoMeta,
    caller: Option<&Caller>,
    path: &str,
    base_url: &str,
) -> ApiResult<()> {
    if m.gated.is_none() || m.kind == RepoKind::Space || ALWAYS_READABLE.contains(&path) {
        return Ok(());
    }
    let id = m.id();
    let word = m.kind.word().to_lowercase();
    match caller {
        Some(c) if c.user.name == m.ns => Ok(()),
        Some(c) if !c.has_scope(crate::auth::scopes::GATED) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!(
                "Access to {word} {id} is restricted: this OAuth token lacks the scope {}.",
                crate::auth::scopes::GATED
            ),
        )
        .code("GatedRepo")),
        Some(_) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!(
                "Access to {word} {id} is restricted and you are not in the authorized list. Visit {base_url}/{}{id} to ask for access.",
                m.kind.url_prefix()
            ),
        )
        .code("GatedRepo")),
        None => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            format!(
                "Access to {word} {id} is restricted. You must have access to it and be authenticated to access it. Please log in."
            ),
        )
        .code("GatedRepo")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{TokenKind, User};

    fn repo(gated: Option<&str>) -> RepoMeta {
        RepoMeta {
            kind: RepoKind::Model,
            ns: "alice".into(),
            name: "m".into(),
            private: false,
            sdk: None,
            gated: gated.map(str::to_owned),
            created_at: String::new(),
            commits: Vec::new(),
        }
    }

    fn caller(name: &str) -> Caller {
        Caller {
            user: User::new(name),
            kind: TokenKind::AccessToken,
            expires_at: None,
            scope: None,
        }
    }

    #[test]
    fn an_open_repo_serves_everybody() {
        assert!(check_download(&repo(None), None, "config.json", "http://h").is_ok());
    }

    #[test]
    fn a_gated_repo_refuses_strangers_with_the_hubs_statuses_and_messages() {
        let m = repo(Some("manual"));
        let anonymous = check_download(&m, None, "config.json", "http://h").unwrap_err();
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
        assert_eq!(anonymous.code, Some("GatedRepo"));
        assert!(
            anonymous.message.contains("Please log in"),
            "{}",
            anonymous.message
        );
        let bob =
            check_download(&m, Some(&caller("bob")), "model.safetensors", "http://h").unwrap_err();
        assert_eq!(bob.status, StatusCode::FORBIDDEN);
        assert_eq!(bob.code, Some("GatedRepo"));
        assert_eq!(
            bob.message,
            "Access to model alice/m is restricted and you are not in the authorized list. Visit http://h/alice/m to ask for access."
        );
    }

    #[test]
    fn the_owner_and_the_card_stay_readable() {
        let m = repo(Some("auto"));
        assert!(check_download(&m, Some(&caller("alice")), "config.json", "http://h").is_ok());
        assert!(check_download(&m, None, "README.md", "http://h").is_ok());
        assert!(check_download(&m, Some(&caller("bob")), "README.md", "http://h").is_ok());
    }
}
