//! `HubClient`: the one HTTP client (configuration, auth header, retries, error mapping)
//! every endpoint module builds on.

use std::sync::Arc;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use reqwest::header::{HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Method;
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{HubError, HubResult};
use crate::token::Token;

/// The public Hub, used when neither an explicit endpoint nor `HF_ENDPOINT` is given.
pub const DEFAULT_ENDPOINT: &str = "https://huggingface.co";
/// The Inference Providers router (OpenAI-compatible).
pub const DEFAULT_INFERENCE_URL: &str = "https://router.huggingface.co/v1";
/// The variable naming another router (our own name; the embedded hub sets it in its Jobs).
pub const INFERENCE_URL_ENV: &str = "HF_INFERENCE_URL";

/// Whole-request timeout of non-streaming calls.
pub(crate) const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// How transient failures (429, 5xx, connection errors) are retried.
///
/// Exists so production can back off for seconds while tests shrink the delays to
/// milliseconds. 401/402/403/409 are never retried whatever this says.
#[derive(Debug, Clone)]
pub struct RetryConfig {
    /// Retries after the first attempt (0 disables retrying).
    pub max_retries: usize,
    /// First delay; doubles each time, with jitter.
    pub min_delay: Duration,
    /// Upper bound of one delay.
    pub max_delay: Duration,
}

impl Default for RetryConfig {
    /// Like `huggingface_hub`'s `http_backoff`: 5 retries, 1 s doubling up to 8 s.
    fn default() -> Self {
        RetryConfig {
            max_retries: 5,
            min_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(8),
        }
    }
}

/// Where the Hub is and how to talk to it.
#[derive(Debug, Clone)]
pub struct HubConfig {
    /// The Hub base URL (`https://huggingface.co` or a localhub `http://127.0.0.1:PORT`).
    pub endpoint: Url,
    /// The Inference Providers base URL (ends in `/v1`).
    pub inference_url: Url,
    /// Retry policy for transient failures.
    pub retry: RetryConfig,
    /// Connect timeout for every request.
    pub connect_timeout: Duration,
}

impl HubConfig {
    /// A configuration for an explicit endpoint, with default retries and timeouts.
    pub fn new(endpoint: &str) -> HubResult<HubConfig> {
        let endpoint = parse_base(endpoint)?;
        Ok(HubConfig {
            endpoint,
            inference_url: parse_base(DEFAULT_INFERENCE_URL)?,
            retry: RetryConfig::default(),
            connect_timeout: Duration::from_secs(10),
        })
    }

    /// The endpoint from `HF_ENDPOINT`, else `https://huggingface.co`; the inference URL
    /// from `HF_INFERENCE_URL` (our own name), else the public router.
    pub fn from_env() -> HubResult<HubConfig> {
        let endpoint = std::env::var("HF_ENDPOINT")
            .ok()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_ENDPOINT.to_owned());
        let mut cfg = HubConfig::new(&endpoint)?;
        if let Some(u) = std::env::var(INFERENCE_URL_ENV)
            .ok()
            .filter(|s| !s.trim().is_empty())
        {
            cfg.inference_url = parse_base(&u)?;
        }
        Ok(cfg)
    }

    /// Replaces the retry policy (tests use millisecond delays).
    pub fn with_retry(mut self, retry: RetryConfig) -> HubConfig {
        self.retry = retry;
        self
    }

    /// Replaces the Inference Providers base URL.
    pub fn with_inference_url(mut self, url: &str) -> HubResult<HubConfig> {
        self.inference_url = parse_base(url)?;
        Ok(self)
    }
}

/// Parses a base URL and makes sure it ends with `/` so joins keep its path.
pub(crate) fn parse_base(s: &str) -> HubResult<Url> {
    let mut url =
        Url::parse(s.trim()).map_err(|e| HubError::InvalidInput(format!("bad URL `{s}`: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(HubError::InvalidInput(format!(
            "`{s}` is not an http(s) URL"
        )));
    }
    if !url.path().ends_with('/') {
        let p = format!("{}/", url.path());
        url.set_path(&p);
    }
    Ok(url)
}

/// The typed client for every Hub endpoint the factory uses. Cheap to clone.
#[derive(Clone)]
pub struct HubClient {
    pub(crate) http: reqwest::Client,
    /// For running apps: follows a redirect only within the app's origin, so a header an
    /// app request carries never reaches another host.
    pub(crate) apps_http: reqwest::Client,
    pub(crate) cfg: Arc<HubConfig>,
}

impl std::fmt::Debug for HubClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubClient")
            .field("endpoint", &self.cfg.endpoint.as_str())
            .finish()
    }
}

/// The body of one request, rebuilt for every retry attempt.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    Empty,
    Json(serde_json::Value),
    Raw(Vec<u8>, &'static str),
}

