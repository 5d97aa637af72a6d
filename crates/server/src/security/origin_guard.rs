//! Refuses state-changing requests that another site's page made the browser send (CSRF).
//!
//! Leptos server functions check nothing of the kind, and in a Space the session cookie
//! goes along with every request, whoever started it. So every request whose method can
//! change state (anything but `GET`, `HEAD`, `OPTIONS`: all `POST /api/fn/*`,
//! `POST /logout`) must show it comes from the factory's own pages, before any work:
//!
//! - with an `Origin` header, that origin must be the factory's own ([`SiteOrigin`]:
//!   `https://SPACE_HOST` in a Space, `http://ADDR` locally); `Origin: null` (sandboxed
//!   frames, cross-site redirects) is refused;
//! - with a `Sec-Fetch-Site` header, it must be `same-origin`, or `none` (the user's own
//!   action, such as a bookmark);
//! - with neither, the request is let through. Every browser the app supports sends
//!   `Origin` on any cross-origin `POST`, whether `fetch` or a plain form, so a request
//!   without it does not come from another site's page in a browser: it comes from a
//!   program (curl, the tests, the benchmarks), which holds no victim's cookie to abuse.
//!
//! Anything else is answered `403 Forbidden` with a sentence saying why.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// The `Sec-Fetch-Site` header (fetch metadata), which `http` has no constant for.
pub const SEC_FETCH_SITE: &str = "sec-fetch-site";

/// The origin the browser shows the factory at, as browsers write it in `Origin`
/// (`scheme://host[:port]`, lowercase, no default port, no path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteOrigin(String);

impl SiteOrigin {
    /// The origin of the factory's public base URL (see
    /// [`Config::public_url`](crate::config::Config::public_url)).
    pub fn from_public_url(public_url: &str) -> Result<SiteOrigin, url::ParseError> {
        let url = url::Url::parse(public_url)?;
        match url.origin() {
            origin @ url::Origin::Tuple(..) => Ok(SiteOrigin(origin.ascii_serialization())),
            url::Origin::Opaque(_) => Err(url::ParseError::EmptyHost),
        }
    }

