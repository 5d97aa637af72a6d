//! Sign-in with Hugging Face (OpenID Connect): discovery, the authorization URL with PKCE
//! S256 and a CSRF `state`, code exchange, refresh, and userinfo. The flow's mechanics come
//! from the `oauth2` crate; this module only adapts it to the Hub.

use std::time::Duration;

use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope, TokenResponse, TokenUrl,
};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::{HubClient, Req};
use crate::error::{HubError, HubResult};
use crate::token::Token;

/// The scopes the factory needs: identity, Spaces (create/manage), gated models' files
/// (recipes 5 and 6), Jobs, Inference Providers, and billing (`whoami-v2` tells `canPay`
/// only with `read-billing`). Scopes must be *requested*; app-registration scopes are only
/// a fallback.
pub const FACTORY_SCOPES: &[&str] = &[
    "openid",
    "profile",
    "read-repos",
    "write-repos",
    "manage-repos",
    "gated-repos",
    "inference-api",
    "jobs",
    "read-billing",
];

/// The endpoints of `/.well-known/openid-configuration` the flow uses. Other keys of the
/// live document (`jwks_uri`, `scopes_supported`, …) are unverified and kept raw in `extra`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct OidcDiscovery {
    /// Issuer.
    #[serde(default)]
    pub issuer: Option<String>,
    /// Where the browser is sent to sign in.
    pub authorization_endpoint: String,
    /// Code and refresh exchange.
    pub token_endpoint: String,
    /// Claims about the signed-in user.
    pub userinfo_endpoint: String,
    /// Everything else.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

/// The factory's registration as an OAuth app. `Debug` hides the secret.
#[derive(Clone)]
pub struct OAuthApp {
    /// Client id.
    pub client_id: String,
    /// Client secret; `None` for a public client (PKCE only).
    pub client_secret: Option<Token>,
    /// Callback URL, exactly as registered.
    pub redirect_uri: String,
    /// Requested scopes.
    pub scopes: Vec<String>,
}

impl std::fmt::Debug for OAuthApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthApp")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "***"))
            .field("redirect_uri", &self.redirect_uri)
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// What the login handler keeps in the session until the callback: the URL to redirect the
/// browser to, the `state` to compare, and the PKCE verifier for the exchange.
#[derive(Clone)]
pub struct AuthorizationRequest {
    /// Send the browser here.
    pub url: String,
    /// CSRF state; the callback's `state` must equal it.
    pub state: String,
    /// PKCE verifier for [`HubClient::exchange_code`].
    pub pkce_verifier: Token,
}

impl std::fmt::Debug for AuthorizationRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizationRequest")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// Tokens from the token endpoint.
#[derive(Debug, Clone)]
pub struct TokenSet {
    /// The access token for Hub calls.
    pub access_token: Token,
    /// Present only when the Hub issues one (not documented for web apps).
    pub refresh_token: Option<Token>,
    /// Lifetime, from `expires_in`.
    pub expires_in: Option<Duration>,
    /// Granted scopes (may be fewer than requested).
    pub scopes: Vec<String>,
}

/// OIDC userinfo claims (HF-specific ones are camelCase).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserInfo {
    /// Stable user id.
    pub sub: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Username = namespace.
    #[serde(default, rename = "preferred_username")]
    pub preferred_username: Option<String>,
    /// Avatar URL.
    #[serde(default)]
    pub picture: Option<String>,
    /// Email (scope `email`).
    #[serde(default)]
    pub email: Option<String>,
    /// PRO subscriber.
    #[serde(default)]
    pub is_pro: Option<bool>,
    /// Organizations (raw).
    #[serde(default)]
    pub orgs: Vec<Value>,
}

fn bad_url(what: &str, e: impl std::fmt::Display) -> HubError {
    HubError::InvalidInput(format!("bad {what}: {e}"))
}

impl OAuthApp {
    fn client(
        &self,
        d: &OidcDiscovery,
    ) -> HubResult<
        oauth2::basic::BasicClient<
            oauth2::EndpointSet,
            oauth2::EndpointNotSet,
            oauth2::EndpointNotSet,
            oauth2::EndpointNotSet,
            oauth2::EndpointSet,
        >,
    > {
        let mut c = BasicClient::new(ClientId::new(self.client_id.clone()))
            .set_auth_uri(
                AuthUrl::new(d.authorization_endpoint.clone())
                    .map_err(|e| bad_url("authorization_endpoint", e))?,
            )
            .set_token_uri(
                TokenUrl::new(d.token_endpoint.clone())
                    .map_err(|e| bad_url("token_endpoint", e))?,
            )
            .set_redirect_uri(
                RedirectUrl::new(self.redirect_uri.clone())
                    .map_err(|e| bad_url("redirect_uri", e))?,
            );
        if let Some(s) = &self.client_secret {
            c = c.set_client_secret(ClientSecret::new(s.expose().to_owned()));
        }
        Ok(c)
    }

