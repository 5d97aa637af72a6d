//! Spaces that really run Gradio 6; a failing requirements.txt ends in BUILD_ERROR; a crash
//! in app.py ends in RUNTIME_ERROR; runtime, logs, secrets/variables, hardware.

use std::time::Duration;

const APP: &str = r#"import os
import gradio as gr

def upper(text):
    return text.upper() + os.environ.get("SUFFIX", "")

gr.Interface(fn=upper, inputs="text", outputs="text").launch()
"#;

#[tokio::test]
async fn gradio_space_reaches_running_and_answers_config() {
    let t = crate::kit::TestHub::builder().runs_gradio().start().await;
    let r = t.post_json("alice", "/api/repos/create", &serde_json::json!({"name": "demo", "type": "space", "sdk": "gradio", "visibility": "private", "hardware": "cpu-upgrade", "sleepTimeSeconds": 600, "variables": [{"key": "SUFFIX", "value": "!"}]})).await;
    assert_eq!(r.status(), 200);
    // Secrets endpoint.
    assert_eq!(
        t.post_json(
            "alice",
            "/api/spaces/alice/demo/secrets",
            &serde_json::json!({"key": "S", "value": "v"})
        )
        .await
        .status(),
        200
    );
    // Commit app.py: the Space builds and starts.
    let body = format!(
        "{}\n{}\n",
        serde_json::json!({"key": "header", "value": {"summary": "app"}}),
        serde_json::json!({"key": "file", "value": {"path": "app.py", "content": base64_encode(APP), "encoding": "base64"}})
    );
    assert_eq!(
        t.post("alice", "/api/spaces/alice/demo/commit/main")
            .body(body)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let rt = t
        .space_stage(
            "alice/demo",
            &["RUNNING", "RUNTIME_ERROR", "BUILD_ERROR"],
            240,
        )
        .await;
    assert_eq!(rt["stage"], "RUNNING", "{rt}");
    assert_eq!(rt["hardware"]["requested"], "cpu-upgrade");
    assert_eq!(rt["gcTimeout"], 600);
    let info: serde_json::Value = t.get_json("alice", "/api/spaces/alice/demo").await;
    let host = info["host"].as_str().unwrap().to_string();
    assert!(host.starts_with("http://127.0.0.1:"), "{host}");
    // A private Space: through its proxy, with the token as gradio_client sends it.
    let cfg: serde_json::Value = t
        .http
        .get(format!("{host}/config"))
        .header("x-hf-authorization", format!("Bearer {}", t.tok("alice")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        cfg["version"].as_str().unwrap().starts_with('6'),
        "{}",
        cfg["version"]
    );
    // The app sees the variable.
    let call: serde_json::Value = t
        .http
        .post(format!("{host}/gradio_api/call/upper"))
        .header("x-hf-authorization", format!("Bearer {}", t.tok("alice")))
        .json(&serde_json::json!({"data": ["hi"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ev = call["event_id"].as_str().unwrap();
    let out = tokio::time::timeout(Duration::from_secs(20), async {
        t.http
            .get(format!("{host}/gradio_api/call/upper/{ev}"))
            .header("x-hf-authorization", format!("Bearer {}", t.tok("alice")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    })
    .await
    .unwrap();
    assert!(out.contains("HI!"), "{out}");
    // Logs.
    let run = t.get_text("alice", "/api/spaces/alice/demo/logs/run").await;
    assert!(run.contains("Running on local URL"), "{run}");
    let build = t
        .get_text("alice", "/api/spaces/alice/demo/logs/build")
        .await;
    // As on the Hub: a keep-alive comment and a non-JSON `data:` before the JSON lines.
    assert!(
        build.starts_with(": keep-alive\n\ndata: keep-alive\n"),
        "{build}"
    );
    assert!(build.contains("\ndata: {\"data\":"), "{build}");
    // Hardware change.
    let r = t
        .post_json(
            "alice",
            "/api/spaces/alice/demo/hardware",
            &serde_json::json!({"flavor": "t4-small"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["hardware"]["requested"],
        "t4-small"
    );
    // bob cannot see it.
    assert_eq!(
        t.get("bob", "/api/spaces/alice/demo/runtime")
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let hw: serde_json::Value = t.get_json("alice", "/api/spaces/hardware").await;
    assert!(hw.as_array().unwrap().len() > 3);
}

#[tokio::test]
async fn failing_requirements_give_build_error() {
    let t = crate::kit::TestHub::builder().runs_gradio().start().await;
    t.create_and_commit(
        "alice",
        "space",
        "broken",
        false,
        &[
            ("app.py", APP),
            (
                "requirements.txt",
                "this-package-does-not-exist-localhub==0.0.1\n",
            ),
        ],
    )
    .await;
    let rt = t
        .space_stage(
            "alice/broken",
            &["BUILD_ERROR", "RUNNING", "RUNTIME_ERROR"],
            240,
        )
        .await;
    assert_eq!(rt["stage"], "BUILD_ERROR", "{rt}");
    let build = t
        .get_text("alice", "/api/spaces/alice/broken/logs/build")
        .await;
    assert!(
        build.contains("this-package-does-not-exist-localhub"),
        "{build}"
    );
}

#[tokio::test]
async fn crashing_app_gives_runtime_error() {
    let t = crate::kit::TestHub::builder().runs_gradio().start().await;
    t.create_and_commit(
        "alice",
        "space",
        "crash",
        false,
        &[("app.py", "raise SystemExit('boom at start')\n")],
    )
    .await;
    let rt = t
        .space_stage(
            "alice/crash",
            &["RUNTIME_ERROR", "RUNNING", "BUILD_ERROR"],
            120,
        )
        .await;
    assert_eq!(rt["stage"], "RUNTIME_ERROR", "{rt}");
    assert!(
        rt["errorMessage"]
            .as_str()
            .unwrap()
            .contains("boom at start"),
        "{rt}"
    );
}

#[tokio::test]
async fn an_app_served_by_uvicorn_runs_once_its_port_answers() {
    const FASTAPI_APP: &str = r#"import os
import gradio as gr
import uvicorn
from fastapi import FastAPI

demo = gr.Interface(fn=lambda t: t[::-1], inputs="text", outputs="text", api_name="rev")
app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok"}


app = gr.mount_gradio_app(app, demo, path="/")
uvicorn.run(app, host=os.environ["GRADIO_SERVER_NAME"], port=int(os.environ["GRADIO_SERVER_PORT"]))
"#;
    let t = crate::kit::TestHub::builder().runs_gradio().start().await;
    t.create_and_commit("alice", "space", "uv", true, &[("app.py", FASTAPI_APP)])
        .await;
    let rt = t
        .space_stage(
            "alice/uv",
            &["RUNNING", "RUNTIME_ERROR", "BUILD_ERROR"],
            300,
        )
        .await;
    assert_eq!(rt["stage"], "RUNNING", "{rt}");
    let info: serde_json::Value = t.get_json("alice", "/api/spaces/alice/uv").await;
    let host = info["host"].as_str().unwrap();
    let health: serde_json::Value = t
        .http
        .get(format!("{host}/health"))
        .header("x-hf-authorization", format!("Bearer {}", t.tok("alice")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health, serde_json::json!({"status": "ok"}));
}

fn base64_encode(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// As on the Hub, a new Space does not switch to BUILDING the moment its first commit
/// lands: it shows NO_APP_FILE for a while (here held for the whole test), then builds.
#[tokio::test]
async fn a_new_spaces_first_commit_shows_no_app_file_before_it_builds() {
    let t = crate::kit::TestHub::builder()
        .hub(|b| b.first_commit_lag(Duration::from_secs(600)))
        .start()
        .await;
    t.create_and_commit("alice", "space", "lagging", true, &[("app.py", APP)])
        .await;
    let rt = t
        .get_json("alice", "/api/spaces/alice/lagging/runtime")
        .await;
    assert_eq!(rt["stage"], "NO_APP_FILE", "{rt}");

    let t = crate::kit::TestHub::builder()
        .hub(|b| b.first_commit_lag(Duration::ZERO))
        .runs_gradio()
        .start()
        .await;
    t.create_and_commit("alice", "space", "at-once", true, &[("app.py", APP)])
        .await;
    let rt = t
        .get_json("alice", "/api/spaces/alice/at-once/runtime")
        .await;
    assert_ne!(rt["stage"], "NO_APP_FILE", "{rt}");
}
