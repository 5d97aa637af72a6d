//! The Space Factory web server as a library, so tests can build the same server the
//! binary serves.
//!
//! [`Factory::start`] wires everything: the Hub (the configured `HF_ENDPOINT`, or the
//! embedded local hub, linked only with the default-on `embedded-hub` feature), sign-in
//! routes, the run stream, the Leptos pages and server functions with the
//! [`app::api::server::Services`] in their context (a finished run's page kept and served
//! again to the same viewer for the same data, [`finished_pages`]), the session layer
//! around all of it, the cross-site request guard around that
//! ([`security::origin_guard`]), and the security headers on every answer
//! ([`security::headers`]).
//!
//! | route | what |
//! |---|---|
//! | `GET /login[?next=/local/path]` | starts sign-in with Hugging Face (PKCE S256, state, the factory's scopes) |
//! | `GET /login/callback` | the provider's redirect: checks state, exchanges the code, signs the session in |
//! | `POST /logout` | forgets the session |
//! | `POST /api/fn/*` | the app's server functions ([`app::api`]) |
//! | `GET /api/runs/{owner}/{run_id}/stream` | a run live, as SSE ([`app::api::stream`]) |
//! | `GET /healthz` | liveness |
// The pages' view types (the wizard's above all) nest deeper than the default limit when
// their layout is computed for server rendering.
#![recursion_limit = "256"]

pub mod config;
#[cfg(feature = "embedded-hub")]
pub mod embedded;
pub mod finished_pages;
pub mod routes;
pub mod security;
pub mod services;
pub mod session;
pub mod suggestions;

use axum::Router;
use config::Config;
use leptos::prelude::{provide_context, LeptosOptions};
use leptos_axum::{generate_route_list, LeptosRoutes};
use security::headers::ContentSecurityPolicy;
use services::Services;
use std::net::SocketAddr;
use std::sync::Arc;

pub use app::api::server::DEFAULT_BUCKET_NAME;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The embedded hub did not start.
    #[cfg(feature = "embedded-hub")]
    #[error(transparent)]
    Embedded(#[from] embedded::EmbeddedError),
    /// No Hub is configured, and this build has no embedded hub to start in its place.
    #[cfg(not(feature = "embedded-hub"))]
    #[error(
        "no Hub configured: set HF_ENDPOINT (or --hub-endpoint), e.g. HF_ENDPOINT=https://huggingface.co; \
         this build has no embedded local hub (it was built without the `embedded-hub` feature)"
    )]
    NoHub,
    /// The configuration is unusable.
    #[error(transparent)]
    Setup(#[from] services::SetupError),
}

/// A configured server: its router and, in local mode, the embedded hub it talks to.
#[derive(Debug)]
pub struct Factory {
    /// Everything the server answers.
    pub router: Router,
    /// The shared services (the Hub client, OAuth and Job settings).
    pub services: Arc<Services>,
    /// The embedded hub; dropping it stops it.
    #[cfg(feature = "embedded-hub")]
    pub embedded_hub: Option<localhub::RunningHub>,
}

impl Factory {
    /// Sets the server up to be reached at `listening` (or `https://SPACE_HOST`), talking to
    /// the configured `HF_ENDPOINT`, else to the embedded hub it starts; a build without the
    /// `embedded-hub` feature refuses to start with no Hub configured ([`StartError::NoHub`]).
    pub async fn start(config: &Config, listening: SocketAddr) -> Result<Factory, StartError> {
        #[cfg(feature = "embedded-hub")]
        let (hub_url, embedded_hub) = match &config.hub_endpoint {
            Some(endpoint) => (endpoint.clone(), None),
            None => {
                let hub = embedded::start(config).await?;
                (hub.url(), Some(hub))
            }
        };
        #[cfg(not(feature = "embedded-hub"))]
        let hub_url = config.hub_endpoint.clone().ok_or(StartError::NoHub)?;
        #[cfg(feature = "embedded-hub")]
        let suggestions = match &embedded_hub {
            Some(_) => embedded::suggestions(config, &hub_url),
            None => suggestions::remote(),
        };
        #[cfg(not(feature = "embedded-hub"))]
        let suggestions = suggestions::remote();
        let services = Arc::new(Services::new(
            config,
            &hub_url,
            &config.public_url(listening),
            suggestions,
        )?);
        Ok(Factory {
            router: router(config, listening, services.clone()),
            services,
            #[cfg(feature = "embedded-hub")]
            embedded_hub,
        })
    }

    /// The embedded hub's URL, when this server started one.
    pub fn embedded_hub_url(&self) -> Option<String> {
        #[cfg(feature = "embedded-hub")]
        return self.embedded_hub.as_ref().map(localhub::RunningHub::url);
        #[cfg(not(feature = "embedded-hub"))]
        None
    }
}

/// The app's page routes, listed once per process. Listing them runs the app with resource
/// loads suppressed by a process-wide flag (leptos_server's `SuppressResourceLoad`): a page
/// whose resource first polls meanwhile, in another router of the same process, waits
/// forever (leptos issue 4773). The list is the same for every router, so the first one
/// lists it and the others reuse it.
fn page_routes() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(app::App)).clone()
}

/// Builds the whole HTTP surface over `services`.
pub fn router(config: &Config, listening: SocketAddr, services: Arc<Services>) -> Router {
    let options = leptos_options(config, listening);
    let pages = page_routes();
    let api = services.api.clone();
    let policy = ContentSecurityPolicy::new(
        &services.api.hub_url,
        std::env::var_os("LEPTOS_WATCH").is_some() && !services.in_space,
    )
    .with_frame_ancestors(&services.frame_ancestors);
    let context = {
        let policy = policy.clone();
        move || {
            provide_context(api.clone());
            policy.apply_to_page();
        }
    };
    let own_origin = Arc::new(services.site_origin.clone());
    let own_routes: Router<LeptosOptions> = Router::new()
        .merge(routes::auth::router())
        .merge(routes::stream::router())
        .with_state(services.clone());
    // The pages (and server functions) leptos_axum routes, a finished run's page kept and
    // served again to the same viewer for the same data.
    let kept_pages = finished_pages::PagesState {
        pages: services.pages.clone(),
        api: services.api.clone(),
        policy: policy.clone(),
    };
    let page_routes: Router<LeptosOptions> = Router::new()
        .leptos_routes_with_context(&options, pages, context.clone(), {
            let options = options.clone();
            move || app::shell(options.clone())
        })
        .layer(axum::middleware::from_fn_with_state(
            kept_pages,
            finished_pages::layer,
        ));
    let router = Router::new()
        .merge(routes::health::router())
        .merge(own_routes)
        .merge(page_routes)
        .fallback(leptos_axum::file_and_error_handler_with_context(
            context,
            app::shell,
        ))
        .with_state(options)
        .layer(session::layer(services.in_space, config.max_sessions))
        // Outside the session layer: a refused request costs no session work.
        .layer(axum::middleware::from_fn(security::json_only::guard))
        .layer(axum::middleware::from_fn_with_state(
            own_origin,
            security::origin_guard::guard,
        ));
    security::headers::around(router, &policy, services.in_space)
}

/// The Leptos settings, taken from our own config rather than cargo-leptos' environment,
/// so the binary runs the same whether or not cargo-leptos started it.
fn leptos_options(config: &Config, listening: SocketAddr) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name(app::OUTPUT_NAME)
        .site_root(config.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(listening)
        .reload_port(config.reload_port)
        .build()
}
