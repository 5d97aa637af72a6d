//! The security headers on every answer (pages, static files, server functions, errors).
//!
//! - `Content-Security-Policy`: scripts only from the factory itself, plus the one inline
//!   hydration script Leptos writes into each page, allowed by that page's nonce (leptos_axum
//!   makes a fresh one for every page it renders, and `HydrationScripts` and the streaming
//!   scripts carry it); no `'unsafe-inline'` for scripts. The app may be framed only by
//!   itself and the Hub (a Space is shown in an iframe on huggingface.co), plus the origins
//!   `SPACE_FACTORY_FRAME_ANCESTORS` names.
//! - `X-Content-Type-Options: nosniff`, so a run's file is never run as a script or page.
//! - `Referrer-Policy: strict-origin-when-cross-origin`, so run URLs do not leak to the
//!   sites a run page links to.
//! - `Strict-Transport-Security` when served from a Space (always HTTPS there); never
//!   locally, where the factory is plain HTTP on loopback.

use axum::http::{header, HeaderValue};
use axum::Router;
use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;
use tower_http::set_header::SetResponseHeaderLayer;

/// Who may frame the app: itself and the Hub, which shows a Space in an iframe.
pub const FRAME_ANCESTORS: &str = "'self' https://huggingface.co";

/// The `Strict-Transport-Security` value in a Space: one year.
pub const HSTS: &str = "max-age=31536000";

/// The `Referrer-Policy` value.
pub const REFERRER_POLICY: &str = "strict-origin-when-cross-origin";

/// The factory's `Content-Security-Policy`, with or without a page's nonce.
#[derive(Debug, Clone)]
pub struct ContentSecurityPolicy {
    /// Extra image sources: the configured Hub when it is plain HTTP (the embedded hub's
    /// avatars); `https:` covers huggingface.co's.
    img_extra: Option<String>,
    /// `cargo leptos watch`'s live-reload socket is allowed (development only).
    live_reload: bool,
    /// Origins allowed to frame the app besides [`FRAME_ANCESTORS`].
    extra_ancestors: Vec<String>,
}

/// Parses `SPACE_FACTORY_FRAME_ANCESTORS`: space-separated `http(s)://host[:port]` origins
/// (no path), each as the browser serializes it.
pub fn parse_frame_ancestors(text: &str) -> Result<Vec<String>, String> {
    text.split_whitespace()
        .map(|item| {
            let url = url::Url::parse(item).map_err(|e| format!("`{item}`: {e}"))?;
            let origin = url.origin().ascii_serialization();
            let plain = item.trim_end_matches('/');
            let tame = plain.chars().all(|c| {
                c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '/' | '-' | '[' | ']')
            });
            if !tame || !matches!(url.scheme(), "http" | "https") || origin != plain {
                return Err(format!(
                    "`{item}` is not an origin like https://hub.example or http://127.0.0.1:8080"
                ));
            }
            Ok(origin)
        })
        .collect()
}

impl ContentSecurityPolicy {
    /// The policy for a factory whose Hub is at `hub_url`; `live_reload` when cargo-leptos
    /// watches (`LEPTOS_WATCH` set).
    pub fn new(hub_url: &str, live_reload: bool) -> ContentSecurityPolicy {
        let img_extra = url::Url::parse(hub_url)
            .ok()
            .filter(|url| url.scheme() == "http")
            .map(|url| url.origin().ascii_serialization());
        ContentSecurityPolicy {
            img_extra,
            live_reload,
            extra_ancestors: Vec::new(),
        }
    }

    /// The same policy, letting `origins` frame the app too (a Hub of its own that shows
    /// the factory as a Space).
    pub fn with_frame_ancestors(mut self, origins: &[String]) -> ContentSecurityPolicy {
        self.extra_ancestors = origins.to_vec();
        self
    }

    /// The policy text; with `nonce`, the page's inline scripts bearing it may run.
    pub fn text(&self, nonce: Option<&str>) -> String {
        let mut script = "'self' 'wasm-unsafe-eval'".to_owned();
        if let Some(nonce) = nonce {
            script.push_str(&format!(" 'nonce-{nonce}'"));
        }
        let mut img = "'self' data: https:".to_owned();
        if let Some(extra) = &self.img_extra {
            img.push(' ');
            img.push_str(extra);
        }
        let connect = if self.live_reload {
            "'self' ws: wss:"
        } else {
            "'self'"
        };
        let mut ancestors = FRAME_ANCESTORS.to_owned();
        for origin in &self.extra_ancestors {
            ancestors.push(' ');
            ancestors.push_str(origin);
        }
        format!(
            "default-src 'self'; script-src {script}; style-src 'self'; \
             style-src-attr 'unsafe-inline'; img-src {img}; connect-src {connect}; \
             font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
             frame-ancestors {ancestors}"
        )
    }

