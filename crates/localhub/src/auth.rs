//! Local users, their tokens, and who is calling.
//!
//! Each user has a static dev token (`hf_...`) for CLIs and tests; OAuth logins mint further
//! tokens (`hf_oauth_...`). Tokens are wrapped in [`Token`] so they never show in Debug output.

pub mod oidc;

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use rand::distributions::Alphanumeric;
use rand::Rng;
use serde_json::json;

use crate::errors::HubError;
use crate::AppState;

/// A secret token; Debug and Display never reveal it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Token(String);

impl Token {
    /// Wraps a token string.
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    /// A fresh random token with the given prefix (`hf_` or `hf_oauth_`).
    pub fn random(prefix: &str) -> Self {
        let tail: String = rand::thread_rng()
            .sample_iter(&Alphanumeric)
            .take(34)
            .map(char::from)
            .collect();
        Self(format!("{prefix}{tail}"))
    }
    /// The secret itself, for headers.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

/// A local user account (the Hub's `preferred_username` is `name`).
#[derive(Debug, Clone)]
pub struct User {
    /// Username and namespace.
    pub name: String,
    /// Stable id (`sub`).
    pub id: String,
    /// Display name.
    pub fullname: String,
    /// Whether the account is PRO (reported in userinfo and whoami).
    pub is_pro: bool,
    /// The static dev token; random unless given.
    pub token: Token,
}

impl User {
    /// A user with a random dev token.
    pub fn new(name: &str) -> Self {
        let id = format!("{:024x}", rand::thread_rng().gen::<u128>() >> 32);
        let mut fullname = name.to_string();
        if let Some(f) = fullname.get_mut(0..1) {
            f.make_ascii_uppercase();
        }
        Self {
            name: name.into(),
            id,
            fullname,
            is_pro: true,
            token: Token::random("hf_"),
        }
    }
    /// Same user with a fixed dev token.
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Token::new(token);
        self
    }
}

/// How a request was authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A user access token (the dev token).
    AccessToken,
    /// A token minted by the OAuth code flow.
    OAuth,
}

/// A minted OAuth access token's record.
#[derive(Debug, Clone)]
struct OAuthGrant {
    user: String,
    scope: String,
    expires_at: chrono::DateTime<chrono::Utc>,
}

/// All users and token lookups.
#[derive(Debug)]
pub struct Accounts {
    users: Vec<User>,
    oauth: Mutex<HashMap<Token, OAuthGrant>>,
}

impl Accounts {
    /// The accounts for these users.
    pub fn new(users: Vec<User>) -> Self {
        Self {
            users,
            oauth: Mutex::new(HashMap::new()),
        }
    }
    /// All users.
    pub fn users(&self) -> &[User] {
        &self.users
    }
    /// A user by name.
    pub fn user(&self, name: &str) -> Option<&User> {
        self.users.iter().find(|u| u.name == name)
    }
    /// Looks a bearer token up.
    pub fn authenticate(&self, token: &str) -> Option<Caller> {
        if let Some(u) = self.users.iter().find(|u| u.token.expose() == token) {
            return Some(Caller {
                user: u.clone(),
                kind: TokenKind::AccessToken,
                expires_at: None,
            });
        }
        let map = self.oauth.lock().expect("oauth lock");
        let g = map.get(&Token::new(token))?;
        if g.expires_at < chrono::Utc::now() {
            return None;
        }
        let user = self.user(&g.user)?.clone();
        Some(Caller {
            user,
            kind: TokenKind::OAuth,
            expires_at: Some(g.expires_at),
        })
    }
    /// Mints an OAuth access token for a user.
    pub fn mint_oauth(&self, user: &str, scope: &str, ttl_secs: i64) -> Token {
        let t = Token::random("hf_oauth_");
        let g = OAuthGrant {
            user: user.into(),
            scope: scope.into(),
            expires_at: chrono::Utc::now() + chrono::Duration::seconds(ttl_secs),
        };
        self.oauth.lock().expect("oauth lock").insert(t.clone(), g);
        t
    }
    /// Every OAuth access token minted for `user` (for tests that search for leaks).
    pub fn oauth_tokens_of(&self, user: &str) -> Vec<Token> {
        self.oauth
            .lock()
            .expect("oauth lock")
            .iter()
            .filter(|(_, g)| g.user == user)
            .map(|(t, _)| t.clone())
            .collect()
    }
    /// The scope granted to an OAuth token.
    pub fn oauth_scope(&self, token: &str) -> Option<String> {
        self.oauth
            .lock()
            .expect("oauth lock")
            .get(&Token::new(token))
            .map(|g| g.scope.clone())
    }
}

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Who.
    pub user: User,
    /// Which kind of token.
    pub kind: TokenKind,
    /// Expiry of an OAuth token.
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The caller if a valid token was sent, else `None` (anonymous). A token that is sent but
/// unknown is rejected with 401, as the Hub does.
#[derive(Debug, Clone)]
pub struct MaybeCaller(pub Option<Caller>);

/// A required caller: 401 without a valid token.
#[derive(Debug, Clone)]
pub struct Authed(pub Caller);

/// The bearer token of a request, if any.
pub fn bearer(parts: &axum::http::HeaderMap) -> Option<&str> {
    let v = parts.get("authorization")?.to_str().ok()?;
    v.strip_prefix("Bearer ")
        .or_else(|| v.strip_prefix("bearer "))
        .map(str::trim)
}

impl FromRequestParts<AppState> for MaybeCaller {
    type Rejection = HubError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match bearer(&parts.headers) {
            None => Ok(MaybeCaller(None)),
            Some(t) => state
                .accounts
                .authenticate(t)
                .map(|c| MaybeCaller(Some(c)))
                .ok_or_else(HubError::unauthorized),
        }
    }
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = HubError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let MaybeCaller(c) = MaybeCaller::from_request_parts(parts, state).await?;
        c.map(Authed).ok_or_else(HubError::unauthorized)
    }
}

/// `GET /api/whoami-v2`.
pub async fn whoami(Authed(c): Authed) -> axum::Json<serde_json::Value> {
    let auth = match c.kind {
        TokenKind::AccessToken => {
            json!({"type": "access_token", "accessToken": {"displayName": "localhub dev token", "role": "write"}})
        }
        TokenKind::OAuth => {
            json!({"type": "oauth", "expiresAt": c.expires_at.map(|e| e.to_rfc3339())})
        }
    };
    axum::Json(json!({
        "type": "user",
        "id": c.user.id,
        "name": c.user.name,
        "fullname": c.user.fullname,
        "email": format!("{}@localhub.invalid", c.user.name),
        "emailVerified": true,
        "isPro": c.user.is_pro,
        "canPay": true,
        "avatarUrl": format!("https://localhub.invalid/avatars/{}.png", c.user.name),
        "orgs": [],
        "auth": auth,
    }))
}
