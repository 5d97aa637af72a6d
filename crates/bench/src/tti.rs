//! Item 5, second half: time to interactive of a run page in headless Chromium, measured by
//! `end2end/bench/tti.mjs` (playwright-core) against the release server and site.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::report::Row;
use crate::server_process::Builds;

/// Runs the script and turns its JSON line into rows.
pub fn measure(root: &Path, builds: &Builds) -> Result<Vec<Row>, String> {
    let output = Command::new("node")
        .arg("bench/tti.mjs")
        .current_dir(root.join("end2end"))
        .env("SPACE_FACTORY_SERVER_BIN", &builds.server)
        .env("SPACE_FACTORY_WORKER_BIN", &builds.worker)
        .env("LEPTOS_SITE_ROOT", &builds.site_root)
        .output()
        .map_err(|e| format!("node: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "tti.mjs failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    let figures: Value = serde_json::from_str(line).map_err(|e| format!("{e}: {stdout}"))?;
    let ms = |key: &str| figures[key].as_f64().unwrap_or(f64::NAN);
    let note = format!(
        "median of {} loads of a finished phase 1 run's page, each in a fresh context (empty cache); release site",
        figures["samples"]
    );
    Ok(vec![
        Row::ours_only(
            "5",
            "run page: time to interactive, hydrated (ms)",
            ms("interactive_ms"),
            &note,
        ),
        Row::ours_only(
            "5",
            "run page: first contentful paint (ms)",
            ms("fcp_ms"),
            &note,
        ),
        Row::ours_only(
            "5",
            "run page: DOMContentLoaded (ms)",
            ms("dom_content_loaded_ms"),
            &note,
        ),
    ])
}
