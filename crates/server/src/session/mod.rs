//! The server-side session: who is signed in (with their token) and a sign-in in progress.
//!
//! Sessions live in memory on the server (a bounded store, [`store`]), keyed by a random id
//! in a signed cookie; the browser never holds the token. The cookie is `HttpOnly`, and
//! in a Space (inside the Hub's iframe) `Secure; SameSite=None` with the `__Host-` prefix
//! (so no other host, nor a path, can set or shadow it); `SameSite=Lax` locally.

pub mod store;

use hub::Token;
use serde::{Deserialize, Serialize};
use store::BoundedStore;
use tower_sessions::cookie::{time::Duration as CookieDuration, Key, SameSite};
use tower_sessions::{Expiry, Session, SessionManagerLayer};

/// The session cookie's name locally (plain HTTP: the `__Host-` prefix needs `Secure`).
pub const COOKIE_NAME: &str = "space_factory_session";

/// The session cookie's name in a Space.
pub const SPACE_COOKIE_NAME: &str = "__Host-space_factory_session";

/// The session cookie's name where the app is served.
pub fn cookie_name(in_space: bool) -> &'static str {
    if in_space {
        SPACE_COOKIE_NAME
    } else {
        COOKIE_NAME
    }
}

/// How long a sign-in in progress is kept: long enough to consent, short enough that a
/// loop of `/login` requests only ever holds a few minutes' worth.
pub const PENDING_LOGIN: CookieDuration = CookieDuration::minutes(10);

const USER_KEY: &str = "user";
const LOGIN_KEY: &str = "login";

/// How long a session lasts without use (the Hub's OAuth tokens last 8 hours).
const IDLE: CookieDuration = CookieDuration::hours(8);

/// The session layer: bounded in-memory store, signed cookie, flags by where the app is
/// served.
pub fn layer(
    in_space: bool,
    max_sessions: usize,
) -> SessionManagerLayer<BoundedStore, tower_sessions::service::SignedCookie> {
    SessionManagerLayer::new(BoundedStore::with_capacity(max_sessions))
        .with_name(cookie_name(in_space))
        .with_http_only(true)
        .with_secure(in_space)
        .with_same_site(if in_space {
            SameSite::None
        } else {
            SameSite::Lax
        })
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(IDLE))
        .with_signed(Key::generate())
}

/// The signed-in user, as kept on the server.
#[derive(Clone, Serialize, Deserialize)]
pub struct SignedIn {
    /// Hub username (namespace).
    pub username: String,
    /// Display name.
    pub name: Option<String>,
    /// Avatar URL.
    pub avatar_url: Option<String>,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// The OAuth access token; only ever sent to the Hub.
    token: String,
    /// When the token expires (Unix seconds), when the provider said (`expires_in`).
    #[serde(default)]
    expires_at: Option<u64>,
    /// What the account may spend on, as the Hub told at sign-in.
    #[serde(default)]
    pub plan: app::api::AccountPlan,
}

impl std::fmt::Debug for SignedIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedIn")
            .field("username", &self.username)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl SignedIn {
    /// A signed-in user with their token, which expires `expires_in` from now if known.
    pub fn new(
        username: String,
        name: Option<String>,
        avatar_url: Option<String>,
        scopes: Vec<String>,
        token: &Token,
        expires_in: Option<std::time::Duration>,
    ) -> SignedIn {
        SignedIn {
            username,
            name,
            avatar_url,
            scopes,
            token: token.expose().to_owned(),
            expires_at: expires_in.map(|d| unix_now().saturating_add(d.as_secs())),
            plan: app::api::AccountPlan::default(),
        }
    }

    /// The same user, with the plan the Hub told.
    pub fn with_plan(mut self, plan: app::api::AccountPlan) -> SignedIn {
        self.plan = plan;
        self
    }

    /// When the token expires (Unix seconds), if known.
    pub fn expires_at(&self) -> Option<u64> {
        self.expires_at
    }

    /// Whole minutes the token has left, if its expiry is known.
    pub fn minutes_left(&self) -> Option<u64> {
        self.expires_at.map(|at| at.saturating_sub(unix_now()) / 60)
    }

    /// The user's token, for Hub calls.
    pub fn token(&self) -> Token {
        Token::new(self.token.clone())
    }

    /// Whether the grant includes `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A sign-in between `/login` and `/login/callback`.
#[derive(Clone, Serialize, Deserialize)]
pub struct PendingLogin {
    /// The CSRF `state` sent to the provider.
    pub state: String,
    /// The PKCE verifier for the code exchange.
    pub verifier: String,
    /// Where to go after signing in.
    pub next: crate::security::return_path::ReturnPath,
}

/// Why the session could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("session store: {0}")]
pub struct SessionError(String);

fn store_err(e: tower_sessions::session::Error) -> SessionError {
    SessionError(e.to_string())
}

/// The signed-in user of a session, if any.
pub async fn signed_in(session: &Session) -> Result<Option<SignedIn>, SessionError> {
    session.get(USER_KEY).await.map_err(store_err)
}

/// Signs the session in, under a fresh session id (no fixation), for the full idle time.
pub async fn sign_in(session: &Session, user: SignedIn) -> Result<(), SessionError> {
    session.cycle_id().await.map_err(store_err)?;
    session.set_expiry(Some(Expiry::OnInactivity(IDLE)));
    session.insert(USER_KEY, user).await.map_err(store_err)
}

/// Records a sign-in in progress; a session that is not signed in yet lives only
/// [`PENDING_LOGIN`].
pub async fn start_login(session: &Session, login: PendingLogin) -> Result<(), SessionError> {
    if signed_in(session).await?.is_none() {
        session.set_expiry(Some(Expiry::OnInactivity(PENDING_LOGIN)));
    }
    session.insert(LOGIN_KEY, login).await.map_err(store_err)
}

/// Takes the sign-in in progress (it can be completed once).
pub async fn take_login(session: &Session) -> Result<Option<PendingLogin>, SessionError> {
    session.remove(LOGIN_KEY).await.map_err(store_err)
}

/// Forgets everything about the session and expires its cookie.
pub async fn sign_out(session: &Session) -> Result<(), SessionError> {
    session.flush().await.map_err(store_err)
}
