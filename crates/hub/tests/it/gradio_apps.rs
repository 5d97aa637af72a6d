//! `hub`'s Gradio client against real Gradio 6.x, 5.x and 4.x apps: text, number,
//! multi-output and file endpoints, `gr.Error` (text via `/run` on 4/5, via `/call` on 6).

use crate::kit::gradio_app::{launch, APP};
use hub::apps::AppTarget;
use hub::gradio::FileData;
use hub::repos::RepoInfo;
use hub::{HubClient, HubError};
use localhub::python_env::{VenvRecipe, GRADIO_4_VENV, GRADIO_5_VENV, GRADIO_6_VENV};
use serde_json::json;

async fn exercise(venv: VenvRecipe, major: u32) {
    let app = launch(venv, APP).await;
    let hub = HubClient::with_endpoint("http://127.0.0.1:9").unwrap();
    let g = hub
        .gradio(&AppTarget::anonymous(&app.url).unwrap())
        .await
        .unwrap();
    assert_eq!(g.config().major(), Some(major));
    if major >= 5 {
        assert!(
            g.api_base().as_str().ends_with("/gradio_api/"),
            "{}",
            g.api_base()
        );
    } else {
        assert_eq!(g.config().api_prefix, None);
    }

    let info = g.info().await.unwrap();
    for name in ["/upper", "/double", "/combine", "/fail", "/make_file"] {
        assert!(
            info.named_endpoints.contains_key(name),
            "{name} missing in {major}"
        );
    }
    assert_eq!(info.named_endpoints["/combine"].parameters.len(), 2);
    assert_eq!(info.named_endpoints["/combine"].returns.len(), 2);

    // Text.
    assert_eq!(
        g.call("upper", vec![json!("hello")]).await.unwrap(),
        vec![json!("HELLO")]
    );
    // Number.
    let out = g.call("/double", vec![json!(21)]).await.unwrap();
    assert_eq!(out[0].as_f64(), Some(42.0));
    // Multi-output.
    let out = g
        .call("combine", vec![json!("bob"), json!(3)])
        .await
        .unwrap();
    assert_eq!(out[0], json!("bob x 3"));
    assert_eq!(out[1]["name"], json!("bob"));
    // `/run` gives the same data without the queue.
    assert_eq!(
        g.run("upper", vec![json!("direct")]).await.unwrap(),
        vec![json!("DIRECT")]
    );

    // gr.Error: /call carries the text only on 6; /run carries it everywhere.
    match g.call("fail", vec![json!("x")]).await {
        Err(HubError::App(msg)) if major >= 6 => assert_eq!(msg.as_deref(), Some("bad input")),
        Err(HubError::App(msg)) => assert_eq!(msg, None),
        other => panic!("expected an app error, got {other:?}"),
    }
    match g.run("fail", vec![json!("x")]).await {
        Err(HubError::App(Some(m))) => assert_eq!(m, "bad input"),
        other => panic!("expected the gr.Error text, got {other:?}"),
    }
    // File output.
    let out = g.call("make_file", vec![json!("file body")]).await.unwrap();
    let file = FileData::from_value(&out[0]).expect("a file output");
    assert_eq!(g.download(&file).await.unwrap(), b"file body");
    // The queue protocol: results, and the gr.Error text on every version.
    assert_eq!(
        g.predict("upper", vec![json!("queued")]).await.unwrap(),
        vec![json!("QUEUED")]
    );
    match g.predict("fail", vec![json!("x")]).await {
        Err(HubError::App(Some(m))) => assert_eq!(m, "bad input"),
        other => panic!("expected the gr.Error text, got {other:?}"),
    }
    assert!(matches!(
        g.predict("nosuch", vec![]).await,
        Err(HubError::InvalidInput(_))
    ));
    // Unknown endpoint: a 500 from the app, not a hang.
    assert!(g.call("nosuch", vec![json!("x")]).await.is_err());
    // The app still answers afterwards (its 500 resets the pooled connection).
    assert_eq!(
        g.call("upper", vec![json!("again")]).await.unwrap(),
        vec![json!("AGAIN")]
    );
    // Names that would change the URL are refused before any request.
    assert!(matches!(
        g.call("../config", vec![]).await,
        Err(HubError::InvalidInput(_))
    ));
}

#[tokio::test]
async fn gradio_6_text_number_multi_error_file() {
    exercise(GRADIO_6_VENV, 6).await;
}

#[tokio::test]
async fn gradio_5_text_number_multi_error_file() {
    exercise(GRADIO_5_VENV, 5).await;
}