/// Which failures a request may be retried on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    /// 429, 5xx and connection errors (reads and idempotent writes).
    Transient,
    /// Only connection errors (a server that answered 5xx may have acted on the request;
    /// a reset pooled connection, e.g. after an app's 500, did not).
    NetworkOnly,
    /// Never (creating a Job: a retry could start a second one).
    Never,
    /// Only answers saying the request was not carried out: a 429, and the 409 "another
    /// conflicting operation is in progress" (creating a repo: a lost answer must not be
    /// retried, but a refusal to start may be).
    Refused,
}

/// One request as the endpoint modules describe it.
#[derive(Debug, Clone)]
pub(crate) struct Req {
    pub method: Method,
    pub url: Url,
    pub token: Option<Token>,
    pub body: Body,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub query: Vec<(String, String)>,
    pub retry: Retry,
    /// `None` for streams (the whole-request timeout would cut them).
    pub timeout: Option<Duration>,
    /// Sent to a running app, not the Hub: redirects are followed only within its origin.
    pub app: bool,
}

impl Req {
    pub fn new(method: Method, url: Url, token: Option<&Token>) -> Req {
        Req {
            method,
            url,
            token: token.cloned(),
            body: Body::Empty,
            headers: Vec::new(),
            query: Vec::new(),
            retry: Retry::Transient,
            timeout: Some(DEFAULT_REQUEST_TIMEOUT),
            app: false,
        }
    }
    /// A request to a running app ([`crate::apps::AppTarget`]), not to the Hub.
    pub fn for_app(mut self) -> Req {
        self.app = true;
        self
    }
    pub fn json(mut self, v: serde_json::Value) -> Req {
        self.body = Body::Json(v);
        self
    }
    pub fn raw(mut self, bytes: Vec<u8>, content_type: &'static str) -> Req {
        self.body = Body::Raw(bytes, content_type);
        self
    }
    pub fn query(mut self, k: &str, v: impl Into<String>) -> Req {
        self.query.push((k.to_owned(), v.into()));
        self
    }
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Req {
        self.headers.push((name, value));
        self
    }
    /// Marks a non-idempotent call (e.g. creating a Job) that must never be sent twice.
    pub fn no_retry(mut self) -> Req {
        self.retry = Retry::Never;
        self
    }
    /// Retries only answers that say nothing was done ([`Retry::Refused`]).
    pub fn retry_refused_only(mut self) -> Req {
        self.retry = Retry::Refused;
        self
    }
    /// Retries only connection failures (non-idempotent calls to apps).
    pub fn retry_network_only(mut self) -> Req {
        self.retry = Retry::NetworkOnly;
        self
    }
    /// A streaming request: no whole-request timeout.
    pub fn streaming(mut self) -> Req {
        self.timeout = None;
        self
    }
}

impl HubClient {
    /// A client for the given configuration.
    pub fn new(cfg: HubConfig) -> HubResult<HubClient> {
        let builder = || {
            reqwest::Client::builder()
                .user_agent(concat!("space-factory-hub/", env!("CARGO_PKG_VERSION")))
                .connect_timeout(cfg.connect_timeout)
        };
        let http = builder()
            .build()
            .map_err(|e| HubError::Network(e.to_string()))?;
        let apps_http = builder()
            .redirect(reqwest::redirect::Policy::custom(same_origin_only))
            .build()
            .map_err(|e| HubError::Network(e.to_string()))?;
        Ok(HubClient {
            http,
            apps_http,
            cfg: Arc::new(cfg),
        })
    }

    /// A client for `HF_ENDPOINT` (or huggingface.co).
    pub fn from_env() -> HubResult<HubClient> {
        HubClient::new(HubConfig::from_env()?)
    }

    /// A client for an explicit endpoint (a localhub URL in tests).
    pub fn with_endpoint(endpoint: &str) -> HubResult<HubClient> {
        HubClient::new(HubConfig::new(endpoint)?)
    }

    /// The configuration in use.
    pub fn config(&self) -> &HubConfig {
        &self.cfg
    }

    /// The Hub base URL.
    pub fn endpoint(&self) -> &Url {
        &self.cfg.endpoint
    }

    /// `{endpoint}/{segments…}`, each segment percent-encoded.
    pub(crate) fn url(&self, segments: &[&str]) -> Url {
        join(&self.cfg.endpoint, segments)
    }

