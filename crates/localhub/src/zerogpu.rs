//! ZeroGPU for local Spaces: the `spaces` package every Space can import, and the Hub's
//! start check that a ZeroGPU Space's app registers at least one `@spaces.GPU` function
//! (hub-docs `spaces-zerogpu.md`; huggingface/agents-course#733: such a Space fails at start
//! with "No @spaces.GPU function detected", RUNTIME_ERROR).
//!
//! The shim is a tiny package of ours, put first on every Space process's `PYTHONPATH` (so
//! it wins over a `spaces` from PyPI): `@spaces.GPU` with or without arguments (`duration=`,
//! `size=`) returns the function itself and, when it decorates one, touches the file named
//! by [`MARKER_ENV`]. The hub checks that file once the app is up: the decorators of a
//! Gradio app run at import, before it serves.

use std::path::{Path, PathBuf};

/// The variable naming the file the shim touches when a function is decorated.
pub const MARKER_ENV: &str = "LOCALHUB_SPACES_GPU_MARKER";

/// The Space's error when its ZeroGPU app registered no GPU function.
pub const NO_GPU_FUNCTION: &str = "No @spaces.GPU function detected";

const SHIM: &str = r#""""localhub's stand-in for the `spaces` package of Hugging Face Spaces (ZeroGPU)."""
import os

__all__ = ["GPU"]


def _registered():
    marker = os.environ.get("LOCALHUB_SPACES_GPU_MARKER")
    if marker:
        try:
            open(marker, "a").close()
        except OSError:
            pass


def GPU(func=None, *, duration=None, size=None, **kwargs):
    """Marks a function as needing a GPU; here it runs as it is."""

    def wrap(f):
        _registered()
        return f

    if callable(func):
        return wrap(func)
    return wrap
"#;

/// Writes the shim under `data_dir` (once per start) and returns the folder to put on
/// `PYTHONPATH`.
pub fn shim_dir(data_dir: &Path) -> std::io::Result<PathBuf> {
    let root = data_dir.join("python-shims");
    let package = root.join("spaces");
    std::fs::create_dir_all(&package)?;
    let file = package.join("__init__.py");
    if std::fs::read_to_string(&file).ok().as_deref() != Some(SHIM) {
        std::fs::write(&file, SHIM)?;
    }
    Ok(root)
}

/// `PYTHONPATH` with the shim folder first.
pub fn python_path(shim: &Path) -> std::ffi::OsString {
    let rest = std::env::var_os("PYTHONPATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(shim.to_path_buf()).chain(std::env::split_paths(&rest)))
        .unwrap_or_else(|_| shim.as_os_str().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn python() -> Option<PathBuf> {
        ["/usr/bin/python3", "/usr/local/bin/python3"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.exists())
    }

    fn run(app: &str) -> (bool, bool) {
        let dir = tempfile::tempdir().unwrap();
        let shim = shim_dir(dir.path()).unwrap();
        let marker = dir.path().join("gpu");
        let Some(py) = python() else {
            panic!("no python3 to run the shim with");
        };
        let out = std::process::Command::new(py)
            .arg("-c")
            .arg(app)
            .env("PYTHONPATH", python_path(&shim))
            .env(MARKER_ENV, &marker)
            .output()
            .unwrap();
        (out.status.success(), marker.exists())
    }

    #[test]
    fn the_shim_decorates_with_and_without_arguments_and_returns_the_function() {
        let (ok, marked) = run(
            "import spaces\n@spaces.GPU\ndef a(x): return x + 1\n@spaces.GPU(duration=120)\ndef b(x): return x * 2\nassert a(1) == 2 and b(3) == 6\n",
        );
        assert!(ok);
        assert!(marked);
    }

    #[test]
    fn an_app_that_decorates_nothing_leaves_no_mark() {
        let (ok, marked) = run("import spaces\nprint('no gpu here')\n");
        assert!(ok);
        assert!(!marked);
    }
}
