//! ZeroGPU Spaces run only with a `@spaces.GPU` function, as on the Hub: the `spaces`
//! package is importable in every local Space, and a ZeroGPU app that decorates nothing fails
//! at start with RUNTIME_ERROR "No @spaces.GPU function detected".

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

async fn settled_stage(t: &crate::kit::TestHub, id: &str) -> serde_json::Value {
    t.space_stage(id, &["RUNNING", "RUNTIME_ERROR", "BUILD_ERROR"], 240)
        .await
}

async fn zero_gpu_space(t: &crate::kit::TestHub, name: &str, app: &str) -> serde_json::Value {
    let r = t
        .post_json("alice", "/api/repos/create", &serde_json::json!({"name": name, "type": "space", "sdk": "gradio", "hardware": "zero-a10g"}))
        .await;
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
    let t = crate::kit::TestHub::builder().runs_gradio().start().await;
    let ok = zero_gpu_space(&t, "with-gpu", WITH_GPU).await;
    assert_eq!(ok["stage"], "RUNNING", "{ok}");
    assert_eq!(ok["hardware"]["requested"], "zero-a10g");
    let bad = zero_gpu_space(&t, "without-gpu", WITHOUT_GPU).await;
    assert_eq!(bad["stage"], "RUNTIME_ERROR", "{bad}");
    assert_eq!(bad["errorMessage"], "No @spaces.GPU function detected");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cpu_space_imports_spaces_too_and_needs_no_gpu_function() {
    let t = crate::kit::TestHub::builder().runs_gradio().start().await;
    let r = t
        .post_json(
            "alice",
            "/api/repos/create",
            &serde_json::json!({"name": "cpu", "type": "space", "sdk": "gradio"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    t.commit_files("alice", "space", "cpu", &[("app.py", WITHOUT_GPU)])
        .await;
    let v = settled_stage(&t, "alice/cpu").await;
    assert_eq!(v["stage"], "RUNNING", "{v}");
}
