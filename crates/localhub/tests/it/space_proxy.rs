//! The Spaces proxy in front of every Space's app: a private Space answers only a token
//! that may read it, `X-HF-Authorization` never reaches the app, `Authorization` does (as
//! on huggingface.co), and a Space whose app is down answers 503.

use serde_json::Value;

/// An app that answers every GET with the headers it received, as JSON.
const HEADERS_APP: &str = r#"import json, os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Echo(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({k.lower(): v for k, v in self.headers.items()}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

ThreadingHTTPServer(("127.0.0.1", int(os.environ["GRADIO_SERVER_PORT"])), Echo).serve_forever()
"#;

/// Starts alice's Space `name` with [`HEADERS_APP`] and waits for it; its host.
async fn headers_space(t: &crate::kit::TestHub, name: &str, private: bool) -> String {
    t.create_and_commit("alice", "space", name, private, &[("app.py", HEADERS_APP)])
        .await;
    let id = format!("alice/{name}");
    let rt = t
        .space_stage(&id, &["RUNNING", "RUNTIME_ERROR", "BUILD_ERROR"], 240)
        .await;
    assert_eq!(rt["stage"], "RUNNING", "{rt}");
    let info = t.get_json("alice", &format!("/api/spaces/{id}")).await;
    info["host"]
        .as_str()
        .expect("a Space has a host")
        .to_owned()
}

#[tokio::test]
async fn a_private_space_answers_only_a_token_that_may_read_it_and_its_app_never_sees_the_proxys_header(
) {
    let t = crate::kit::TestHub::builder().runs_gradio().start().await;
    let host = headers_space(&t, "echo", true).await;
    let alice = t.tok("alice");

    // No token, or a token of someone who may not read the Space: 404, as for a Space
    // that does not exist.
    let anonymous = t.http.get(format!("{host}/")).send().await.unwrap();
    assert_eq!(anonymous.status(), 404);
    let bob = t
        .http
        .get(format!("{host}/"))
        .header("x-hf-authorization", format!("Bearer {}", t.tok("bob")))
        .send()
        .await
        .unwrap();
    assert_eq!(bob.status(), 404);
    let forged = t
        .http
        .get(format!("{host}/"))
        .header("x-hf-authorization", "Bearer hf_not_a_token_of_anyone")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 404);

    // alice's token in X-HF-Authorization: admitted, and the app never sees it.
    let seen: Value = crate::kit::json_of(
        t.http
            .get(format!("{host}/"))
            .header("x-hf-authorization", format!("Bearer {alice}")),
    )
    .await;
    assert!(seen.get("x-hf-authorization").is_none(), "{seen}");
    assert!(!seen.to_string().contains(&alice), "{seen}");
    assert!(seen.get("x-forwarded-host").is_some(), "{seen}");

    // The same token as Authorization is admitted too, and passed to the app's code: the
    // reason a client must never send a user's token that way.
    let seen: Value = crate::kit::json_of(t.http.get(format!("{host}/")).bearer_auth(&alice)).await;
    assert_eq!(seen["authorization"], format!("Bearer {alice}"), "{seen}");
}

#[tokio::test]
async fn a_public_space_answers_anyone_and_a_paused_one_answers_503() {
    let t = crate::kit::TestHub::builder().runs_gradio().start().await;
    let host = headers_space(&t, "open", false).await;
    let seen: Value = crate::kit::json_of(t.http.get(format!("{host}/"))).await;
    assert!(seen.get("authorization").is_none(), "{seen}");

    let paused = t
        .post("alice", "/api/spaces/alice/open/pause")
        .send()
        .await
        .unwrap();
    assert_eq!(paused.status(), 200);
    let info = t.get_json("alice", "/api/spaces/alice/open").await;
    assert_eq!(info["host"], host.as_str(), "a Space keeps its host");
    let down = t.http.get(format!("{host}/")).send().await.unwrap();
    assert_eq!(down.status(), 503);
}

#[tokio::test]
async fn a_deleted_spaces_host_stops_answering() {
    let t = crate::kit::TestHub::builder().runs_gradio().start().await;
    let host = headers_space(&t, "gone", false).await;
    let deleted = t
        .http
        .delete(t.url("/api/repos/delete"))
        .bearer_auth(t.tok("alice"))
        .json(&serde_json::json!({"name": "gone", "type": "space"}))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 200);
    // The listener is closed: the connection is refused (bounded retries: the abort is
    // asynchronous).
    let mut refused = false;
    for _ in 0..50 {
        let fresh = crate::kit::http_client();
        if fresh.get(format!("{host}/")).send().await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(refused, "{host} still answers after the Space was deleted");
}
