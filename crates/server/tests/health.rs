//! The router answers health checks and renders the landing page server-side.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use clap::Parser;
use http_body_util::BodyExt;
use server::config::Config;
use tower::ServiceExt;

async fn get(path: &str) -> (StatusCode, String) {
    let config = Config::try_parse_from(["space-factory"]).unwrap();
    let response = server::router(&config)
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn healthz_reports_ok_and_version() {
    let (status, body) = get("/healthz").await;
    assert_eq!(status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["status"], "ok");
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn landing_page_lists_every_phase_and_offers_sign_in() {
    let (status, html) = get("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Sign in with Hugging Face"));
    for phase in runs::Phase::ALL {
        assert!(html.contains(phase.title()), "missing {}", phase.title());
    }
    assert!(
        html.contains("/pkg/space-factory.js"),
        "hydration script not linked"
    );
}

#[tokio::test]
async fn unknown_pages_are_404() {
    let (status, html) = get("/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("Page not found"));
}
