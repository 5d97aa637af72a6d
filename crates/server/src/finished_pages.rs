//! Finished runs' pages, rendered once per viewer and data (issue 16, "Finished runs are
//! immutable"): what a run page costs is its rendering, and a finished run's page changes
//! only with what it renders from.
//!
//! [`layer`] wraps the page routes. For a `GET` of `/runs/{owner}/{run_id}` it first reads,
//! with the viewer's own token, exactly what the page renders from
//! ([`RunPageData`]: the access check and the run, and the signed-in viewer). Only when the
//! run is finished is a page kept, keyed by the SHA-256 of the address, the run and the
//! viewer as they were read ([`page_key`]); anything that changes what renders is in the
//! key, so a viewer never gets a page made from another's data, and no page is served before
//! the viewer's access was checked. A miss renders the page from the data read (left in the
//! request, so the page shows what was keyed) and keeps the body of a 200 HTML answer,
//! without its cookies. A running run's page is rendered from the data read too (so it
//! costs the Hub what it did), never kept; a refusal or a failure goes to the page as it
//! came, which reads again. Every answer, kept or not, carries a fresh CSP nonce: the kept
//! body is cut where its nonce is an attribute's value (`nonce`, and `crossorigin`, where
//! Leptos puts it too) and joined with the new one, which the `Content-Security-Policy`
//! header names ([`KeptPage`]). Anything but a `GET` of a run page goes to the pages
//! untouched.

use crate::security::headers::ContentSecurityPolicy;
use app::api::runs::page::RunPageData;
use app::api::server::Services as ApiServices;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// The most bytes of pages kept, roughly (bodies and their headers).
pub const PAGE_BUDGET: usize = 16 * 1024 * 1024;

/// A key: the SHA-256 of what a page is rendered from.
type PageKey = [u8; 32];

/// A page as kept: its headers (no cookies, no policy) and its body cut where its nonce was.
#[derive(Debug)]
struct KeptPage {
    headers: HeaderMap,
    /// The body between the nonces; joined with `="…"` of the answer's own nonce.
    pieces: Vec<Bytes>,
    size: usize,
}

/// The nonce as a whole attribute value (`nonce="…"`, and `crossorigin="…"`, which
/// Leptos also gives the page's scripts and preloads).
fn attribute_value(nonce: &str) -> String {
    format!("=\"{nonce}\"")
}

impl KeptPage {
    /// The page `body` rendered with `nonce`, kept without `Set-Cookie`, its policy and its
    /// length; `None` when the nonce appears elsewhere than as an attribute's value (then
    /// it could not be told from other text to replace it).
    fn new(headers: &HeaderMap, body: &[u8], nonce: &str) -> Option<KeptPage> {
        let attribute = attribute_value(nonce);
        let everywhere = memchr::memmem::find_iter(body, nonce.as_bytes()).count();
        let mut pieces = Vec::new();
        let mut from = 0;
        for at in memchr::memmem::find_iter(body, attribute.as_bytes()) {
            pieces.push(Bytes::copy_from_slice(&body[from..at]));
            from = at + attribute.len();
        }
        pieces.push(Bytes::copy_from_slice(&body[from..]));
        if pieces.len() - 1 != everywhere {
            return None;
        }
        let mut headers = headers.clone();
        for name in [
            header::SET_COOKIE,
            header::CONTENT_SECURITY_POLICY,
            header::CONTENT_LENGTH,
        ] {
            headers.remove(name);
        }
        let header_bytes: usize = headers
            .iter()
            .map(|(k, v)| k.as_str().len() + v.len() + 32)
            .sum();
        Some(KeptPage {
            size: body.len() + header_bytes + 64 * pieces.len() + 256,
            headers,
            pieces,
        })
    }

    /// The page's body with `nonce` where its old one was.
    fn body(&self, nonce: &str) -> Vec<u8> {
        let attribute = attribute_value(nonce);
        let mut body = Vec::with_capacity(self.size);
        for (i, piece) in self.pieces.iter().enumerate() {
            if i > 0 {
                body.extend_from_slice(attribute.as_bytes());
            }
            body.extend_from_slice(piece);
        }
        body
    }
}

/// The pages kept, least recently served first out, within a byte budget.
struct Kept {
    pages: lru::LruCache<PageKey, Arc<KeptPage>>,
    bytes: usize,
}

/// What the cache did, for tests and the benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PageStats {
    /// Run pages rendered (the page routes ran), finished or not.
    pub rendered: u64,
    /// Finished runs' pages answered from the cache.
    pub served_kept: u64,
    /// Pages kept now.
    pub kept: usize,
    /// Their size, roughly.
    pub bytes: usize,
}

