//! The signed-in viewer of a request: who they are and their token, as the session keeps
//! them on the server (the browser never holds the token).
//!
//! The server's sign-in routes write it ([`sign_in`]); every server function reads it.

use crate::api::{ApiError, Me};
use http::request::Parts;
use hub::Token;
use serde::{Deserialize, Serialize};
use tower_sessions::cookie::time::Duration as CookieDuration;
use tower_sessions::{Expiry, Session};

const USER_KEY: &str = "user";

/// How long a session lasts without use (the Hub's OAuth tokens last 8 hours).
pub const SESSION_IDLE: CookieDuration = CookieDuration::hours(8);

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
    pub plan: crate::api::AccountPlan,
    /// The organizations the user belongs to, as the Hub told at sign-in.
    #[serde(default)]
    pub orgs: Vec<String>,
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
            plan: crate::api::AccountPlan::default(),
            orgs: Vec::new(),
        }
    }

    /// The same user, with the plan the Hub told.
    pub fn with_plan(mut self, plan: crate::api::AccountPlan) -> SignedIn {
        self.plan = plan;
        self
    }

    /// The same user, a member of these organizations.
    pub fn with_orgs(mut self, orgs: Vec<String>) -> SignedIn {
        self.orgs = orgs;
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

/// Why the session could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("session store: {0}")]
pub struct SessionError(String);

impl From<tower_sessions::session::Error> for SessionError {
    fn from(e: tower_sessions::session::Error) -> SessionError {
        SessionError(e.to_string())
    }
}

/// The signed-in user of a session, if any.
pub async fn signed_in(session: &Session) -> Result<Option<SignedIn>, SessionError> {
    session.get(USER_KEY).await.map_err(SessionError::from)
}

/// Signs the session in, under a fresh session id (no fixation), for the full idle time.
pub async fn sign_in(session: &Session, user: SignedIn) -> Result<(), SessionError> {
    session.cycle_id().await.map_err(SessionError::from)?;
    session.set_expiry(Some(Expiry::OnInactivity(SESSION_IDLE)));
    session
        .insert(USER_KEY, user)
        .await
        .map_err(SessionError::from)
}

/// Forgets everything about the session and expires its cookie.
pub async fn sign_out(session: &Session) -> Result<(), SessionError> {
    session.flush().await.map_err(SessionError::from)
}

/// The signed-in viewer of a request, if any.
pub async fn viewer_of(parts: &Parts) -> Result<Option<SignedIn>, ApiError> {
    let Some(session) = parts.extensions.get::<Session>() else {
        return Ok(None);
    };
    signed_in(session)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// The signed-in viewer of a session, or [`ApiError::NotSignedIn`].
pub async fn require_viewer_in(session: &Session) -> Result<SignedIn, ApiError> {
    signed_in(session)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .ok_or(ApiError::NotSignedIn)
}

/// The signed-in viewer, or [`ApiError::NotSignedIn`].
pub async fn require_viewer(parts: &Parts) -> Result<SignedIn, ApiError> {
    viewer_of(parts).await?.ok_or(ApiError::NotSignedIn)
}

/// A Hub 401 with the viewer's token means the token stopped working (expired or revoked):
/// the session is ended, so the pages ask to sign in again instead of failing at every step.
/// (Every `NotSignedIn` ends it; without a session there is nothing to end.)
pub async fn end_session_on_401<T>(
    session: Option<&Session>,
    result: Result<T, ApiError>,
) -> Result<T, ApiError> {
    if let (Err(ApiError::NotSignedIn), Some(session)) = (&result, session) {
        if let Err(err) = sign_out(session).await {
            tracing::warn!(error = %err, "could not end a session whose token the Hub refused");
        }
    }
    result
}

/// The user as the pages see them, with what their grant lacks of `requested`.
pub fn me(user: &SignedIn, requested: &[String]) -> Me {
    let missing_scopes: Vec<String> = requested
        .iter()
        .filter(|s| !user.has_scope(s))
        .cloned()
        .collect();
    Me {
        username: user.username.clone(),
        name: user.name.clone(),
        avatar_url: user.avatar_url.clone(),
        scopes: user.scopes.clone(),
        can_launch: user.has_scope("jobs"),
        missing_scopes,
        sign_in_minutes_left: user.minutes_left(),
        plan: user.plan,
        orgs: user.orgs.clone(),
    }
}
