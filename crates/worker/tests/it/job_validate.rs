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

/// A Gradio app (ZeroGPU-correct, so a free account may host it) that appends the headers
/// of every request it receives to the file named by its `HEADERS_LOG` variable.
const HEADER_RECORDING_APP: &str = r#"import json, os
import gradio as gr
import spaces
import uvicorn
from fastapi import FastAPI, Request

LOG = os.environ["HEADERS_LOG"]
app = FastAPI()


@app.middleware("http")
async def record(request: Request, call_next):
    with open(LOG, "a") as f:
        f.write(json.dumps({k.lower(): v for k, v in request.headers.items()}) + "\n")
    return await call_next(request)


@spaces.GPU
def upper(text):
    return text.upper()


demo = gr.Interface(fn=upper, inputs="text", outputs="text", api_name="upper")
app = gr.mount_gradio_app(app, demo, path="/")
uvicorn.run(app, host=os.environ["GRADIO_SERVER_NAME"], port=int(os.environ["GRADIO_SERVER_PORT"]))
"#;

/// Starts `owner`'s Space `name` on ZeroGPU with [`HEADER_RECORDING_APP`], recording into
/// `log`; waits until it runs.
async fn header_recording_space(
    stand: &Stand,
    owner: &str,
    name: &str,
    public: bool,
    log: &std::path::Path,
) -> hub::RepoId {
    use hub::repos::{CreateRepo, KeyValue, RepoType};
    let token = hub::Token::new(stand.hub.token_for(owner).unwrap());
    let id: hub::RepoId = format!("{owner}/{name}").parse().unwrap();
    let mut create = CreateRepo::gradio_space(id.clone());
    create.public = public;
    create.hardware = Some("zero-a10g".into());
    create.variables = vec![KeyValue::new("HEADERS_LOG", log.to_string_lossy())];
    stand.client.create_repo(&create, &token).await.unwrap();
    let files = [hub::commit::CommitFile::new(
        "app.py",
        HEADER_RECORDING_APP.as_bytes().to_vec(),
    )];
    stand
        .client
        .upload_files(RepoType::Space, &id, "main", "app", &files, &token)
        .await
        .unwrap();
    let runtime = stand
        .client
        .wait_for_space(
            &id,
            std::time::Duration::from_millis(300),
            crate::kit::stand::JOB_TIMEOUT,
            &token,
        )
        .await
        .unwrap();
    assert!(runtime.is_running(), "{runtime:?}");
    id
}

/// Every request the app recorded, as header maps; asserts it saw some.
fn recorded_headers(log: &std::path::Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let requests: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!requests.is_empty(), "the app recorded no request");
    requests
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_users_own_private_space_is_validated_and_its_app_never_sees_the_token() {
    let _gradio = crate::kit::limit::slot().await;
    let stand = Stand::start().await;
    let log = stand.dir.path().join("own-headers.jsonl");
    let id = header_recording_space(&stand, "alice", "own-app", false, &log).await;
    let spec = stand.spec(
        RUN,
        "validate",
        serde_json::json!({ "validate_space": id.to_string(), "api_name": "/upper", "inputs": ["hi"] }),
    );
    let job = stand.launch(RUN, "validate", &spec, &[]).await;
    let job = stand.wait_job(&job.id).await;
    let state = stand.state(RUN);
    assert_eq!(state.status, RunStatus::Succeeded, "{state:?} {job:?}");
    assert!(
        !state
            .verdict
            .as_deref()
            .unwrap()
            .contains("without credentials"),
        "{:?}",
        state.verdict
    );

    let token = stand.token.expose().to_owned();
    for headers in recorded_headers(&log) {
        assert!(headers.get("authorization").is_none(), "{headers}");
        assert!(headers.get("x-hf-authorization").is_none(), "{headers}");
        assert!(!headers.to_string().contains(&token), "{headers}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_users_public_space_is_validated_without_credentials_and_says_so() {
    let _gradio = crate::kit::limit::slot().await;
    let stand = Stand::start().await;
    let log = stand.dir.path().join("stranger-headers.jsonl");
    let id = header_recording_space(&stand, "bob", "open-app", true, &log).await;
    let spec = stand.spec(
        RUN,
        "validate",
        serde_json::json!({ "validate_space": id.to_string(), "api_name": "/upper", "inputs": ["hi"] }),
    );
    let job = stand.launch(RUN, "validate", &spec, &[]).await;
    stand.wait_job(&job.id).await;
    let state = stand.state(RUN);
    assert_eq!(state.status, RunStatus::Succeeded, "{state:?}");
    let verdict = state.verdict.unwrap();
    assert!(
        verdict.contains("without credentials") && verdict.contains("bob/open-app"),
        "{verdict}"
    );

    // The same through `worker validate --space`.
    let token = stand.token.expose().to_owned();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_worker"))
        .args([
            "validate",
            "--space",
            &id.to_string(),
            "--api",
            "/upper",
            "--inputs",
            "[\"cli\"]",
        ])
        .env("HF_ENDPOINT", stand.hub.url())
        .env(runs::job::TOKEN_SECRET, &token)
        .output()
        .unwrap();
    let cli: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(cli["verdict"], "passed", "{cli}");

    for headers in recorded_headers(&log) {
        assert!(headers.get("authorization").is_none(), "{headers}");
        assert!(!headers.to_string().contains(&token), "{headers}");
    }
    assert_not_in_files(&stand.bucket_dir(), &token);
}
