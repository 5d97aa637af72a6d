//! What every handler shares: the Hub client, the OAuth app, and the Job settings, built
//! once from the [`Config`] when the server starts.

use crate::config::Config;
use crate::security::origin_guard::SiteOrigin;
use app::api::server::hub_links::HubHosts;
use app::api::server::{JobSettings, Services as ApiServices};
use hub::oauth::{OAuthApp, OidcDiscovery, FACTORY_SCOPES};
use hub::{HubClient, HubConfig, HubError, RepoId, RetryConfig, Token};
use std::sync::Arc;
use tokio::sync::OnceCell;

/// The shared, read-only services of a running server: the server functions' own
/// ([`ApiServices`], also provided to them as context) and what only the server's routes
/// use (sign-in, framing, stream slots, live runs).
#[derive(Debug)]
pub struct Services {
    /// What the server functions and the run stream run on: the Hub client, Job settings.
    pub api: Arc<ApiServices>,
    /// The OpenID provider (the Hub unless `OPENID_PROVIDER_URL` says otherwise).
    pub oidc: HubClient,
    /// The factory's OAuth registration.
    pub oauth: OAuthApp,
    /// The provider's endpoints, fetched on the first sign-in.
    discovery: OnceCell<OidcDiscovery>,
    /// Served from a Space (HTTPS, in an iframe): cookies are `Secure; SameSite=None`.
    pub in_space: bool,
    /// The origin the browser sees the factory at, the only one allowed to change state.
    pub site_origin: SiteOrigin,
    /// Origins allowed to frame the app besides itself and the Hub.
    pub frame_ancestors: Vec<String>,
    /// The live run streams under way, capped per session and in all.
    pub streams: Arc<crate::routes::stream_slots::StreamSlots>,
    /// The live runs followed for their viewers, one upstream each.
    pub live: Arc<crate::routes::stream_upstream::LiveRuns>,
    /// Finished runs' pages as rendered, served again to the same viewer for the same data.
    pub pages: Arc<crate::finished_pages::FinishedPages>,
}

/// Why the server could not be set up from its configuration.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// A URL or id in the configuration is unusable.
    #[error("configuration: {0}")]
    Config(String),
    /// The Hub client could not be built.
    #[error("hub client: {0}")]
    Hub(#[from] HubError),
}

/// How the server retries the Hub: someone is waiting on a page, so two quick retries
/// (under 1.5 s of waiting in all) and then the error with its "Try again" button. The
/// client's default (five retries, up to 23 s) suits the worker inside a Job instead.
fn page_retry() -> RetryConfig {
    RetryConfig {
        max_retries: 2,
        min_delay: std::time::Duration::from_millis(400),
        max_delay: std::time::Duration::from_secs(1),
    }
}

impl Services {
    /// Builds the services for a Hub at `hub_url`, reached by the browser at `public_url`.
    pub fn new(
        config: &Config,
        hub_url: &str,
        public_url: &str,
        suggestions: app::api::Suggestions,
    ) -> Result<Services, SetupError> {
        let client = |url: &str| HubClient::new(HubConfig::new(url)?.with_retry(page_retry()));
        let hub = match &config.hub_endpoint {
            Some(_) => client(hub_url)?,
            // The embedded hub is its own Inference Providers router too, as its Jobs are told.
            None => HubClient::new(
                HubConfig::new(hub_url)?
                    .with_retry(page_retry())
                    .with_inference_url(&format!("{}/v1", hub_url.trim_end_matches('/')))?,
            )?,
        };
        let oidc = match &config.openid_provider_url {
            Some(url) => client(url)?,
            None => hub.clone(),
        };
        let mut scopes: Vec<String> = FACTORY_SCOPES.iter().map(|s| s.to_string()).collect();
        for extra in config
            .oauth_scopes
            .iter()
            .flat_map(|s| s.split_whitespace())
        {
            if !scopes.iter().any(|s| s == extra) {
                scopes.push(extra.to_owned());
            }
        }
        let oauth = OAuthApp {
            client_id: config
                .oauth_client_id
                .clone()
                .unwrap_or_else(|| crate::config::LOCAL_CLIENT_ID.to_owned()),
            client_secret: config
                .oauth_client_secret
                .as_ref()
                .map(|s| Token::new(s.0.clone())),
            redirect_uri: format!("{}/login/callback", public_url.trim_end_matches('/')),
            scopes,
        };
        let bucket_source = match &config.bucket_source {
            Some(text) => Some(text.parse::<RepoId>().map_err(|e| {
                SetupError::Config(format!("SPACE_FACTORY_BUCKET_SOURCE `{text}`: {e}"))
            })?),
            None => None,
        };
        let site_origin = SiteOrigin::from_public_url(public_url)
            .map_err(|e| SetupError::Config(format!("public URL `{public_url}`: {e}")))?;
        let endpoint = hub.endpoint().as_str().trim_end_matches('/').to_owned();
        let hub_endpoint = (endpoint != hub::DEFAULT_ENDPOINT).then(|| endpoint.clone());
        let api = ApiServices {
            hub,
            requested_scopes: oauth.scopes.clone(),
            jobs: JobSettings {
                image: config.run_job_image().map_err(SetupError::Config)?,
                flavor: config.job_flavor.clone(),
                timeout: config.job_timeout,
                bucket_source,
                bucket_mount: config.bucket_mount.clone(),
                hub_endpoint,
                max_under_way: config.max_runs_under_way,
                default_budget_usd: (config.default_budget_usd.is_finite()
                    && config.default_budget_usd > 0.0)
                    .then_some(config.default_budget_usd),
                allowed_gpus: config
                    .allowed_gpus
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect(),
            },
            hub_hosts: HubHosts::new(&endpoint),
            hub_url: endpoint,
            suggestions: app::api::Suggestions {
                default_budget_usd: (config.default_budget_usd.is_finite()
                    && config.default_budget_usd > 0.0)
                    .then_some(config.default_budget_usd),
                ..suggestions
            },
            finished: Default::default(),
            publications: Default::default(),
        };
        Ok(Services {
            api: Arc::new(api),
            oidc,
            oauth,
            discovery: OnceCell::new(),
            in_space: config.space_host.is_some(),
            site_origin,
            frame_ancestors: crate::security::headers::parse_frame_ancestors(
                config.frame_ancestors.as_deref().unwrap_or_default(),
            )
            .map_err(|e| SetupError::Config(format!("SPACE_FACTORY_FRAME_ANCESTORS: {e}")))?,
            streams: Default::default(),
            live: Default::default(),
            pages: Default::default(),
        })
    }

    /// The provider's endpoints (fetched once, then kept).
    pub async fn discovery(&self) -> Result<&OidcDiscovery, HubError> {
        self.discovery
            .get_or_try_init(|| self.oidc.oidc_discovery())
            .await
    }
}
