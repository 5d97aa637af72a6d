//! A small OpenID Connect provider: discovery, a consent page where a local user is picked,
//! the code flow with PKCE S256, and userinfo with the Hub's claims.
//!
//! Strict as the Hub's: only registered apps ([`super::clients`]) with a registered
//! `redirect_uri` and known scopes ([`super::scopes`]) get a consent page, every other
//! request is refused with 400 and never redirected; a confidential app authenticates at the
//! token endpoint; access tokens expire (8 h unless the builder says otherwise: hub-docs
//! `spaces-oauth.md`, `hf_oauth_expiration_minutes` default 480) and no refresh token is
//! issued (the Hub issues none to Space OAuth apps).

use std::collections::HashMap;
use std::sync::Mutex;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use base64::Engine;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::clients::{basic_credentials, RegisteredClient};
use super::{Authed, SecretToken};
use crate::errors::{ApiError, ApiResult};
use crate::AppState;

/// Lifetime of OAuth access tokens, as the Hub's default (8 h).
pub const ACCESS_TTL_SECS: i64 = 28_800;

/// The provider's registered apps and token lifetime, and the codes in flight.
#[derive(Debug)]
pub struct OidcState {
    codes: Mutex<HashMap<String, CodeGrant>>,
    clients: Vec<RegisteredClient>,
    ttl_secs: i64,
}

impl OidcState {
    /// A provider for these apps, minting tokens that live `ttl_secs`.
    pub fn new(clients: Vec<RegisteredClient>, ttl_secs: i64) -> Self {
        Self {
            codes: Mutex::default(),
            clients,
            ttl_secs,
        }
    }
    fn client(&self, id: &str) -> Option<&RegisteredClient> {
        self.clients.iter().find(|c| c.id == id)
    }
}

/// A pending authorization code.
#[derive(Debug, Clone)]
struct CodeGrant {
    user: String,
    client_id: String,
    redirect_uri: String,
    scope: String,
    challenge: Option<String>,
}

/// `GET /.well-known/openid-configuration`.
pub async fn discovery(State(s): State<AppState>) -> Json<serde_json::Value> {
    let base = s.url();
    Json(json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/oauth/authorize"),
        "token_endpoint": format!("{base}/oauth/token"),
        "userinfo_endpoint": format!("{base}/oauth/userinfo"),
        "jwks_uri": format!("{base}/oauth/jwks"),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code"],
        "code_challenge_methods_supported": ["S256"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["none"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "scopes_supported": super::scopes::KNOWN,
    }))
}

/// Query of `/oauth/authorize`; `user` is set by the consent page's buttons.
#[derive(Debug, Deserialize)]
pub struct AuthorizeQuery {
    client_id: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    response_type: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    user: Option<String>,
    /// The scopes the user grants (space-separated), when fewer than requested: the Hub's
    /// consent screen lets a user leave some out. Scopes not requested are ignored.
    grant: Option<String>,
}

