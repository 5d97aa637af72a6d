//! What the tests use but never build or install themselves: set-up prepares it
//! (`source scripts/setup.sh` installs Pi in `tools/pi`; `scripts/test.sh` prepares the
//! test venvs), and a test that finds it missing fails saying which step to run.

use std::path::{Path, PathBuf};
use worker::agent::{PiBinary, PiInstall};

/// The npm prefix holding the pinned Pi (the repository's `tools/pi`).
pub fn pi_prefix() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/pi")
}

/// The pinned Pi in [`pi_prefix`].
pub fn pi() -> PiBinary {
    let install = PiInstall::pinned(pi_prefix());
    install.find().unwrap_or_else(|| {
        panic!(
            "the pinned Pi is not installed at {}: `source scripts/setup.sh` installs it \
             (npm ci in tools/pi)",
            install.binary_path().display()
        )
    })
}

/// The replay script of a scenario, `tests/replays/<name>.json`.
pub fn replay(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/replays")
        .join(format!("{name}.json"))
}

/// The venv holding the official `hf` CLI ([`runs::job::HF_CLI_PACKAGE`]), prepared before
/// the tests run.
pub async fn hf_client_venv() -> localhub::python_env::PythonEnv {
    const NAME: &str = "hf-client";
    let requirements = [runs::job::HF_CLI_PACKAGE];
    assert!(
        localhub::python_env::is_prepared(NAME, &requirements),
        "the `{NAME}` venv with {requirements:?} is not prepared: scripts/test.sh prepares it \
         (localhub::python_env::ensure_venv(\"{NAME}\", ...)) before the tests run"
    );
    // Prepared, so this only names it: localhub has no lookup that returns the venv
    // without the power to install it.
    tokio::task::spawn_blocking(move || localhub::python_env::ensure_venv(NAME, &requirements))
        .await
        .unwrap()
        .expect("the prepared hf CLI venv")
}
