//! Item 2, validation: one live call to a running local Gradio app, N times, through
//! `hub`'s Gradio client vs Python's `gradio_client` — each from a fresh process, so the
//! wall time includes start-up (imports, connecting) as a validation step pays it.

use std::process::Command;
use std::time::Instant;

use serde_json::{json, Value};

use crate::report::Row;

// The same real Gradio app the hub tests call, started from the cached venv.
#[allow(dead_code)]
#[path = "../../hub/tests/it/kit/gradio_app.rs"]
mod gradio_app;

/// The Python side: connect, N calls, report timings and peak RSS (KiB on Linux).
const PYTHON_CLIENT: &str = r#"
import json, resource, sys, time
t0 = time.perf_counter()
from gradio_client import Client
client = Client(sys.argv[1], verbose=False)
t1 = time.perf_counter()
for _ in range(int(sys.argv[2])):
    out = client.predict("hello", api_name="/upper")
    assert out == "HELLO", out
t2 = time.perf_counter()
print(json.dumps({"connect_ms": (t1 - t0) * 1e3, "calls_ms": (t2 - t1) * 1e3,
                  "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"#;

/// The Rust side (`bench gradio-client URL N`): the same, through `hub`.
pub async fn client_child(url: &str, n: usize) -> Result<(), String> {
    let t0 = Instant::now();
    let hub = hub::HubClient::with_endpoint("http://127.0.0.1:9").map_err(|e| e.to_string())?;
    let target = hub::apps::AppTarget::anonymous(url).map_err(|e| e.to_string())?;
    let app = hub.gradio(&target).await.map_err(|e| e.to_string())?;
    let t1 = Instant::now();
    for _ in 0..n {
        let out = app
            .predict("/upper", vec![json!("hello")])
            .await
            .map_err(|e| e.to_string())?;
        if out.first() != Some(&json!("HELLO")) {
            return Err(format!("unexpected answer {out:?}"));
        }
    }
    let t2 = Instant::now();
    println!(
        "{}",
        json!({
            "connect_ms": (t1 - t0).as_secs_f64() * 1e3,
            "calls_ms": (t2 - t1).as_secs_f64() * 1e3,
            "peak_rss_kib": crate::rss::peak_rss_kib(),
        })
    );
    Ok(())
}

/// Runs one child, returning its report and its wall time in ms.
fn timed(mut command: Command) -> Result<(Value, f64), String> {
    let start = Instant::now();
    let out = command.output().map_err(|e| e.to_string())?;
    let wall = start.elapsed().as_secs_f64() * 1e3;
    if !out.status.success() {
        return Err(format!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let report = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("{e}: {}", String::from_utf8_lossy(&out.stdout)))?;
    Ok((report, wall))
}

/// Starts the Gradio 6 app, then measures both clients.
pub async fn measure(n: usize) -> Result<Vec<Row>, String> {
    let venv = localhub::python_env::GRADIO_6_VENV
        .ensure()
        .map_err(|e| e.to_string())?;
    let app = gradio_app::launch(localhub::python_env::GRADIO_6_VENV, gradio_app::APP).await;
    let url = app.url.clone();
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let n_text = n.to_string();
    let (ours, reference) = tokio::task::spawn_blocking(move || {
        let rust = || {
            let mut c = Command::new(&exe);
            c.args(["gradio-client", &url, &n_text]);
            c
        };
        let python = || {
            let mut c = Command::new(venv.python());
            c.args(["-c", PYTHON_CLIENT, &url, &n_text])
                .env("HF_HUB_OFFLINE", "1")
                .env("GRADIO_ANALYTICS_ENABLED", "False");
            c
        };
        // One warm-up each (page cache, Gradio's first request), then the measured run.
        timed(rust())?;
        timed(python())?;
        Ok::<_, String>((timed(rust())?, timed(python())?))
    })
    .await
    .map_err(|e| e.to_string())??;
    let ((o, o_wall), (r, r_wall)) = (ours, reference);
    let f = |v: &Value, k: &str| v[k].as_f64().unwrap_or(f64::NAN);
    Ok(vec![
        Row::ms(
            "2",
            &format!("Gradio: process wall time, connect + {n} calls"),
            o_wall,
            r_wall,
        ),
        Row::ms(
            "2",
            "Gradio: connect (client set-up, /config)",
            f(&o, "connect_ms"),
            f(&r, "connect_ms"),
        ),
        Row::ms(
            "2",
            "Gradio: one call, mean",
            f(&o, "calls_ms") / n as f64,
            f(&r, "calls_ms") / n as f64,
        ),
        Row::kib(
            "2",
            "Gradio: client process peak RSS",
            f(&o, "peak_rss_kib"),
            f(&r, "peak_rss_kib"),
        ),
    ])
}
