//! Plain HTTP reads of a running app outside the Gradio protocol, such as its `/health`
//! route, sent with the token a private Space's host requires.

use reqwest::Method;

use crate::client::{parse_base, HubClient, Req};
use crate::error::{HubError, HubResult};
use crate::token::Token;

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
    /// `GET {base}/{path}` on a running app (a Space's host or a local URL), with
    /// `Authorization: Bearer …` when `token` is given. A 404 is `HubError::NotFound`, so
    /// callers can tell "the app has no such route" from "the route failed".
    pub async fn app_get(
        &self,
        base: &str,
        path: &str,
        token: Option<&Token>,
    ) -> HubResult<AppAnswer> {
        let base = parse_base(base)?;
        let path = path.trim_start_matches('/');
        if path.split('/').any(|s| s == "..") {
            return Err(HubError::InvalidInput(format!(
                "`{path}` is not a route of the app"
            )));
        }
        let url = crate::client::join(&base, &[path]);
        let resp = self.send(Req::new(Method::GET, url, token)).await?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.map_err(HubError::network)?;
        let body = String::from_utf8_lossy(&bytes[..bytes.len().min(APP_BODY_LIMIT)]).into_owned();
        Ok(AppAnswer { status, body })
    }
}
