//! The server-side session: who is signed in (with their token) and a sign-in in progress.
//!
//! Sessions live in memory on the server (a bounded store, [`store`]), keyed by a random id
//! in a signed cookie; the browser never holds the token. The cookie is `HttpOnly`, and
//! in a Space (inside the Hub's iframe) `Secure; SameSite=None` with the `__Host-` prefix
//! (so no other host, nor a path, can set or shadow it); `SameSite=Lax` locally.

pub mod store;

use app::api::server::viewer::SESSION_IDLE;
pub use app::api::server::viewer::{sign_in, sign_out, signed_in, SessionError, SignedIn};
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

const LOGIN_KEY: &str = "login";

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
        .with_expiry(Expiry::OnInactivity(SESSION_IDLE))
        .with_signed(Key::generate())
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

/// Records a sign-in in progress; a session that is not signed in yet lives only
/// [`PENDING_LOGIN`].
pub async fn start_login(session: &Session, login: PendingLogin) -> Result<(), SessionError> {
    if signed_in(session).await?.is_none() {
        session.set_expiry(Some(Expiry::OnInactivity(PENDING_LOGIN)));
    }
    session
        .insert(LOGIN_KEY, login)
        .await
        .map_err(SessionError::from)
}

/// Takes the sign-in in progress (it can be completed once).
pub async fn take_login(session: &Session) -> Result<Option<PendingLogin>, SessionError> {
    session.remove(LOGIN_KEY).await.map_err(SessionError::from)
}
