//! Python virtual environments that local Spaces and tests run in, prepared once and cached.
//!
//! A Space on the Hub runs its `app.py` with Gradio installed; locally we need the same, so
//! `localhub` keeps one venv per requirement set under the cache folder and reuses it. The
//! first preparation installs from PyPI (a minute or two); later calls return at once.
//! Concurrent callers (parallel tests, several processes) are serialized by a file lock.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Gradio 6: what a new Space gets by default.
pub const GRADIO_6: &[&str] = &["gradio==6.31.0"];
/// Gradio 5, the previous major line, still common on the Hub.
pub const GRADIO_5: &[&str] = &["gradio==5.50.0"];
/// Gradio 4.44.1, which only works with these pins.
pub const GRADIO_4: &[&str] = &[
    "gradio==4.44.1",
    "huggingface_hub==0.36.2",
    "fastapi==0.112.2",
    "pydantic==2.10.6",
];

/// A named venv and exactly what is installed in it: the unit `localhub prepare-venvs`
/// creates and tests look up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VenvRecipe {
    /// The folder name under the cache's `venvs/`.
    pub name: &'static str,
    /// The pip requirement lines.
    pub requirements: &'static [&'static str],
}

/// Gradio 4 for the `hub` Gradio client tests.
pub const GRADIO_4_VENV: VenvRecipe = VenvRecipe {
    name: "gradio-4",
    requirements: GRADIO_4,
};
/// Gradio 5 for the `hub` Gradio client tests.
pub const GRADIO_5_VENV: VenvRecipe = VenvRecipe {
    name: "gradio-5",
    requirements: GRADIO_5,
};
/// Gradio 6 for the `hub` Gradio client tests and the bench.
pub const GRADIO_6_VENV: VenvRecipe = VenvRecipe {
    name: "gradio-6",
    requirements: GRADIO_6,
};
/// The official Python client `huggingface_hub`, as Jobs and the tests run it.
pub const HF_CLIENT_VENV: VenvRecipe = VenvRecipe {
    name: "hf-client",
    requirements: &[runs::job::HF_CLI_PACKAGE],
};

/// Every venv the test suites look up with [`VenvRecipe::prepared`]; set-up
/// (`scripts/test.sh` through `localhub prepare-venvs`) creates them before `cargo test`.
pub const TEST_VENVS: &[VenvRecipe] =
    &[GRADIO_4_VENV, GRADIO_5_VENV, GRADIO_6_VENV, HF_CLIENT_VENV];

/// The set-up step that prepares [`TEST_VENVS`], named in [`NotPrepared`]'s message.
pub const PREPARE_STEP: &str = "scripts/test.sh (or `cargo run -p localhub -- prepare-venvs`)";

impl VenvRecipe {
    /// The venv, created the first time (installs from PyPI). Blocking.
    pub fn ensure(&self) -> Result<PythonEnv, PythonEnvError> {
        ensure_venv(self.name, self.requirements)
    }

    /// The venv if set-up already prepared it; never installs anything.
    pub fn prepared(&self) -> Result<PythonEnv, NotPrepared> {
        let env = PythonEnv {
            dir: venvs_root().join(self.name),
        };
        if is_prepared(self.name, self.requirements) {
            Ok(env)
        } else {
            Err(NotPrepared {
                venv: env.dir,
                requirements: self.requirements.join(" "),
            })
        }
    }
}

/// A venv a test needs was not prepared by set-up.
#[derive(Debug, thiserror::Error)]
#[error("the Python venv {venv} ({requirements}) is not prepared: run {PREPARE_STEP} first")]
pub struct NotPrepared {
    /// Where the venv should be.
    pub venv: PathBuf,
    /// What it should hold.
    pub requirements: String,
}