    /// The header value, naming `nonce` when there is one (a page Leptos renders, or a
    /// finished run's page kept and answered with a nonce of its own,
    /// [`crate::finished_pages`]).
    pub fn header(&self, nonce: Option<&str>) -> HeaderValue {
        HeaderValue::from_str(&self.text(nonce)).expect("the policy is plain ASCII")
    }

    /// Called while Leptos renders a page: gives that page the policy with its own nonce
    /// (answers without a nonce, such as server functions, keep the plain policy).
    pub fn apply_to_page(&self) {
        let (Some(nonce), Some(response)) =
            (leptos::nonce::use_nonce(), use_context::<ResponseOptions>())
        else {
            return;
        };
        response.insert_header(header::CONTENT_SECURITY_POLICY, self.header(Some(&nonce)));
    }
}

/// `router` with the security headers on every answer; `in_space` adds HSTS.
pub fn around(router: Router, policy: &ContentSecurityPolicy, in_space: bool) -> Router {
    let router = router
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            policy.header(None),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static(REFERRER_POLICY),
        ));
    if in_space {
        router.layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        ))
    } else {
        router
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directive<'a>(policy: &'a str, name: &str) -> &'a str {
        policy
            .split(';')
            .map(str::trim)
            .find_map(|d| d.strip_prefix(name).filter(|rest| rest.starts_with(' ')))
            .unwrap_or_else(|| panic!("no {name} in {policy}"))
            .trim()
    }

    #[test]
    fn scripts_run_only_from_the_site_or_with_the_page_nonce() {
        let policy = ContentSecurityPolicy::new("https://huggingface.co", false);
        let page = policy.text(Some("abc123"));
        let script = directive(&page, "script-src");
        assert_eq!(script, "'self' 'wasm-unsafe-eval' 'nonce-abc123'");
        assert!(!directive(&page, "script-src").contains("unsafe-inline"));
        assert_eq!(directive(&page, "default-src"), "'self'");
        assert_eq!(directive(&page, "frame-ancestors"), FRAME_ANCESTORS);
        assert_eq!(directive(&page, "object-src"), "'none'");
        assert_eq!(directive(&page, "connect-src"), "'self'");
        let plain = policy.text(None);
        assert_eq!(directive(&plain, "script-src"), "'self' 'wasm-unsafe-eval'");
    }

    #[test]
    fn configured_origins_may_frame_the_app_and_anything_else_is_refused_at_start() {
        let origins =
            parse_frame_ancestors(" http://127.0.0.1:4100 https://hub.example/ ").unwrap();
        assert_eq!(origins, ["http://127.0.0.1:4100", "https://hub.example"]);
        let policy = ContentSecurityPolicy::new("https://huggingface.co", false)
            .with_frame_ancestors(&origins)
            .text(None);
        assert_eq!(
            directive(&policy, "frame-ancestors"),
            "'self' https://huggingface.co http://127.0.0.1:4100 https://hub.example"
        );
        for bad in [
            "*",
            "https://hub.example/path",
            "javascript:alert(1)",
            "https://a.example;script-src",
        ] {
            assert!(parse_frame_ancestors(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn images_come_from_the_site_https_or_a_plain_http_hub_only() {
        let hosted = ContentSecurityPolicy::new("https://huggingface.co", false).text(None);
        assert_eq!(directive(&hosted, "img-src"), "'self' data: https:");
        let local = ContentSecurityPolicy::new("http://127.0.0.1:4000/", false).text(None);
        assert_eq!(
            directive(&local, "img-src"),
            "'self' data: https: http://127.0.0.1:4000"
        );
    }

    #[test]
    fn only_live_reload_opens_websockets() {
        let watched = ContentSecurityPolicy::new("https://huggingface.co", true).text(None);
        assert_eq!(directive(&watched, "connect-src"), "'self' ws: wss:");
    }
}