/// The finished runs' pages kept, and counters of what was done.
pub struct FinishedPages {
    kept: Mutex<Kept>,
    budget: usize,
    rendered: AtomicU64,
    served_kept: AtomicU64,
}

impl Default for FinishedPages {
    fn default() -> Self {
        FinishedPages::new(PAGE_BUDGET)
    }
}

impl std::fmt::Debug for FinishedPages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FinishedPages")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl FinishedPages {
    /// A cache of pages within `budget` bytes.
    pub fn new(budget: usize) -> FinishedPages {
        FinishedPages {
            kept: Mutex::new(Kept {
                pages: lru::LruCache::unbounded(),
                bytes: 0,
            }),
            budget,
            rendered: AtomicU64::new(0),
            served_kept: AtomicU64::new(0),
        }
    }

    /// What the cache did so far.
    pub fn stats(&self) -> PageStats {
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        PageStats {
            rendered: self.rendered.load(Ordering::Relaxed),
            served_kept: self.served_kept.load(Ordering::Relaxed),
            kept: kept.pages.len(),
            bytes: kept.bytes,
        }
    }

    fn get(&self, key: &PageKey) -> Option<Arc<KeptPage>> {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.pages.get(key).cloned()
    }

    /// Keeps `page`, dropping the least recently served past the budget; a page over a
    /// quarter of the budget is not kept.
    fn keep(&self, key: PageKey, page: KeptPage) {
        if page.size > self.budget / 4 {
            return;
        }
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.bytes += page.size;
        if let Some(old) = kept.pages.put(key, Arc::new(page)) {
            kept.bytes -= old.size;
        }
        while kept.bytes > self.budget {
            let Some((_, oldest)) = kept.pages.pop_lru() else {
                break;
            };
            kept.bytes -= oldest.size;
        }
    }
}

/// What the middleware works with: the pages kept, the server functions' services (to read
/// the page data as they do) and the policy whose nonce each answer carries.
#[derive(Debug, Clone)]
pub struct PagesState {
    /// The pages kept.
    pub pages: Arc<FinishedPages>,
    /// The services the page data is read with.
    pub api: Arc<ApiServices>,
    /// The `Content-Security-Policy` of pages.
    pub policy: ContentSecurityPolicy,
}

/// The run a page address names: `/runs/{owner}/{run_id}`, plain segments only (so they
/// are the page's route parameters as they are).
fn run_of(path: &str) -> Option<(&str, &str)> {
    let (owner, run_id) = path.strip_prefix("/runs/")?.split_once('/')?;
    let plain = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    };
    (plain(owner) && plain(run_id)).then_some((owner, run_id))
}

/// The key of a page: the SHA-256 of its address (path and query), the run and the viewer
/// as read, each length-prefixed.
pub fn page_key(path_and_query: &str, data: &RunPageData) -> Option<PageKey> {
    let run = serde_json::to_vec(&data.run).ok()?;
    let me = serde_json::to_vec(&data.me).ok()?;
    let mut hasher = Sha256::new();
    for part in [path_and_query.as_bytes(), &run, &me] {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    Some(hasher.finalize().into())
}

/// The nonce the policy header of a rendered page names.
fn nonce_of(headers: &HeaderMap) -> Option<String> {
    let policy = headers
        .get(header::CONTENT_SECURITY_POLICY)?
        .to_str()
        .ok()?;
    let start = policy.find("'nonce-")? + "'nonce-".len();
    let end = policy[start..].find('\'')? + start;
    Some(policy[start..end].to_owned())
}

fn is_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}

/// An answer made of a kept page, with a fresh nonce the policy names.
fn answer_kept(page: &KeptPage, policy: &ContentSecurityPolicy) -> Response {
    let nonce = leptos::nonce::Nonce::new();
    let mut response = Response::new(Body::from(page.body(&nonce)));
    *response.headers_mut() = page.headers.clone();
    response
        .headers_mut()
        .insert(header::CONTENT_SECURITY_POLICY, policy.header(Some(&nonce)));
    response
}