/// Creates every venv in [`TEST_VENVS`] that is missing, all at once (each install mostly
/// waits on PyPI and the disk, so one after another would take their sum); seconds when
/// all are present. Blocking.
pub fn prepare_test_venvs() -> Result<Vec<PythonEnv>, PythonEnvError> {
    std::thread::scope(|scope| {
        let installs: Vec<_> = TEST_VENVS
            .iter()
            .map(|recipe| scope.spawn(|| recipe.ensure()))
            .collect();
        installs
            .into_iter()
            .map(|install| {
                install
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// A prepared virtual environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PythonEnv {
    dir: PathBuf,
}

/// Why a venv could not be prepared; carries the installer's own output.
#[derive(Debug, thiserror::Error)]
pub enum PythonEnvError {
    /// A file operation in the cache folder failed.
    #[error("python env {path}: {source}")]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// `python -m venv` or `pip install` failed.
    #[error("`{command}` failed:\n{output}")]
    Command {
        /// The command, for the message.
        command: String,
        /// Its stdout and stderr.
        output: String,
    },
}

impl PythonEnv {
    /// The venv's root folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The venv's `python` executable.
    pub fn python(&self) -> PathBuf {
        self.dir.join("bin").join("python")
    }

    /// The venv's `bin/` folder, to put first on a child's `PATH`.
    pub fn bin_dir(&self) -> PathBuf {
        self.dir.join("bin")
    }
}

/// The folder that holds the factory's caches: `SPACE_FACTORY_CACHE`, else
/// `$XDG_CACHE_HOME/space-factory`, else `~/.cache/space-factory`.
pub fn cache_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("SPACE_FACTORY_CACHE") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(dir).join("space-factory");
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| "/tmp".into());
    PathBuf::from(home).join(".cache").join("space-factory")
}

/// The folder that holds one folder per venv.
fn venvs_root() -> PathBuf {
    cache_root().join("venvs")
}

/// Returns the venv named `name` with exactly `requirements` installed, creating it the
/// first time. Blocking: call it from `spawn_blocking` in async code.
///
/// The interpreter is `SPACE_FACTORY_PYTHON`, else `python3`.
pub fn ensure_venv(name: &str, requirements: &[&str]) -> Result<PythonEnv, PythonEnvError> {
    let root = venvs_root();
    fs::create_dir_all(&root).map_err(|source| io_error(&root, source))?;
    let dir = root.join(name);
    let env = PythonEnv { dir: dir.clone() };
    let wanted = requirements.join("\n");
    let stamp = root.join(format!("{name}.ready"));
    if is_ready(&stamp, &wanted, &env) {
        return Ok(env);
    }

    let lock_path = root.join(format!("{name}.lock"));
    let lock = File::create(&lock_path).map_err(|source| io_error(&lock_path, source))?;
    lock.lock().map_err(|source| io_error(&lock_path, source))?;
    // Another process may have finished while we waited for the lock.
    if is_ready(&stamp, &wanted, &env) {
        return Ok(env);
    }

    tracing::info!(venv = %dir.display(), ?requirements, "preparing Python environment (once)");
    if dir.exists() {
        fs::remove_dir_all(&dir).map_err(|source| io_error(&dir, source))?;
    }
    let python = std::env::var("SPACE_FACTORY_PYTHON").unwrap_or_else(|_| "python3".into());
    run(Command::new(&python).arg("-m").arg("venv").arg(&dir))?;
    run(Command::new(env.python())
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(requirements))?;
    fs::write(&stamp, &wanted).map_err(|source| io_error(&stamp, source))?;
    Ok(env)
}

/// Whether the venv `name` is already prepared with exactly `requirements` (no install
/// would be needed).
pub fn is_prepared(name: &str, requirements: &[&str]) -> bool {
    let root = venvs_root();
    let env = PythonEnv {
        dir: root.join(name),
    };
    is_ready(
        &root.join(format!("{name}.ready")),
        &requirements.join("\n"),
        &env,
    )
}

fn is_ready(stamp: &Path, wanted: &str, env: &PythonEnv) -> bool {
    fs::read_to_string(stamp).is_ok_and(|have| have == wanted) && env.python().exists()
}

fn run(command: &mut Command) -> Result<(), PythonEnvError> {
    let shown = format!("{command:?}");
    let output = command.output().map_err(|err| PythonEnvError::Command {
        command: shown.clone(),
        output: err.to_string(),
    })?;
    if output.status.success() {
        return Ok(());
    }
    Err(PythonEnvError::Command {
        command: shown,
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    })
}

fn io_error(path: &Path, source: io::Error) -> PythonEnvError {
    PythonEnvError::Io {
        path: path.to_owned(),
        source,
    }
}
