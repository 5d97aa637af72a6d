//! `GET /healthz`: liveness for load balancers, Docker's HEALTHCHECK and tests.

use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

/// The health answer: always "ok" while the process serves requests.
#[derive(Debug, Serialize)]
pub struct Health {
    /// "ok".
    pub status: &'static str,
    /// The server's crate version.
    pub version: &'static str,
}

/// The route, ready to merge into the main router.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route("/healthz", get(healthz))
}

async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}
