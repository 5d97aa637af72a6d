//! Local users, their tokens, and who is calling.
//!
//! Each user has a static dev token (`hf_...`) for CLIs and tests; OAuth logins mint further
//! tokens (`hf_oauth_...`). Tokens are wrapped in [`SecretToken`] so they never show in Debug output.

pub mod clients;
pub mod oidc;
pub mod scopes;

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use rand::distributions::Alphanumeric;
use rand::Rng;
use serde_json::json;

use crate::errors::ApiError;
use crate::plans::Plan;
use crate::AppState;

/// A secret token; Debug and Display never reveal it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SecretToken(String);

impl SecretToken {
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

impl fmt::Debug for SecretToken {
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
    /// The account's plan: what it may host ([`crate::plans`]).
    pub plan: Plan,
    /// Whether the account can pay (a payment method or a positive credit balance): Jobs
    /// need it ([`crate::plans`]).
    pub can_pay: bool,
    /// The static dev token; random unless given.
    pub token: SecretToken,
}

impl User {
    /// A user with a random dev token. The local users have the plans the access rules are
    /// tested with: `alice` is PRO and can pay, `bob` is free and can pay, `carol` is free
    /// and cannot pay; any other name is a new free account that cannot pay yet.
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
            plan: if name == "alice" {
                Plan::Pro
            } else {
                Plan::Free
            },
            can_pay: matches!(name, "alice" | "bob"),
            token: SecretToken::random("hf_"),
        }
    }
    /// Same user on another plan.
    pub fn plan(mut self, plan: Plan) -> Self {
        self.plan = plan;
        self
    }
    /// Same user, able to pay (or not).
    pub fn can_pay(mut self, can_pay: bool) -> Self {
        self.can_pay = can_pay;
        self
    }
    /// Whether the user is PRO (whoami's `isPro`).
    pub fn is_pro(&self) -> bool {
        self.plan == Plan::Pro
    }
    /// Same user with a fixed dev token.
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = SecretToken::new(token);
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
    orgs: Vec<crate::plans::Org>,
    oauth: Mutex<HashMap<SecretToken, OAuthGrant>>,
}

impl Accounts {
    /// The accounts for these users and organizations.
    pub fn new(users: Vec<User>, orgs: Vec<crate::plans::Org>) -> Self {
        Self {
            users,
            orgs,
            oauth: Mutex::new(HashMap::new()),
        }
    }
    /// The organizations `user` is a member of.
    pub fn orgs_of(&self, user: &str) -> Vec<&crate::plans::Org> {
        self.orgs.iter().filter(|o| o.has_member(user)).collect()
    }
    /// An organization by name.
    pub fn org(&self, name: &str) -> Option<&crate::plans::Org> {
        self.orgs.iter().find(|o| o.name == name)
    }
    /// Who pays for namespace `ns`: its organization, or its user (an unknown namespace is
    /// treated as a new free account).
    pub fn payer(&self, ns: &str) -> crate::plans::Payer {
        if let Some(o) = self.org(ns) {
            return crate::plans::Payer::Org { paid: o.paid };
        }
        let user = self.user(ns);
        crate::plans::Payer::User {
            pro: user.is_some_and(User::is_pro),
            can_pay: user.is_some_and(|u| u.can_pay),
        }
    }
    /// Whether `user` may write in namespace `ns`: their own, or an org they belong to.
    pub fn may_write_in(&self, user: &str, ns: &str) -> bool {
        ns == user || self.org(ns).is_some_and(|o| o.has_member(user))
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
                scope: None,
            });
        }
        let map = self.oauth.lock().expect("oauth lock");
        let g = map.get(&SecretToken::new(token))?;
        if g.expires_at < chrono::Utc::now() {
            return None;
        }
        let user = self.user(&g.user)?.clone();
        Some(Caller {
            user,
            kind: TokenKind::OAuth,
            expires_at: Some(g.expires_at),
            scope: Some(g.scope.clone()),
        })
    }
    /// Mints an OAuth access token for a user.
    pub fn mint_oauth(&self, user: &str, scope: &str, ttl_secs: i64) -> SecretToken {
        let t = SecretToken::random("hf_oauth_");
        let g = OAuthGrant {
            user: user.into(),
            scope: scope.into(),
            expires_at: chrono::Utc::now() + chrono::Duration::seconds(ttl_secs),
        };
        self.oauth.lock().expect("oauth lock").insert(t.clone(), g);
        t
    }
    /// Every OAuth access token minted for `user` (for tests that search for leaks).
    pub fn oauth_tokens_of(&self, user: &str) -> Vec<SecretToken> {
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
            .get(&SecretToken::new(token))
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
    /// The scopes an OAuth token was granted (space-separated); `None` for a user access
    /// token, which has every right of its user.
    pub scope: Option<String>,
}

impl Caller {
    /// Whether the token carries `scope` (a user access token carries them all).
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scope
            .as_deref()
            .is_none_or(|s| s.split_whitespace().any(|g| g == scope))
    }
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
    type Rejection = ApiError;
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
                .ok_or_else(ApiError::unauthorized),
        }
    }
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let MaybeCaller(c) = MaybeCaller::from_request_parts(parts, state).await?;
        c.map(Authed).ok_or_else(ApiError::unauthorized)
    }
}

/// `GET /api/whoami-v2`: the user, `isPro`, `orgs`, and `canPay` unless an OAuth token
/// lacks `read-billing` (the Hub leaves it out then).
pub async fn whoami(
    axum::extract::State(s): axum::extract::State<AppState>,
    Authed(c): Authed,
) -> axum::Json<serde_json::Value> {
    let auth = match c.kind {
        TokenKind::AccessToken => {
            json!({"type": "access_token", "accessToken": {"displayName": "localhub dev token", "role": "write"}})
        }
        TokenKind::OAuth => {
            json!({"type": "oauth", "expiresAt": c.expires_at.map(|e| e.to_rfc3339())})
        }
    };
    let orgs: Vec<serde_json::Value> = s
        .accounts
        .orgs_of(&c.user.name)
        .iter()
        .map(|o| o.whoami_json(c.has_scope("read-billing")))
        .collect();
    let mut v = json!({
        "type": "user",
        "id": c.user.id,
        "name": c.user.name,
        "fullname": c.user.fullname,
        "email": format!("{}@localhub.invalid", c.user.name),
        "emailVerified": true,
        "isPro": c.user.is_pro(),
        "avatarUrl": format!("https://localhub.invalid/avatars/{}.png", c.user.name),
        "orgs": orgs,
        "auth": auth,
    });
    if c.has_scope("read-billing") {
        v["canPay"] = json!(c.user.can_pay);
    }
    axum::Json(v)
}
