//! Sign-in with Hugging Face: `/login` sends the browser to the provider with PKCE S256, a
//! CSRF `state` and the factory's scopes; `/login/callback` checks the state, exchanges the
//! code and keeps the token in the server-side session; `POST /logout` forgets the session
//! (a `GET` would let any page sign the user out with an `<img>`).

use crate::security::oauth_error::ProviderError;
use crate::security::return_path::ReturnPath;
use crate::services::Services;
use crate::session::{self, PendingLogin, SignedIn};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use hub::Token;
use serde::Deserialize;
use std::sync::Arc;
use tower_sessions::Session;

/// The sign-in routes.
pub fn router() -> Router<Arc<Services>> {
    Router::new()
        .route("/login", get(login))
        .route("/login/callback", get(callback))
        .route("/logout", post(logout))
}

/// Why a sign-in failed, shown to the user as a page with a way to try again.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// The callback's `state` is not the one this session sent (CSRF or a stale tab).
    #[error("the sign-in answer does not belong to this browser session (state mismatch); please sign in again")]
    StateMismatch,
    /// The provider said no (e.g. the user declined); only its error code is shown.
    #[error("Hugging Face did not sign you in: {0}")]
    Denied(ProviderError),
    /// The provider's answer carried neither a code nor an error.
    #[error("Hugging Face did not sign you in: the answer carried no code")]
    NoCode,
    /// The provider could not be reached or refused the exchange.
    #[error("signing in with Hugging Face failed: {0}")]
    Hub(#[from] hub::HubError),
    /// The session store failed.
    #[error("{0}")]
    Session(#[from] session::SessionError),
}

impl IntoResponse for LoginError {
    fn into_response(self) -> Response {
        let status = match &self {
            LoginError::StateMismatch | LoginError::Denied(_) | LoginError::NoCode => {
                StatusCode::BAD_REQUEST
            }
            LoginError::Hub(_) => StatusCode::BAD_GATEWAY,
            LoginError::Session(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        tracing::warn!(error = %self, "sign-in failed");
        let page = format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign-in failed · Space Factory</title>\
             <link rel=\"stylesheet\" href=\"/pkg/{}.css\"></head><body><main class=\"login-error\">\
             <h1>Sign-in failed</h1><p role=\"alert\">{}</p><p><a class=\"button primary\" href=\"/login\">Try again</a> \
             <a href=\"/\">Home</a></p></main></body></html>",
            app::OUTPUT_NAME,
            escape(&self.to_string())
        );
        (status, Html(page)).into_response()
    }
}

/// Minimal HTML text escaping for the error page.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `?next=/runs/...`: where to return after signing in.
#[derive(Debug, Deserialize)]
struct LoginQuery {
    next: Option<String>,
}

async fn login(
    State(services): State<Arc<Services>>,
    session: Session,
    Query(query): Query<LoginQuery>,
) -> Result<Redirect, LoginError> {
    let discovery = services.discovery().await?;
    let request = services.oauth.authorization_request(discovery)?;
    session::start_login(
        &session,
        PendingLogin {
            state: request.state.clone(),
            verifier: request.pkce_verifier.expose().to_owned(),
            next: ReturnPath::or_home(query.next.as_deref()),
        },
    )
    .await?;
    Ok(Redirect::to(&request.url))
}

/// The provider's answer: a code and our state, or an error.
#[derive(Debug, Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

async fn callback(
    State(services): State<Arc<Services>>,
    session: Session,
    Query(query): Query<CallbackQuery>,
) -> Result<Redirect, LoginError> {
    let pending = session::take_login(&session).await?;
    if let Some(error) = query.error {
        return Err(LoginError::Denied(ProviderError::from_answer(
            &error,
            query.error_description.as_deref(),
        )));
    }
    let (Some(pending), Some(state)) = (pending, query.state) else {
        return Err(LoginError::StateMismatch);
    };
    if pending.state != state {
        return Err(LoginError::StateMismatch);
    }
    let code = query.code.ok_or(LoginError::NoCode)?;
    let discovery = services.discovery().await?;
    let tokens = services
        .oidc
        .exchange_code(
            discovery,
            &services.oauth,
            &code,
            &Token::new(pending.verifier),
        )
        .await?;
    let info = services
        .oidc
        .userinfo(discovery, &tokens.access_token)
        .await?;
    // `whoami-v2` tells the plan; sign-in goes on without it when the Hub does not answer.
    let who = services.api.hub.whoami(&tokens.access_token).await;
    let plan = who
        .as_ref()
        .map(app::api::server::plan_of)
        .unwrap_or_default();
    let orgs: Vec<String> = who
        .as_ref()
        .map(|w| w.orgs.iter().map(|o| o.name.clone()).collect())
        .unwrap_or_default();
    let username = match (info.preferred_username, who) {
        (Some(name), _) => name,
        (None, who) => who?.name,
    };
    // A provider that does not echo the scopes granted what was asked.
    let scopes = if tokens.scopes.is_empty() {
        services.oauth.scopes.clone()
    } else {
        tokens
            .scopes
            .iter()
            .flat_map(|s| s.split_whitespace())
            .map(str::to_owned)
            .collect()
    };
    tracing::info!(user = %username, scopes = ?scopes, "signed in");
    session::sign_in(
        &session,
        SignedIn::new(
            username,
            info.name,
            info.picture,
            scopes,
            &tokens.access_token,
            tokens.expires_in,
        )
        .with_plan(plan)
        .with_orgs(orgs),
    )
    .await?;
    Ok(Redirect::to(pending.next.as_str()))
}

async fn logout(session: Session) -> Result<Redirect, LoginError> {
    session::sign_out(&session).await?;
    Ok(Redirect::to("/"))
}
