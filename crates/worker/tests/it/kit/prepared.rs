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

/// The venv holding the official `hf` CLI ([`runs::job::HF_CLI_PACKAGE`]), prepared by
/// set-up before the tests run (never installed here).
pub fn hf_client_venv() -> localhub::python_env::PythonEnv {
    localhub::python_env::HF_CLIENT_VENV
        .prepared()
        .unwrap_or_else(|missing| panic!("{missing}"))
}
