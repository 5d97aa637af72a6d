//! The OAuth apps the provider knows, and how each proves who it is.
//!
//! As on the Hub (hub-docs `oauth.md` "Redirect URIs", `spaces-oauth.md`): an app is
//! registered with its redirect URIs, and a `redirect_uri` must match one exactly, except
//! that for `http` loopback hosts any port is accepted (RFC 8252). A public app (no
//! secret) uses PKCE; a confidential one (a Space's `OAUTH_CLIENT_ID` /
//! `OAUTH_CLIENT_SECRET`) authenticates at the token endpoint with HTTP Basic or
//! `client_secret_post`.

use base64::Engine;

use super::SecretToken;

/// The embedded factory's own app: public, PKCE, loopback `/login/callback` on any port.
pub const FACTORY_CLIENT_ID: &str = "space-factory-local";

/// An OAuth app registered with the provider.
#[derive(Debug, Clone)]
pub struct RegisteredClient {
    /// `client_id`.
    pub id: String,
    /// The secret of a confidential app; `None` for a public (PKCE) app.
    pub secret: Option<SecretToken>,
    /// The registered redirect URIs.
    pub redirect_uris: Vec<String>,
}

impl RegisteredClient {
    /// A public app whose redirect URIs are these (loopback ones on any port).
    pub fn public(id: &str, redirect_uris: &[&str]) -> Self {
        Self {
            id: id.into(),
            secret: None,
            redirect_uris: redirect_uris.iter().map(|u| u.to_string()).collect(),
        }
    }
    /// A confidential app (a Space's OAuth app): id, secret and its exact redirect URI.
    pub fn confidential(id: &str, secret: &str, redirect_uri: &str) -> Self {
        Self {
            id: id.into(),
            secret: Some(SecretToken::new(secret)),
            redirect_uris: vec![redirect_uri.into()],
        }
    }
    /// The embedded factory's app ([`FACTORY_CLIENT_ID`]).
    pub fn factory() -> Self {
        Self::public(
            FACTORY_CLIENT_ID,
            &[
                "http://127.0.0.1/login/callback",
                "http://localhost/login/callback",
            ],
        )
    }
    /// Whether `uri` is one of the app's redirect URIs (any port on a loopback `http` host).
    pub fn allows_redirect(&self, uri: &str) -> bool {
        self.redirect_uris
            .iter()
            .any(|registered| registered == uri || same_loopback(registered, uri))
    }
    /// Whether a token request proves it comes from this app: a public app needs no
    /// secret; a confidential one sends its secret by Basic (`basic`, the decoded
    /// `id:secret`) or as the `client_secret` form field.
    pub fn authenticates(&self, basic: Option<(&str, &str)>, form_secret: Option<&str>) -> bool {
        let Some(secret) = &self.secret else {
            return true;
        };
        match basic {
            Some((id, s)) => id == self.id && s == secret.expose(),
            None => form_secret == Some(secret.expose()),
        }
    }
}

/// Both URIs are `http` on the same loopback host and path, ports aside.
fn same_loopback(registered: &str, uri: &str) -> bool {
    let (Ok(a), Ok(b)) = (reqwest::Url::parse(registered), reqwest::Url::parse(uri)) else {
        return false;
    };
    let loopback = |u: &reqwest::Url| {
        u.scheme() == "http" && matches!(u.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"))
    };
    loopback(&a)
        && loopback(&b)
        && a.host_str() == b.host_str()
        && a.path() == b.path()
        && a.query() == b.query()
}

/// The `id:secret` of an `Authorization: Basic` header, if any.
pub fn basic_credentials(headers: &axum::http::HeaderMap) -> Option<(String, String)> {
    let v = headers.get("authorization")?.to_str().ok()?;
    let b64 = v
        .strip_prefix("Basic ")
        .or_else(|| v.strip_prefix("basic "))?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((form_decode(id), form_decode(secret)))
}

/// RFC 6749 §2.3.1: Basic credentials are form-encoded before base64.
fn form_decode(s: &str) -> String {
    reqwest::Url::parse(&format!("http://x/?v={s}"))
        .ok()
        .and_then(|u| u.query_pairs().next().map(|(_, v)| v.into_owned()))
        .unwrap_or_else(|| s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_factory_app_takes_its_loopback_callback_on_any_port_and_nothing_else() {
        let app = RegisteredClient::factory();
        assert!(app.allows_redirect("http://127.0.0.1:3000/login/callback"));
        assert!(app.allows_redirect("http://localhost:41234/login/callback"));
        assert!(!app.allows_redirect("http://127.0.0.1:3000/cb"));
        assert!(!app.allows_redirect("https://127.0.0.1:3000/login/callback"));
        assert!(!app.allows_redirect("http://evil.example:3000/login/callback"));
        assert!(!app.allows_redirect("http://127.0.0.1.evil.example/login/callback"));
    }

    #[test]
    fn a_confidential_app_needs_its_exact_uri_and_its_secret() {
        let app = RegisteredClient::confidential(
            "space-app",
            "s3cret",
            "https://alice-demo.hf.space/login/callback",
        );
        assert!(app.allows_redirect("https://alice-demo.hf.space/login/callback"));
        assert!(!app.allows_redirect("https://alice-demo.hf.space/other"));
        assert!(app.authenticates(Some(("space-app", "s3cret")), None));
        assert!(app.authenticates(None, Some("s3cret")));
        assert!(!app.authenticates(Some(("space-app", "nope")), None));
        assert!(!app.authenticates(None, None));
        assert!(RegisteredClient::factory().authenticates(None, None));
    }
}