    /// Sends a request with retries; returns the successful response or a typed error.
    pub(crate) async fn send(&self, req: Req) -> HubResult<reqwest::Response> {
        let retry = self.cfg.retry.clone();
        let attempt = || self.send_once(&req);
        if req.retry == Retry::Never || retry.max_retries == 0 {
            return attempt().await;
        }
        let backoff = ExponentialBuilder::default()
            .with_min_delay(retry.min_delay)
            .with_max_delay(retry.max_delay)
            .with_max_times(retry.max_retries)
            .with_jitter();
        attempt
            .retry(backoff)
            .when(|e| match req.retry {
                Retry::Transient => e.is_transient(),
                Retry::NetworkOnly => matches!(e, HubError::Network(_)),
                Retry::Refused => match e {
                    HubError::RateLimited { .. } => true,
                    HubError::Conflict { message, .. } => {
                        crate::error::is_conflicting_operation(message)
                    }
                    _ => false,
                },
                Retry::Never => false,
            })
            // A 429 that says when to come back is retried then (within reason).
            .adjust(|e, delay| match e.retry_after() {
                Some(wait) if wait <= crate::error::MAX_RETRY_AFTER => Some(wait),
                Some(_) => None,
                None => delay,
            })
            .notify(|e, d| tracing::debug!(error = %e, delay = ?d, "retrying Hub call"))
            .await
    }

    async fn send_once(&self, req: &Req) -> HubResult<reqwest::Response> {
        let http = if req.app { &self.apps_http } else { &self.http };
        let mut b = http.request(req.method.clone(), req.url.clone());
        if !req.query.is_empty() {
            b = b.query(&req.query);
        }
        if let Some(t) = &req.token {
            let mut v = HeaderValue::from_str(&t.bearer())
                .map_err(|_| HubError::InvalidInput("token has invalid characters".into()))?;
            v.set_sensitive(true);
            b = b.header(AUTHORIZATION, v);
        }
        for (k, v) in &req.headers {
            b = b.header(k.clone(), v.clone());
        }
        if let Some(t) = req.timeout {
            b = b.timeout(t);
        }
        b = match &req.body {
            Body::Empty => b,
            Body::Json(v) => b.json(v),
            Body::Raw(bytes, ct) => b.header(CONTENT_TYPE, *ct).body(bytes.clone()),
        };
        let resp = b.send().await.map_err(HubError::network)?;
        if resp.status().is_success() {
            Ok(resp)
        } else {
            Err(HubError::from_response(resp).await)
        }
    }

    /// Sends and decodes a JSON answer.
    pub(crate) async fn json<T: DeserializeOwned>(&self, req: Req) -> HubResult<T> {
        let resp = self.send(req).await?;
        let bytes = resp.bytes().await.map_err(HubError::network)?;
        serde_json::from_slice(&bytes).map_err(|e| {
            let start: String = String::from_utf8_lossy(&bytes).chars().take(200).collect();
            HubError::Protocol(format!("unexpected answer ({e}): {start}"))
        })
    }

    /// Sends and ignores the body.
    pub(crate) async fn unit(&self, req: Req) -> HubResult<()> {
        self.send(req).await.map(|_| ())
    }
}

/// `{base}/{segments…}` with each segment percent-encoded (a segment may hold `/`, which is
/// kept as a separator: file paths inside repos).
/// Follows a redirect only to the origin the request started at (at most 10 hops).
fn same_origin_only(attempt: reqwest::redirect::Attempt) -> reqwest::redirect::Action {
    let first = attempt.previous().first().map(Url::origin);
    if attempt.previous().len() > 10 || first != Some(attempt.url().origin()) {
        attempt.stop()
    } else {
        attempt.follow()
    }
}

pub(crate) fn join(base: &Url, segments: &[&str]) -> Url {
    let mut url = base.clone();
    {
        let mut p = url.path_segments_mut().expect("http URLs have paths");
        p.pop_if_empty();
        for s in segments {
            for part in s.split('/') {
                p.push(part);
            }
        }
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_keeps_path_and_joins_encode() {
        let base = parse_base("http://127.0.0.1:9/sub").unwrap();
        assert_eq!(base.as_str(), "http://127.0.0.1:9/sub/");
        let u = join(
            &base,
            &["api", "spaces", "a/b", "resolve", "main", "dir/x y.txt"],
        );
        assert_eq!(
            u.as_str(),
            "http://127.0.0.1:9/sub/api/spaces/a/b/resolve/main/dir/x%20y.txt"
        );
        assert!(parse_base("ftp://x").is_err());
        assert!(parse_base("not a url").is_err());
    }

    #[test]
    fn debug_shows_no_token() {
        let c = HubClient::with_endpoint("http://127.0.0.1:1").unwrap();
        assert_eq!(
            format!("{c:?}"),
            r#"HubClient { endpoint: "http://127.0.0.1:1/" }"#
        );
        let r = Req::new(Method::GET, c.url(&["x"]), Some(&Token::new("hf_abc")));
        assert!(!format!("{r:?}").contains("hf_abc"));
    }
}