/// The scope a consent grants: what was requested, narrowed to `grant` when given.
fn granted_scope(requested: Option<String>, grant: Option<&str>) -> String {
    let requested = requested.unwrap_or_else(|| "openid profile".into());
    match grant {
        None => requested,
        Some(grant) => requested
            .split_whitespace()
            .filter(|s| grant.split_whitespace().any(|g| g == *s))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Why an authorization request is refused before anything is redirected: an unknown app,
/// a redirect URI the app did not register, or a scope the Hub does not know.
fn check_request(s: &OidcState, q: &AuthorizeQuery) -> Result<String, String> {
    let Some(id) = q.client_id.as_deref() else {
        return Err("client_id is required".into());
    };
    let Some(client) = s.client(id) else {
        return Err(format!("Unknown OAuth app {id:?}"));
    };
    let Some(uri) = q.redirect_uri.as_deref() else {
        return Err("redirect_uri is required".into());
    };
    if !client.allows_redirect(uri) {
        return Err(format!(
            "redirect_uri {uri:?} is not registered for the OAuth app {id:?}"
        ));
    }
    if let Some(bad) = q.scope.as_deref().and_then(super::scopes::unknown) {
        return Err(format!("Invalid scope {bad:?}"));
    }
    Ok(uri.to_owned())
}

/// The page a refused authorization request gets (400, no redirect).
fn refusal_page(why: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Html(format!(
            "<!doctype html><html><head><title>localhub sign-in refused</title></head><body><h1>OAuth error</h1><p>{}</p></body></html>",
            esc(why)
        )),
    )
        .into_response()
}

/// `GET /oauth/authorize`: the consent page, or (with `user=`, and optionally `grant=` to
/// leave requested scopes out) the redirect carrying the code; a request the provider
/// refuses (an unknown app, redirect URI or scope) gets a 400 page and no code.
pub async fn authorize(
    State(s): State<AppState>,
    Query(q): Query<AuthorizeQuery>,
) -> ApiResult<Response> {
    let redirect_uri = match check_request(&s.oidc, &q) {
        Ok(uri) => uri,
        Err(why) => return Ok(refusal_page(&why)),
    };
    if q.response_type.as_deref().unwrap_or("code") != "code" {
        return Err(ApiError::bad_request("unsupported response_type"));
    }
    if let Some(m) = &q.code_challenge_method {
        if m != "S256" {
            return Err(ApiError::bad_request(
                "only code_challenge_method=S256 is supported",
            ));
        }
    }
    let Some(user) = q.user.as_deref() else {
        let mut hidden = String::new();
        for (k, v) in [
            ("client_id", q.client_id.as_deref()),
            ("redirect_uri", Some(redirect_uri.as_str())),
            ("scope", q.scope.as_deref()),
            ("state", q.state.as_deref()),
            ("response_type", q.response_type.as_deref()),
            ("code_challenge", q.code_challenge.as_deref()),
            ("code_challenge_method", q.code_challenge_method.as_deref()),
        ] {
            if let Some(v) = v {
                hidden.push_str(&format!(
                    "<input type=\"hidden\" name=\"{k}\" value=\"{}\">",
                    esc(v)
                ));
            }
        }
        let buttons: String = s
            .accounts
            .users()
            .iter()
            .map(|u| {
                format!(
                    "<button type=\"submit\" name=\"user\" value=\"{0}\">Sign in as {0}</button> ",
                    esc(&u.name)
                )
            })
            .collect();
        let page = format!(
            "<!doctype html><html><head><title>localhub sign-in</title></head><body><h1>localhub</h1>\
             <p>{} asks for: {}</p><form method=\"get\" action=\"/oauth/authorize\">{hidden}{buttons}</form></body></html>",
            esc(q.client_id.as_deref().unwrap_or("an app")),
            esc(q.scope.as_deref().unwrap_or("openid profile")),
        );
        return Ok(Html(page).into_response());
    };
    if s.accounts.user(user).is_none() {
        return Err(ApiError::bad_request("unknown user"));
    }
    let code = SecretToken::random("").expose().to_string();
    s.oidc.codes.lock().expect("codes").insert(
        code.clone(),
        CodeGrant {
            user: user.into(),
            client_id: q.client_id.unwrap_or_default(),
            redirect_uri: redirect_uri.clone(),
            scope: granted_scope(q.scope, q.grant.as_deref()),
            challenge: q.code_challenge,
        },
    );
    let mut target = redirect_uri;
    target.push(if target.contains('?') { '&' } else { '?' });
    target.push_str(&format!("code={code}"));
    if let Some(st) = q.state {
        target.push_str("&state=");
        target.push_str(&form_encode(&st));
    }
    Ok(Redirect::to(&target).into_response())
}

fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Body of `POST /oauth/token`.
#[derive(Debug, Deserialize)]
pub struct TokenForm {
    grant_type: String,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

fn oauth_error(status: StatusCode, error: &str, desc: &str) -> Response {
    (
        status,
        Json(json!({"error": error, "error_description": desc})),
    )
        .into_response()
}

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// `POST /oauth/token`: the authorization_code grant, with the PKCE check and, for a
/// confidential app, its client authentication (Basic or `client_secret_post`).
pub async fn token(
    State(s): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<TokenForm>,
) -> Response {
    let (user, scope) = match f.grant_type.as_str() {
        "authorization_code" => {
            let Some(code) = f.code.as_deref() else {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "missing code");
            };
            let Some(g) = s.oidc.codes.lock().expect("codes").remove(code) else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "unknown or used code",
                );
            };
            if f.redirect_uri
                .as_deref()
                .is_some_and(|r| r != g.redirect_uri)
            {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "redirect_uri mismatch",
                );
            }
            if let Some(ch) = &g.challenge {
                let Some(v) = f.code_verifier.as_deref() else {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "missing code_verifier",
                    );
                };
                if &b64url(&Sha256::digest(v.as_bytes())) != ch {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "code_verifier does not match",
                    );
                }
            }
            let basic = basic_credentials(&headers);
            let claimed = basic
                .as_ref()
                .map(|(id, _)| id.as_str())
                .or(f.client_id.as_deref());
            if claimed.is_some_and(|id| id != g.client_id) {
                return oauth_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    "the code was issued to another client",
                );
            }
            let authenticated = s.oidc.client(&g.client_id).is_some_and(|c| {
                c.authenticates(
                    basic.as_ref().map(|(i, p)| (i.as_str(), p.as_str())),
                    f.client_secret.as_deref(),
                )
            });
            if !authenticated {
                return oauth_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    "client authentication failed",
                );
            }
            (g.user, g.scope)
        }
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "unsupported grant_type",
            )
        }
    };
    let ttl = s.oidc.ttl_secs;
    let access = s.accounts.mint_oauth(&user, &scope, ttl);
    let u = s.accounts.user(&user).cloned();
    let mut body = json!({
        "access_token": access.expose(),
        "token_type": "bearer",
        "expires_in": ttl,
        "scope": scope,
    });
    if scope.split(' ').any(|x| x == "openid") {
        if let Some(u) = u {
            let header = b64url(br#"{"alg":"none","typ":"JWT"}"#);
            let now = chrono::Utc::now().timestamp();
            let claims = json!({"iss": s.url(), "sub": u.id, "preferred_username": u.name, "name": u.fullname, "iat": now, "exp": now + ttl});
            body["id_token"] = json!(format!(
                "{header}.{}.",
                b64url(claims.to_string().as_bytes())
            ));
        }
    }
    ([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

/// `GET /oauth/userinfo` with the Hub's claims (`canPay` only with `read-billing`).
pub async fn userinfo(State(s): State<AppState>, Authed(c): Authed) -> Json<serde_json::Value> {
    let u = &c.user;
    let billing = c.has_scope("read-billing");
    let orgs: Vec<serde_json::Value> = s
        .accounts
        .orgs_of(&u.name)
        .iter()
        .map(|o| {
            let mut v = json!({"sub": o.id, "name": o.name, "preferred_username": o.name, "picture": format!("{}/avatars/{}.png", s.url(), o.name), "plan": if o.paid { "team" } else { "free" }, "roleInOrg": "admin"});
            if billing {
                v["canPay"] = json!(o.paid);
            }
            v
        })
        .collect();
    let mut v = json!({
        "sub": u.id,
        "name": u.fullname,
        "preferred_username": u.name,
        "picture": format!("{}/avatars/{}.png", s.url(), u.name),
        "profile": format!("{}/{}", s.url(), u.name),
        "website": null,
        "email": format!("{}@localhub.invalid", u.name),
        "email_verified": true,
        "isPro": u.is_pro(),
        "orgs": orgs,
    });
    if billing {
        v["canPay"] = json!(u.can_pay);
    }
    Json(v)
}

#[cfg(test)]
mod tests {
    use super::granted_scope;

    #[test]
    fn a_consent_can_leave_requested_scopes_out_but_not_add_any() {
        let requested = Some("openid profile jobs".to_string());
        assert_eq!(
            granted_scope(requested.clone(), None),
            "openid profile jobs"
        );
        assert_eq!(
            granted_scope(requested, Some("openid profile write-repos")),
            "openid profile"
        );
        assert_eq!(granted_scope(None, None), "openid profile");
    }
}
