//! The `worker` binary the embedded hub runs as the Job image.
//!
//! Integration tests of `server` cannot name another package's binary (`CARGO_BIN_EXE_*` is
//! per package, and artifact dependencies are unstable), so the kit takes `worker` from the
//! same target folder. Nothing is built here: set-up builds it (`cargo build -p worker --bin
//! worker`, or `cargo test --workspace --no-run`, which `scripts/test.sh` runs before the
//! tests), and a missing or outdated binary fails the test with a message naming that step.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The set-up step that provides the binary, as the failure messages name it.
const BUILD_STEP: &str = "cargo build -p worker --bin worker";

/// The `worker` binary of this workspace, from the same target folder as this test, once
/// checked to exist and to be newer than every source file cargo built it from.
pub fn worker_binary() -> PathBuf {
    static WORKER: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    WORKER
        .get_or_init(|| {
            let worker = expected_path();
            assert!(
                worker.is_file(),
                "no worker binary at {}: build it first with `{BUILD_STEP}` \
                 (scripts/test.sh does, before `cargo test`)",
                worker.display()
            );
            if let Some(changed) = newer_source(&worker) {
                panic!(
                    "the worker binary at {} is older than {}: rebuild it with `{BUILD_STEP}`",
                    worker.display(),
                    changed.display()
                );
            }
            worker
        })
        .clone()
}

/// `<target>/<profile>/worker`, where `<target>` is `CARGO_TARGET_DIR` when set, else the
/// folder this test binary runs from.
fn expected_path() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
    let release = profile_dir.file_name().is_some_and(|n| n == "release");
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| dir.join(if release { "release" } else { "debug" }))
        .unwrap_or(profile_dir);
    target_dir.join("worker")
}

/// A source file of this workspace newer than `binary`, read from the dependency list cargo
/// writes beside it (`worker.d`); `None` when every one is older or cargo wrote no list.
/// Files outside this workspace (registry crates, another checkout's list) are not judged.
fn newer_source(binary: &Path) -> Option<PathBuf> {
    let built = std::fs::metadata(binary).and_then(|m| m.modified()).ok()?;
    let list = std::fs::read_to_string(binary.with_extension("d")).ok()?;
    let (_, sources) = list.lines().next()?.split_once(": ")?;
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let workspace = workspace.canonicalize().unwrap_or(workspace);
    // Make's escaping: a space inside a path is `\ `.
    let sources = sources.replace("\\ ", "\u{0}");
    sources
        .split_whitespace()
        .map(|path| PathBuf::from(path.replace('\u{0}', " ")))
        .filter(|path| path.starts_with(&workspace))
        .find(|path| modified(path).is_some_and(|time| time > built))
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}
