//! The router answers health checks and renders the landing page server-side.

use crate::kit::TestApp;
use reqwest::StatusCode;

async fn get(path: &str) -> (StatusCode, String) {
    let stand = TestApp::start().await;
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

/// The security headers every answer must carry, checked on one answer.
fn assert_security_headers(what: &str, response: &reqwest::Response) -> String {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_else(|| panic!("{what}: no {name}"))
    };
    assert_eq!(header("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(
        header("referrer-policy"),
        "strict-origin-when-cross-origin",
        "{what}"
    );
    let csp = header("content-security-policy");
    for directive in [
        "default-src 'self'",
        "frame-ancestors 'self' https://huggingface.co",
        "object-src 'none'",
    ] {
        assert!(
            csp.contains(directive),
            "{what}: {directive} missing in {csp}"
        );
    }
    let script = csp
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src "))
        .unwrap_or_else(|| panic!("{what}: no script-src in {csp}"));
    assert!(
        script.starts_with("script-src 'self' 'wasm-unsafe-eval'"),
        "{what}: {script}"
    );
    assert!(!script.contains("unsafe-inline"), "{what}: {script}");
    csp
}

#[tokio::test]
async fn pages_assets_and_server_functions_all_carry_the_security_headers() {
    let site = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(site.path().join("pkg")).unwrap();
    std::fs::write(site.path().join("pkg/space-factory.css"), "body{}").unwrap();
    let root = site.path().to_path_buf();
    let stand = TestApp::start_with(move |config| config.site_root = root).await;
    let mut browser = stand.browser();

    // A page: its inline hydration script runs by the nonce the policy names, and only it.
    let page = browser.get("/").await;
    assert_eq!(page.status(), StatusCode::OK);
    let csp = assert_security_headers("the landing page", &page);
    assert!(page.headers().get("strict-transport-security").is_none());
    let nonce = csp
        .split_once("'nonce-")
        .and_then(|(_, rest)| rest.split_once('\''))
        .map(|(nonce, _)| nonce.to_owned())
        .unwrap_or_else(|| panic!("the page's policy has no nonce: {csp}"));
    assert!(nonce.len() >= 16, "{nonce}");
    let html = page.text().await.unwrap();
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "{html}");
    // Each page gets a nonce of its own.
    let again = browser.get("/").await;
    let csp_again = assert_security_headers("the landing page again", &again);
    assert!(
        !csp_again.contains(&nonce),
        "a nonce was reused: {csp_again}"
    );

    let asset = browser.get("/pkg/space-factory.css").await;
    assert_eq!(asset.status(), StatusCode::OK);
    let asset_csp = assert_security_headers("a static file", &asset);
    assert!(!asset_csp.contains("'nonce-"), "{asset_csp}");

    let answer = browser
        .http
        .post(format!("{}/api/fn/who_am_i", stand.url()))
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert_security_headers("a server function's answer", &answer);

    let refused = browser
        .http
        .post(format!("{}/api/fn/who_am_i", stand.url()))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_security_headers("a refused cross-site request", &refused);

    let missing = browser.get("/no/such/page").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_security_headers("the not-found page", &missing);
}

#[tokio::test]
async fn in_a_space_every_answer_also_demands_https() {
    let stand = TestApp::start_with(|config| {
        config.space_host = Some("alice-space-factory.hf.space".into());
    })
    .await;
    for path in ["/", "/healthz", "/no/such/page"] {
        let response = stand.browser().get(path).await;
        assert_security_headers(path, &response);
        assert_eq!(
            response
                .headers()
                .get("strict-transport-security")
                .map(|v| v.to_str().unwrap()),
            Some("max-age=31536000"),
            "{path}"
        );
    }
}
