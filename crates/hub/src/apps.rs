//! Reaching a running app: where it is ([`AppTarget`]), whether a token goes with it, and
//! plain HTTP reads outside the Gradio protocol, such as its `/health` route.
//!
//! On huggingface.co a Space's app sits behind the Spaces proxy, which passes
//! `Authorization` through to the app's own code and strips only `X-HF-Authorization`
//! (docs/HUB.md, "The Spaces proxy"). So a token goes to an app only as `X-HF-Authorization`,
//! only to the host the Hub itself named for a Space ([`crate::repos::RepoInfo::space_app`]),
//! and never along a redirect to another origin.

use reqwest::header::{HeaderName, HeaderValue};
use reqwest::Method;
use url::Url;

use crate::client::{parse_base, HubClient, Req};
use crate::error::{HubError, HubResult};
use crate::token::Token;

/// The header the Spaces proxy reads a token from and removes before the app.
pub const SPACE_PROXY_AUTHORIZATION: HeaderName = HeaderName::from_static("x-hf-authorization");

/// A running app to call: its base URL and, for a Space the caller may read, the token the
/// Spaces proxy admits it with.
#[derive(Debug, Clone)]
pub struct AppTarget {
    base: Url,
    reader: Option<Token>,
}

impl AppTarget {
    /// An app reached with no credentials: a public Space, or any URL a user typed.
    pub fn anonymous(base: &str) -> HubResult<AppTarget> {
        Ok(AppTarget {
            base: parse_base(base)?,
            reader: None,
        })
    }

    /// A Space's app at the host the Hub named for it, with `reader`'s token for its proxy.
    pub(crate) fn space(base: &str, reader: Option<&Token>) -> HubResult<AppTarget> {
        Ok(AppTarget {
            base: parse_base(base)?,
            reader: reader.cloned(),
        })
    }

    /// The base URL (ends with `/`).
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// The base URL as text, without its trailing `/`, for records and messages.
    pub fn url(&self) -> String {
        self.base.as_str().trim_end_matches('/').to_owned()
    }

    /// Whether a token goes with each request.
    pub fn sends_token(&self) -> bool {
        self.reader.is_some()
    }

    /// `url` on this app, carrying the token the proxy's way when there is one.
    pub(crate) fn request(&self, method: Method, url: Url) -> HubResult<Req> {
        let mut req = Req::new(method, url, None).for_app();
        if let Some(token) = &self.reader {
            let mut value = HeaderValue::from_str(&token.bearer())
                .map_err(|_| HubError::InvalidInput("token has invalid characters".into()))?;
            value.set_sensitive(true);
            req = req.header(SPACE_PROXY_AUTHORIZATION, value);
        }
        Ok(req)
    }
}

/// A successful answer of an app route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppAnswer {
    /// The HTTP status (2xx).
    pub status: u16,
    /// The body as text (lossy UTF-8), at most [`APP_BODY_LIMIT`] bytes of it.
    pub body: String,
}

/// How much of an app's answer is kept: enough for a health JSON, not a whole page.
pub const APP_BODY_LIMIT: usize = 64 * 1024;

impl HubClient {
    /// `GET {base}/{path}` on a running app. A 404 is `HubError::NotFound`, so callers can
    /// tell "the app has no such route" from "the route failed".
    pub async fn app_get(&self, app: &AppTarget, path: &str) -> HubResult<AppAnswer> {
        let path = path.trim_start_matches('/');
        if path.split('/').any(|s| s == "..") {
            return Err(HubError::InvalidInput(format!(
                "`{path}` is not a route of the app"
            )));
        }
        let url = crate::client::join(app.base(), &[path]);
        let resp = self.send(app.request(Method::GET, url)?).await?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.map_err(HubError::network)?;
        let body = String::from_utf8_lossy(&bytes[..bytes.len().min(APP_BODY_LIMIT)]).into_owned();
        Ok(AppAnswer { status, body })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_goes_to_an_app_only_in_the_proxys_header() {
        let app = AppTarget::space("http://127.0.0.1:9", Some(&Token::new("hf_reader"))).unwrap();
        let req = app
            .request(Method::GET, app.base().join("config").unwrap())
            .unwrap();
        assert!(req.token.is_none(), "no Authorization header for an app");
        assert!(
            req.app,
            "sent with the client that keeps to the app's origin"
        );
        let (name, value) = &req.headers[0];
        assert_eq!(name, &SPACE_PROXY_AUTHORIZATION);
        assert_eq!(value, "Bearer hf_reader");
        assert!(value.is_sensitive());

        let anonymous = AppTarget::anonymous("https://someone.hf.space").unwrap();
        let req = anonymous
            .request(Method::GET, anonymous.base().clone())
            .unwrap();
        assert!(req.token.is_none() && req.headers.is_empty());
        assert!(!anonymous.sends_token());
        assert_eq!(anonymous.url(), "https://someone.hf.space");
    }
}