    /// The authorization URL with PKCE S256, a random `state` and the requested scopes.
    pub fn authorization_request(&self, d: &OidcDiscovery) -> HubResult<AuthorizationRequest> {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state) = self
            .client(d)?
            .authorize_url(CsrfToken::new_random)
            .add_scopes(self.scopes.iter().cloned().map(Scope::new))
            .set_pkce_challenge(challenge)
            .url();
        Ok(AuthorizationRequest {
            url: url.to_string(),
            state: state.secret().clone(),
            pkce_verifier: Token::new(verifier.secret().clone()),
        })
    }
}

fn token_set<R: TokenResponse>(r: &R) -> TokenSet {
    TokenSet {
        access_token: Token::new(r.access_token().secret().clone()),
        refresh_token: r.refresh_token().map(|t| Token::new(t.secret().clone())),
        expires_in: r.expires_in(),
        scopes: r
            .scopes()
            .map(|s| s.iter().map(|s| s.to_string()).collect())
            .unwrap_or_default(),
    }
}

fn token_error<RE: std::error::Error + 'static>(
    e: RequestTokenError<RE, oauth2::StandardErrorResponse<BasicErrorResponseType>>,
) -> HubError {
    match e {
        RequestTokenError::ServerResponse(r) => {
            let msg = match r.error_description() {
                Some(d) => format!("{}: {d}", r.error()),
                None => r.error().to_string(),
            };
            match r.error() {
                BasicErrorResponseType::InvalidClient
                | BasicErrorResponseType::InvalidGrant
                | BasicErrorResponseType::UnauthorizedClient => HubError::Unauthorized {
                    message: msg,
                    code: None,
                },
                _ => HubError::BadRequest {
                    status: 400,
                    message: msg,
                },
            }
        }
        RequestTokenError::Request(e) => HubError::Network(e.to_string()),
        RequestTokenError::Parse(e, _) => HubError::Protocol(format!("token answer: {e}")),
        RequestTokenError::Other(s) => HubError::Protocol(s),
    }
}

impl HubClient {
    /// `GET {endpoint}/.well-known/openid-configuration`.
    pub async fn oidc_discovery(&self) -> HubResult<OidcDiscovery> {
        self.json(Req::new(
            Method::GET,
            self.url(&[".well-known", "openid-configuration"]),
            None,
        ))
        .await
    }

    /// Exchanges the callback's `code` (after the caller checked `state`) for tokens.
    /// Not retried: codes are single-use.
    pub async fn exchange_code(
        &self,
        d: &OidcDiscovery,
        app: &OAuthApp,
        code: &str,
        pkce_verifier: &Token,
    ) -> HubResult<TokenSet> {
        let r = app
            .client(d)?
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.expose().to_owned()))
            .request_async(&self.http)
            .await
            .map_err(token_error)?;
        Ok(token_set(&r))
    }

    /// Trades a refresh token for new tokens (the refresh token may rotate).
    pub async fn refresh_token(
        &self,
        d: &OidcDiscovery,
        app: &OAuthApp,
        refresh_token: &Token,
    ) -> HubResult<TokenSet> {
        let r = app
            .client(d)?
            .exchange_refresh_token(&RefreshToken::new(refresh_token.expose().to_owned()))
            .request_async(&self.http)
            .await
            .map_err(token_error)?;
        Ok(token_set(&r))
    }

    /// `GET {userinfo_endpoint}`.
    pub async fn userinfo(&self, d: &OidcDiscovery, token: &Token) -> HubResult<UserInfo> {
        let url =
            url::Url::parse(&d.userinfo_endpoint).map_err(|e| bad_url("userinfo_endpoint", e))?;
        self.json(Req::new(Method::GET, url, Some(token))).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn discovery() -> OidcDiscovery {
        serde_json::from_value(serde_json::json!({
            "issuer": "http://127.0.0.1:9",
            "authorization_endpoint": "http://127.0.0.1:9/oauth/authorize",
            "token_endpoint": "http://127.0.0.1:9/oauth/token",
            "userinfo_endpoint": "http://127.0.0.1:9/oauth/userinfo",
            "jwks_uri": "http://127.0.0.1:9/jwks"
        }))
        .unwrap()
    }

    #[test]
    fn authorization_url_has_pkce_state_and_scopes() {
        let app = OAuthApp {
            client_id: "cid".into(),
            client_secret: Some(Token::new("csecret")),
            redirect_uri: "http://127.0.0.1:3000/auth/callback".into(),
            scopes: FACTORY_SCOPES.iter().map(|s| s.to_string()).collect(),
        };
        let a = app.authorization_request(&discovery()).unwrap();
        let u = url::Url::parse(&a.url).unwrap();
        let q: std::collections::HashMap<_, _> = u.query_pairs().into_owned().collect();
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["client_id"], "cid");
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["state"], a.state);
        assert_eq!(q["redirect_uri"], "http://127.0.0.1:3000/auth/callback");
        assert!(q["scope"].split(' ').any(|s| s == "jobs"));
        assert!(a.pkce_verifier.expose().len() >= 43);
        // The challenge is base64url(sha256(verifier)), not the verifier.
        assert_ne!(q["code_challenge"], a.pkce_verifier.expose());
        assert!(!format!("{a:?}{app:?}").contains("csecret"));
        assert!(!format!("{a:?}").contains(a.pkce_verifier.expose()));
        let b = app.authorization_request(&discovery()).unwrap();
        assert_ne!(a.state, b.state);
    }
}
