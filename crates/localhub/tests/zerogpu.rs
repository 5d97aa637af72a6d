//! ZeroGPU Spaces run only with a `@spaces.GPU` function, as on the Hub: the `spaces`
//! package is importable in every local Space, and a ZeroGPU app that decorates nothing fails
//! at start with RUNTIME_ERROR "No @spaces.GPU function detected".
mod common;

use std::time::Duration;

const WITH_GPU: &str = r#"import gradio as gr
import spaces

@spaces.GPU(duration=60)
def upper(text):
    return text.upper()

gr.Interface(fn=upper, inputs="text", outputs="text").launch()
"#;

const WITHOUT_GPU: &str = r#"import gradio as gr
import spaces

def upper(text):
    return text.upper()

gr.Interface(fn=upper, inputs="text", outputs="text").launch()
"#;

async fn settled_stage(t: &common::TestHub, id: &str) -> serde_json::Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(240);
    loop {
        let v: serde_json::Value = t
            .get("alice", &format!("/api/spaces/{id}/runtime"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if ["RUNNING", "RUNTIME_ERROR", "BUILD_ERROR"].contains(&v["stage"].as_str().unwrap_or(""))
        {
            return v;
        }
        assert!(std::time::Instant::now() < deadline, "never settled: {v}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

async fn zero_gpu_space(t: &common::TestHub, name: &str, app: &str) -> serde_json::Value {
    let r = t
        .post("alice", "/api/repos/create")
        .json(&serde_json::json!({"name": name, "type": "space", "sdk": "gradio", "hardware": "zero-a10g"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    t.commit_files(
        "alice",
        "space",
        name,
        &[("app.py", app), ("requirements.txt", "spaces\n")],
    )
    .await;
    settled_stage(t, &format!("alice/{name}")).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zero_gpu_app_with_a_gpu_function_runs_and_one_without_fails_at_start() {
    let t = common::TestHub::start().await;
    let ok = zero_gpu_space(&t, "with-gpu", WITH_GPU).await;
    assert_eq!(ok["stage"], "RUNNING", "{ok}");
    assert_eq!(ok["hardware"]["requested"], "zero-a10g");
    let bad = zero_gpu_space(&t, "without-gpu", WITHOUT_GPU).await;
    assert_eq!(bad["stage"], "RUNTIME_ERROR", "{bad}");
    assert_eq!(bad["errorMessage"], "No @spaces.GPU function detected");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cpu_space_imports_spaces_too_and_needs_no_gpu_function() {
    let t = common::TestHub::start().await;
    let r = t
        .post("alice", "/api/repos/create")
        .json(&serde_json::json!({"name": "cpu", "type": "space", "sdk": "gradio"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    t.commit_files("alice", "space", "cpu", &[("app.py", WITHOUT_GPU)])
        .await;
    let v = settled_stage(&t, "alice/cpu").await;
    assert_eq!(v["stage"], "RUNNING", "{v}");
}
