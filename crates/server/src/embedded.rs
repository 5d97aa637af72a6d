//! The embedded local hub, in a build with the (default-on) `embedded-hub` feature: started
//! in-process when no `HF_ENDPOINT` is configured, with the `worker` binary registered as
//! the run Job image, in the environment the real image gives it (Pi, the `hf` CLI), so a
//! launched run really runs; its router serves the built-in demo agent, or forwards to
//! `--chat-upstream`.

use crate::config::Config;
use std::path::{Path, PathBuf};

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

/// The npm prefix standing in for the image's `/opt/pi`: `--pi-prefix`, else the
/// repository's `tools/pi`.
pub fn pi_prefix(config: &Config) -> PathBuf {
    config
        .pi_prefix
        .clone()
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/pi"))
}

/// The embedded hub's stand-in for the Job image, part for part: the worker's folder and
/// the `hf` CLI's first on `PATH` (the image's `/usr/local/bin` and
/// [`runs::job::IMAGE_HF_CLI_BIN`]), and Pi's prefix for [`runs::job::IMAGE_PI_PREFIX`]. The
/// `hf` CLI's virtual environment is prepared here, once (later starts find it ready), so no
/// Job installs anything when it starts.
pub async fn local_image(config: &Config, worker: &Path) -> (Vec<PathBuf>, Vec<(String, String)>) {
    let mut path_first: Vec<PathBuf> = worker.parent().map(Path::to_path_buf).into_iter().collect();
    let hf_cli = tokio::task::spawn_blocking(|| {
        localhub::python_env::ensure_venv("hf-client", &[runs::job::HF_CLI_PACKAGE])
    })
    .await;
    match hf_cli {
        Ok(Ok(venv)) => path_first.push(venv.bin_dir()),
        Ok(Err(err)) => {
            tracing::warn!(%err, "no `hf` CLI for local Jobs: the Pi recipe (phase 4) will fail")
        }
        Err(err) => {
            tracing::warn!(%err, "no `hf` CLI for local Jobs: the Pi recipe (phase 4) will fail")
        }
    }
    let pi = pi_prefix(config);
    if !pi.join("node_modules/.bin/pi").exists() {
        tracing::warn!(prefix = %pi.display(), "no Pi installed there (scripts/setup.sh installs it): the agent recipes will fail");
    }
    let pi = pi.canonicalize().unwrap_or(pi);
    let vars = vec![(
        runs::job::PI_PREFIX_ENV.to_owned(),
        pi.to_string_lossy().into_owned(),
    )];
    (path_first, vars)
}

/// Where the embedded hub's router sends agent models other than its demo agent.
fn chat_backend(config: &Config) -> localhub::inference::ChatBackend {
    match &config.chat_upstream {
        Some(url) if !url.trim().is_empty() => localhub::inference::ChatBackend::Upstream {
            base_url: url.trim().trim_end_matches('/').to_owned(),
            api_key: config
                .chat_upstream_key
                .as_ref()
                .map(|key| localhub::SecretToken::new(key.0.clone())),
        },
        _ => localhub::inference::ChatBackend::None,
    }
}

/// What the wizards suggest with the embedded hub at `hub_url`: its demo agent and models.
pub fn suggestions(config: &Config, hub_url: &str) -> app::api::Suggestions {
    let demo_models: Vec<(&str, &str)> = localhub::demo_models::ALL
        .iter()
        .map(|m| (m.id, m.description))
        .collect();
    crate::suggestions::embedded(hub_url, &demo_models, config.chat_upstream.is_some())
}

/// Starts `localhub` on a free loopback port with its default users (alice, bob, carol).
pub async fn start(config: &Config) -> Result<localhub::RunningHub, EmbeddedError> {
    let data = config.localhub_data.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("space-factory-localhub-{}", std::process::id()))
    });
    let mut builder = localhub::LocalHub::builder()
        .data_dir(&data)
        .chat(chat_backend(config));
    match worker_binary(config) {
        Some(worker) => {
            tracing::info!(worker = %worker.display(), image = %config.job_image, "run Jobs use the local worker");
            let (path_first, vars) = local_image(config, &worker).await;
            builder = builder.job_image_env(config.job_image.clone(), path_first, vars);
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use localhub::inference::ChatBackend;

    #[test]
    fn the_chat_upstream_setting_points_the_router_at_it_with_its_key() {
        let none = Config::try_parse_from(["space-factory"]).unwrap();
        assert!(matches!(chat_backend(&none), ChatBackend::None));
        let set = Config::try_parse_from([
            "space-factory",
            "--chat-upstream",
            " http://127.0.0.1:8080/v1/ ",
            "--chat-upstream-key",
            "sk-local",
        ])
        .unwrap();
        match chat_backend(&set) {
            ChatBackend::Upstream { base_url, api_key } => {
                assert_eq!(base_url, "http://127.0.0.1:8080/v1");
                assert_eq!(api_key.unwrap().expose(), "sk-local");
            }
            other => panic!("{other:?}"),
        }
    }
}