/// The middleware over the page routes (see the module's documentation).
pub async fn layer(State(state): State<PagesState>, request: Request, next: Next) -> Response {
    let Some((owner, run_id)) = (request.method() == Method::GET)
        .then(|| run_of(request.uri().path()))
        .flatten()
        .map(|(o, r)| (o.to_owned(), r.to_owned()))
    else {
        return next.run(request).await;
    };
    let address = request.uri().path_and_query().map_or_else(
        || request.uri().path().to_owned(),
        |p| p.as_str().to_owned(),
    );
    let (mut parts, body) = request.into_parts();
    // A refusal or a failure is the page's to show (and a Hub 401 its to end the session
    // on): it reads again.
    let Ok(data) = RunPageData::read(&state.api, &parts, &owner, &run_id).await else {
        state.pages.rendered.fetch_add(1, Ordering::Relaxed);
        return next.run(Request::from_parts(parts, body)).await;
    };
    let key = data
        .is_finished()
        .then(|| page_key(&address, &data))
        .flatten();
    if let Some(page) = key.as_ref().and_then(|key| state.pages.get(key)) {
        state.pages.served_kept.fetch_add(1, Ordering::Relaxed);
        return answer_kept(&page, &state.policy);
    }
    // Rendered from the data just read, finished or not: the page shows what was keyed,
    // and a running run's page does not read the Hub twice.
    data.prepare(&mut parts.extensions);
    state.pages.rendered.fetch_add(1, Ordering::Relaxed);
    let response = next.run(Request::from_parts(parts, body)).await;
    let Some(key) = key else {
        return response;
    };
    let nonce = nonce_of(response.headers());
    if response.status() != StatusCode::OK || !is_html(response.headers()) || nonce.is_none() {
        return response;
    }
    let (head, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(err) => {
            tracing::warn!(error = %err, "a run page's body could not be read");
            let mut failed = Response::new(Body::empty());
            *failed.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            return failed;
        }
    };
    if let Some(page) = nonce
        .as_deref()
        .and_then(|n| KeptPage::new(&head.headers, &bytes, n))
    {
        state.pages.keep(key, page);
    }
    Response::from_parts(head, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn page(body: &str, nonce: &str) -> Option<KeptPage> {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
        headers.insert(header::SET_COOKIE, HeaderValue::from_static("id=secret"));
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from_static("99"));
        KeptPage::new(&headers, body.as_bytes(), nonce)
    }

    #[test]
    fn a_kept_page_gets_the_new_nonce_in_every_attribute_and_no_cookie() {
        let body = r#"<script nonce="abc">x</script><p>abc</p>"#;
        assert!(
            page(body, "abc").is_none(),
            "the nonce outside an attribute: not kept"
        );
        let body = r#"<script nonce="abc">x</script><link crossorigin="abc"><p>end</p>"#;
        let kept = page(body, "abc").unwrap();
        assert_eq!(
            String::from_utf8(kept.body("NEW")).unwrap(),
            r#"<script nonce="NEW">x</script><link crossorigin="NEW"><p>end</p>"#
        );
        assert!(kept.headers.get(header::SET_COOKIE).is_none());
        assert!(kept.headers.get(header::CONTENT_LENGTH).is_none());
        assert_eq!(kept.headers[header::CONTENT_TYPE], "text/html");
    }

    #[test]
    fn only_plain_run_page_addresses_are_run_pages() {
        assert_eq!(run_of("/runs/alice/01ABC"), Some(("alice", "01ABC")));
        assert_eq!(
            run_of("/runs/alice-org/x_1.2"),
            Some(("alice-org", "x_1.2"))
        );
        for other in [
            "/runs",
            "/runs/alice",
            "/runs/alice/",
            "/runs/a/b/c",
            "/runs/a%2Fb/c",
        ] {
            assert_eq!(run_of(other), None, "{other}");
        }
    }

    #[test]
    fn the_nonce_is_read_from_the_policy() {
        let policy = ContentSecurityPolicy::new("https://huggingface.co", false);
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            policy.header(Some("n0-_x")),
        );
        assert_eq!(nonce_of(&headers).as_deref(), Some("n0-_x"));
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(&policy.text(None)).unwrap(),
        );
        assert_eq!(nonce_of(&headers), None);
    }

    #[test]
    fn pages_past_the_budget_go_least_recently_served_first() {
        let pages = FinishedPages::new(4000);
        let body = "x".repeat(600);
        let size = page(&body, "n").unwrap().size;
        assert!((800..=1000).contains(&size), "four fit, not five: {size}");
        for key in 0..3u8 {
            pages.keep([key; 32], page(&body, "n").unwrap());
        }
        assert!(
            pages.get(&[0; 32]).is_some(),
            "0 is served again: 1 is older now"
        );
        pages.keep([3; 32], page(&body, "n").unwrap());
        pages.keep([4; 32], page(&body, "n").unwrap());
        let stats = pages.stats();
        assert!(stats.bytes <= 4000, "{stats:?}");
        assert!(pages.get(&[0; 32]).is_some());
        assert!(pages.get(&[1; 32]).is_none(), "1 went to make room");
        assert!(pages.get(&[4; 32]).is_some());
        // A page over a quarter of the budget is not kept.
        pages.keep([5; 32], page(&"y".repeat(1200), "n").unwrap());
        assert!(pages.get(&[5; 32]).is_none());
    }
}