#[tokio::test]
async fn gradio_4_text_number_multi_error_file() {
    exercise(GRADIO_4_VENV, 4).await;
}

/// The Space `alice/private-app` at `host`, as the Hub would describe it.
fn space_at(host: &str) -> RepoInfo {
    serde_json::from_value(json!({"id": "alice/private-app", "host": host})).unwrap()
}

/// A private Space: the proxy's token header must be on every request to the app's host
/// (config, info, call, the SSE read, file download), and `Authorization` on none.
#[tokio::test]
async fn private_app_gets_the_proxy_header_on_every_request_and_authorization_on_none() {
    let app = launch(GRADIO_6_VENV, APP).await;
    let (proxy, stats) = crate::kit::auth_proxy::start(app.url.clone(), "hf_space_token").await;
    let hub = HubClient::with_endpoint("http://127.0.0.1:9").unwrap();
    let space = space_at(&proxy);

    match hub.gradio(&space.space_app(None).unwrap()).await {
        Err(HubError::Unauthorized { message, .. }) => {
            assert!(message.contains("Invalid credentials"))
        }
        other => panic!("expected 401 without a token, got {other:?}"),
    }
    let wrong = hub::Token::new("hf_wrong");
    assert!(matches!(
        hub.gradio(&space.space_app(Some(&wrong)).unwrap()).await,
        Err(HubError::Unauthorized { .. })
    ));
    let refused_before = stats.refused.load(std::sync::atomic::Ordering::SeqCst);

    let token = hub::Token::new("hf_space_token");
    let g = hub
        .gradio(&space.space_app(Some(&token)).unwrap())
        .await
        .unwrap();
    assert!(g
        .info()
        .await
        .unwrap()
        .named_endpoints
        .contains_key("/upper"));
    assert_eq!(
        g.call("upper", vec![json!("private")]).await.unwrap(),
        vec![json!("PRIVATE")]
    );
    assert_eq!(
        g.run("upper", vec![json!("run")]).await.unwrap(),
        vec![json!("RUN")]
    );
    let out = g
        .call("make_file", vec![json!("secret file")])
        .await
        .unwrap();
    let file = FileData::from_value(&out[0]).unwrap();
    assert_eq!(g.download(&file).await.unwrap(), b"secret file");

    use std::sync::atomic::Ordering::SeqCst;
    assert_eq!(
        stats.refused.load(SeqCst),
        refused_before,
        "a request went out without the header"
    );
    assert_eq!(
        stats.with_authorization.load(SeqCst),
        0,
        "a request carried Authorization, which the Hub's proxy passes to the app's code"
    );
    // config, info, 2× (call POST + SSE GET), run, download.
    assert!(
        stats.forwarded.load(SeqCst) >= 8,
        "{}",
        stats.forwarded.load(SeqCst)
    );
}

/// A server that answers every request with `status` + `Location: {to}{path}`, or (with
/// no `to`) 200 `{}`; it keeps the headers of every request it receives.
async fn redirecting(
    to: Option<String>,
) -> (
    String,
    std::sync::Arc<std::sync::Mutex<Vec<axum::http::HeaderMap>>>,
) {
    use axum::http::{Request, StatusCode};
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let keep = seen.clone();
    let app = axum::Router::new().fallback(move |req: Request<axum::body::Body>| {
        let keep = keep.clone();
        let to = to.clone();
        async move {
            keep.lock().unwrap().push(req.headers().clone());
            match to {
                Some(to) => axum::response::Response::builder()
                    .status(StatusCode::FOUND)
                    .header("location", format!("{to}{}", req.uri().path()))
                    .body(axum::body::Body::empty())
                    .unwrap(),
                None => axum::response::Response::new(axum::body::Body::from("{}")),
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

/// An app that redirects to another host cannot carry the proxy token there: the redirect
/// is not followed (the call fails), and the other host sees no request.
#[tokio::test]
async fn an_apps_redirect_to_another_host_never_carries_the_token() {
    let (elsewhere, seen_elsewhere) = redirecting(None).await;
    let (app, seen_by_app) = redirecting(Some(elsewhere)).await;
    let hub = HubClient::with_endpoint("http://127.0.0.1:9").unwrap();
    let token = hub::Token::new("hf_space_token");
    let target = space_at(&app).space_app(Some(&token)).unwrap();
    assert!(hub.gradio(&target).await.is_err());
    assert!(hub.app_get(&target, "health").await.is_err());
    assert_eq!(seen_by_app.lock().unwrap().len(), 2);
    assert!(
        seen_elsewhere.lock().unwrap().is_empty(),
        "a redirect to another origin was followed"
    );
}