    /// `https://host` or `http://host:port`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `origin` (an `Origin` header's value) is this one.
    fn is(&self, origin: &[u8]) -> bool {
        origin.eq_ignore_ascii_case(self.0.as_bytes())
    }
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CrossSiteRefusal {
    /// `Origin` names another site (or is `null`).
    #[error("Refused: this request came from another site's page, not from Space Factory's own pages ({0} is not {1}). Nothing was done.")]
    ForeignOrigin(String, String),
    /// No `Origin`, and fetch metadata says another site started the request.
    #[error("Refused: the browser says another site started this request (Sec-Fetch-Site: {0}). Nothing was done.")]
    CrossSiteFetch(String),
}

impl IntoResponse for CrossSiteRefusal {
    fn into_response(self) -> Response {
        (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            self.to_string(),
        )
            .into_response()
    }
}

/// Methods that never change state here, so any site may send them.
fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// At most this many characters of a header are quoted back in a refusal.
const QUOTED_CHARS: usize = 80;

/// A header value as quoted in a refusal: printable ASCII only, and short.
fn quote(value: &[u8]) -> String {
    let text: String = value
        .iter()
        .map(|&b| if b.is_ascii_graphic() { b as char } else { '?' })
        .take(QUOTED_CHARS)
        .collect();
    format!("`{text}`")
}

/// Whether a request with `method` and `headers` may go on to its handler.
pub fn check(
    method: &Method,
    headers: &HeaderMap,
    own: &SiteOrigin,
) -> Result<(), CrossSiteRefusal> {
    if is_safe(method) {
        return Ok(());
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        if !own.is(origin.as_bytes()) {
            return Err(CrossSiteRefusal::ForeignOrigin(
                quote(origin.as_bytes()),
                own.as_str().to_owned(),
            ));
        }
    }
    if let Some(site) = headers.get(SEC_FETCH_SITE) {
        let site = site.as_bytes();
        if !(site.eq_ignore_ascii_case(b"same-origin") || site.eq_ignore_ascii_case(b"none")) {
            return Err(CrossSiteRefusal::CrossSiteFetch(quote(site)));
        }
    }
    Ok(())
}

/// The middleware: [`check`] every request against the factory's own origin.
pub async fn guard(State(own): State<Arc<SiteOrigin>>, request: Request, next: Next) -> Response {
    match check(request.method(), request.headers(), &own) {
        Ok(()) => next.run(request).await,
        Err(refusal) => {
            tracing::warn!(method = %request.method(), path = %request.uri().path(), %refusal, "cross-site request refused");
            refusal.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn own() -> SiteOrigin {
        SiteOrigin::from_public_url("https://alice-factory.hf.space").unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn post(pairs: &[(&'static str, &str)]) -> Result<(), CrossSiteRefusal> {
        check(&Method::POST, &headers(pairs), &own())
    }

    #[test]
    fn the_own_origin_is_written_as_browsers_write_origin() {
        assert_eq!(own().as_str(), "https://alice-factory.hf.space");
        let local = SiteOrigin::from_public_url("http://127.0.0.1:3000").unwrap();
        assert_eq!(local.as_str(), "http://127.0.0.1:3000");
        let default_port =
            SiteOrigin::from_public_url("https://Alice-Factory.hf.space:443/").unwrap();
        assert_eq!(default_port.as_str(), "https://alice-factory.hf.space");
    }

    #[test]
    fn a_post_from_another_origin_is_refused() {
        for origin in [
            "https://evil.example",
            "null",
            "http://alice-factory.hf.space",
            "https://alice-factory.hf.space:8443",
            "https://alice-factory.hf.space.evil.example",
            "https://evil-factory.hf.space",
        ] {
            let refused = post(&[("origin", origin)]);
            assert!(
                matches!(refused, Err(CrossSiteRefusal::ForeignOrigin(..))),
                "{origin}: {refused:?}"
            );
        }
    }

    #[test]
    fn a_post_the_browser_marks_as_cross_site_is_refused_without_an_origin() {
        for site in ["cross-site", "same-site", "nonsense"] {
            assert_eq!(
                post(&[(SEC_FETCH_SITE, site)]),
                Err(CrossSiteRefusal::CrossSiteFetch(format!("`{site}`")))
            );
        }
        // A matching Origin does not excuse fetch metadata that contradicts it.
        assert!(post(&[
            ("origin", "https://alice-factory.hf.space"),
            (SEC_FETCH_SITE, "cross-site")
        ])
        .is_err());
    }

    #[test]
    fn posts_from_the_own_pages_and_from_programs_go_through() {
        assert_eq!(
            post(&[("origin", "https://alice-factory.hf.space")]),
            Ok(())
        );
        assert_eq!(
            post(&[("origin", "https://ALICE-factory.hf.space")]),
            Ok(())
        );
        assert_eq!(
            post(&[
                ("origin", "https://alice-factory.hf.space"),
                (SEC_FETCH_SITE, "same-origin")
            ]),
            Ok(())
        );
        assert_eq!(post(&[(SEC_FETCH_SITE, "same-origin")]), Ok(()));
        assert_eq!(post(&[(SEC_FETCH_SITE, "none")]), Ok(()));
        assert_eq!(post(&[]), Ok(()));
    }

    #[test]
    fn every_state_changing_method_is_checked_and_reads_are_not() {
        let evil = headers(&[("origin", "https://evil.example")]);
        for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            assert!(check(&method, &evil, &own()).is_err(), "{method}");
        }
        for method in [Method::GET, Method::HEAD, Method::OPTIONS] {
            assert_eq!(check(&method, &evil, &own()), Ok(()), "{method}");
        }
    }

    #[test]
    fn a_refusal_quotes_the_header_short_and_printable() {
        let long = format!("https://{}.example", "x".repeat(500));
        let Err(CrossSiteRefusal::ForeignOrigin(quoted, _)) = post(&[("origin", &long)]) else {
            panic!("not refused");
        };
        assert!(quoted.len() <= QUOTED_CHARS + 2, "{quoted}");
        assert_eq!(quote(b"a\tb<c>"), "`a?b<c>`");
    }
}
