//! Reading what a run left on disk: every file under a folder, and the search that proves
//! a secret is in none of them (nor in a process's output).

use std::path::{Path, PathBuf};
use std::process::Output;

/// Every file under `dir` (none when `dir` does not exist).
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return files;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// Fails if `needle` is in any file under `dir`; returns how many files were searched.
pub fn assert_not_in_files(dir: &Path, needle: &str) -> usize {
    let files = walk(dir);
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(needle),
            "secret found in {}",
            file.display()
        );
    }
    files.len()
}

/// Fails if `needle` is on a process's stdout or stderr.
pub fn assert_not_in_output(out: &Output, needle: &str) {
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains(needle),
        "secret on stdout"
    );
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains(needle),
        "secret on stderr"
    );
}
