//! The router answers health checks and renders the landing page server-side.

mod common;

use reqwest::StatusCode;

async fn get(path: &str) -> (StatusCode, String) {
    let stand = common::Stand::start().await;
    let response = stand.browser().get(path).await;
    let status = response.status();
    (status, response.text().await.unwrap())
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
