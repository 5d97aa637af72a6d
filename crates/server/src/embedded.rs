//! The embedded local hub: started in-process when no `HF_ENDPOINT` is configured, with the
//! `worker` binary registered as the run Job image so a launched run really runs.

use crate::config::Config;
use std::path::PathBuf;

/// Why the embedded hub did not start.
#[derive(Debug, thiserror::Error)]
#[error("cannot start the embedded local hub: {message} (data folder {data})")]
pub struct EmbeddedError {
    message: String,
    data: String,
}

/// The `worker` binary to run as the Job image: `--worker-bin`, else `worker` next to the
/// running executable (where cargo puts both).
pub fn worker_binary(config: &Config) -> Option<PathBuf> {
    if let Some(path) = &config.worker_bin {
        return Some(path.clone());
    }
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?;
    // Test binaries live one folder deeper, in `target/<profile>/deps`.
    [dir.join("worker"), dir.parent()?.join("worker")]
        .into_iter()
        .find(|p| p.is_file())
}

/// Starts `localhub` on a free loopback port with the users alice and bob.
pub async fn start(config: &Config) -> Result<localhub::RunningHub, EmbeddedError> {
    let data = config.localhub_data.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("space-factory-localhub-{}", std::process::id()))
    });
    let mut builder = localhub::LocalHub::builder().data_dir(&data);
    match worker_binary(config) {
        Some(worker) => {
            tracing::info!(worker = %worker.display(), image = %config.job_image, "run Jobs use the local worker");
            builder = builder.job_image_with_program(config.job_image.clone(), &worker);
        }
        None => tracing::warn!(
            "no `worker` binary next to the server (build it with `cargo build -p worker`, or \
             set SPACE_FACTORY_WORKER_BIN): launched runs will fail to start"
        ),
    }
    builder.start().await.map_err(|err| EmbeddedError {
        message: err.to_string(),
        data: data.display().to_string(),
    })
}
