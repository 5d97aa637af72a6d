//! `hub`'s Gradio client against real Gradio 6.x, 5.x and 4.x apps: text, number,
//! multi-output and file endpoints, `gr.Error` (text via `/run` on 4/5, via `/call` on 6).

use crate::kit::gradio_app::{launch, APP};
use hub::gradio::FileData;
use hub::{HubClient, HubError};
use localhub::python_env::{VenvRecipe, GRADIO_4_VENV, GRADIO_5_VENV, GRADIO_6_VENV};
use serde_json::json;

async fn exercise(venv: VenvRecipe, major: u32) {
    let app = launch(venv, APP).await;
    let hub = HubClient::with_endpoint("http://127.0.0.1:9").unwrap();
    let g = hub.gradio(&app.url, None).await.unwrap();
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

/// A private Space: the Bearer header must be on every request to the app's host
/// (config, info, call, the SSE read, file download).
#[tokio::test]
async fn private_app_gets_the_bearer_header_on_every_request() {
    let app = launch(GRADIO_6_VENV, APP).await;
    let (proxy, stats) = crate::kit::auth_proxy::start(app.url.clone(), "hf_space_token").await;
    let hub = HubClient::with_endpoint("http://127.0.0.1:9").unwrap();

    match hub.gradio(&proxy, None).await {
        Err(HubError::Unauthorized { message, .. }) => {
            assert!(message.contains("Invalid credentials"))
        }
        other => panic!("expected 401 without a token, got {other:?}"),
    }
    let wrong = hub::Token::new("hf_wrong");
    assert!(matches!(
        hub.gradio(&proxy, Some(&wrong)).await,
        Err(HubError::Unauthorized { .. })
    ));
    let refused_before = stats.refused.load(std::sync::atomic::Ordering::SeqCst);

    let token = hub::Token::new("hf_space_token");
    let g = hub.gradio(&proxy, Some(&token)).await.unwrap();
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
    // config, info, 2× (call POST + SSE GET), run, download.
    assert!(
        stats.forwarded.load(SeqCst) >= 8,
        "{}",
        stats.forwarded.load(SeqCst)
    );
}
