//! Writing into the mounted bucket the way its mount allows.
//!
//! A bucket mount is not a POSIX disk: files are uploaded whole on close, renames and
//! in-place edits are not supported, the last writer wins. So every file keeps its working
//! copy on local disk, and each change writes the whole file to the mount in one go
//! (create, write everything, close). Nothing is renamed, appended to, or seeked in there.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A bucket folder (the mount) plus a local working copy of everything written to it.
#[derive(Debug, Clone)]
pub struct Output {
    mount: PathBuf,
    local: PathBuf,
}

/// A write or read on the mount failed.
#[derive(Debug, thiserror::Error)]
#[error("{action} {path}: {source}")]
pub struct OutputError {
    action: &'static str,
    path: PathBuf,
    #[source]
    source: io::Error,
}

impl Output {
    /// Writes under `mount`, keeping working copies under `local`.
    pub fn new(mount: impl Into<PathBuf>, local: impl Into<PathBuf>) -> Output {
        Output {
            mount: mount.into(),
            local: local.into(),
        }
    }

    /// The mount's root folder.
    pub fn mount(&self) -> &Path {
        &self.mount
    }

    /// Replaces `relative` (a bucket path) with `bytes`, whole.
    pub fn write(&self, relative: &str, bytes: &[u8]) -> Result<(), OutputError> {
        let local = self.local.join(relative);
        write_whole(&local, bytes)?;
        write_whole(&self.mount.join(relative), bytes)
    }

    /// Adds `line` and a newline to the end of `relative`, then writes the whole file.
    pub fn append_line(&self, relative: &str, line: &str) -> Result<(), OutputError> {
        let local = self.local.join(relative);
        let mut bytes = match fs::read(&local) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == io::ErrorKind::NotFound => Vec::new(),
            Err(source) => return Err(error("read", &local, source)),
        };
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        self.write(relative, &bytes)
    }

    /// Reads `relative` back from the mount (not from the working copy).
    pub fn read_from_mount(&self, relative: &str) -> Result<Vec<u8>, OutputError> {
        let path = self.mount.join(relative);
        fs::read(&path).map_err(|source| error("read", &path, source))
    }
}

fn write_whole(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|source| error("create folder", parent, source))?;
    }
    let mut file = fs::File::create(path).map_err(|source| error("create", path, source))?;
    file.write_all(bytes)
        .and_then(|()| file.flush())
        .map_err(|source| error("write", path, source))
    // Dropping the file closes it: that is when a bucket mount uploads it.
}

fn error(action: &'static str, path: &Path, source: io::Error) -> OutputError {
    OutputError {
        action,
        path: path.to_owned(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_rewrite_the_whole_file_on_the_mount() {
        let mount = tempfile::tempdir().unwrap();
        let local = tempfile::tempdir().unwrap();
        let out = Output::new(mount.path(), local.path());
        out.append_line("runs/x/events.jsonl", "one").unwrap();
        out.append_line("runs/x/events.jsonl", "two").unwrap();
        assert_eq!(
            out.read_from_mount("runs/x/events.jsonl").unwrap(),
            b"one\ntwo\n"
        );
        out.write("runs/x/state.json", b"{}").unwrap();
        assert_eq!(out.read_from_mount("runs/x/state.json").unwrap(), b"{}");
    }
}
