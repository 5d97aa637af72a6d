//! The validate phase's failures, through Jobs: a Space that is not running, and an app
//! URL outside the Hub, which must never receive the user's token.

use crate::kit::files::assert_not_in_files;
use crate::kit::stand::{step_names, Stand};
use crate::kit::RUN_ID as RUN;
use runs::{RunStatus, StepStatus};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// A plain HTTP server that answers 404 to everything and keeps every request's head.
fn recording_server() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let keep = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut buf = vec![0u8; 16 * 1024];
            let n = stream.read(&mut buf).unwrap_or(0);
            keep.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&buf[..n]).into_owned());
            let _ = stream.write_all(
                b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            );
        }
    });
    (url, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validating_a_space_that_is_not_running_fails_at_resolve() {
    let stand = Stand::start().await;
    let idle = stand.take_space_name("idle").await;
    let spec = stand.spec(
        RUN,
        "validate",
        serde_json::json!({ "validate_space": idle.to_string() }),
    );
    let job = stand.launch(RUN, "validate", &spec, &[]).await;
    let job = stand.wait_job(&job.id).await;
    assert_eq!(job.status.stage, "ERROR");

    let state = stand.state(RUN);
    assert_eq!(state.status, RunStatus::Failed);
    assert_eq!(step_names(&state), ["hub_access", "resolve_space"]);
    assert_eq!(state.steps[1].status, StepStatus::Failed);
    let error = state.error.unwrap();
    assert!(
        error.contains("NO_APP_FILE") && error.contains("not RUNNING"),
        "{error}"
    );
    assert!(stand.report(RUN).contains("| resolve_space | failed |"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_url_outside_the_hub_never_receives_the_token() {
    let stand = Stand::start().await;
    let (url, seen) = recording_server();
    let spec = stand.spec(RUN, "validate", serde_json::json!({ "validate_url": url }));
    let job = stand.launch(RUN, "validate", &spec, &[]).await;
    let job = stand.wait_job(&job.id).await;
    assert_eq!(job.status.stage, "ERROR");
    let state = stand.state(RUN);
    assert_eq!(state.status, RunStatus::Failed);
    assert_eq!(state.steps.last().unwrap().name, "api_schema");
    assert!(state
        .error
        .unwrap()
        .contains("does not answer as a Gradio app"));
    assert_eq!(state.links.space_url.as_deref(), Some(url.as_str()));

    // The same through `worker validate --url`, with the token in its environment.
    let token = stand.token.expose().to_owned();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_worker"))
        .args(["validate", "--url", &url])
        .env("HF_ENDPOINT", stand.hub.url())
        .env(runs::job::TOKEN_SECRET, &token)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let verdict: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(verdict["verdict"], "failed");
    assert_eq!(verdict["call_made"], false);

    let requests = seen.lock().unwrap().clone();
    assert!(
        requests.len() >= 2,
        "both validations reached the app: {requests:?}"
    );
    for request in &requests {
        let lower = request.to_ascii_lowercase();
        assert!(!lower.contains("authorization:"), "{request}");
        assert!(!request.contains(&token), "{request}");
    }
    assert_not_in_files(&stand.bucket_dir(), &token);
}
