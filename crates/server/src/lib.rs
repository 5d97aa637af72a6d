//! The Space Factory web server as a library, so tests can build the same router the
//! binary serves.

pub mod config;
pub mod routes;

use axum::Router;
use config::Config;
use leptos::prelude::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};

/// Builds the whole HTTP surface: health, the Leptos pages, and the site's static files.
pub fn router(config: &Config) -> Router {
    let options = leptos_options(config);
    let pages = generate_route_list(app::App);
    Router::new()
        .merge(routes::health::router())
        .leptos_routes(&options, pages, {
            let options = options.clone();
            move || app::shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler(app::shell))
        .with_state(options)
}

/// The Leptos settings, taken from our own config rather than cargo-leptos' environment,
/// so the binary runs the same whether or not cargo-leptos started it.
fn leptos_options(config: &Config) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name(app::OUTPUT_NAME)
        .site_root(config.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(config.addr)
        .reload_port(config.reload_port)
        .build()
}
