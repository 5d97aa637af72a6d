//! The agent's workspace on disk: filled with an app's files before Pi starts, read back
//! whole (every file, folders kept) after it stops, and compared with what it started with.

use crate::generate::GeneratedFile;
use std::path::Path;

/// Folders never taken from a workspace: caches and tool state, not the app.
pub const SKIPPED_DIRS: [&str; 6] = [
    ".git",
    "__pycache__",
    ".pi",
    ".venv",
    "node_modules",
    ".cache",
];

/// Writes `files` under `dir` (folders created as needed).
pub fn write_files(dir: &Path, files: &[GeneratedFile]) -> Result<(), String> {
    for file in files {
        runs::layout::check_relative(&file.path).map_err(|e| e.to_string())?;
        let path = dir.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&path, &file.content)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

/// Every file under `dir` (skipping [`SKIPPED_DIRS`]), sorted by path. A file that is not
/// UTF-8 text is refused: Spaces built by the factory are source code.
pub fn read_files(dir: &Path) -> Result<Vec<GeneratedFile>, String> {
    let mut files = Vec::new();
    collect(dir, dir, &mut files)?;
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<GeneratedFile>) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let kind = entry
            .file_type()
            .map_err(|e| format!("cannot inspect {}: {e}", path.display()))?;
        if kind.is_dir() {
            if !SKIPPED_DIRS.contains(&name.as_str()) {
                collect(root, &path, files)?;
            }
            continue;
        }
        if !kind.is_file() {
            continue;
        }
        let relative = path
            .strip_prefix(root)
            .expect("inside the root")
            .to_string_lossy()
            .into_owned();
        let bytes =
            std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let content = String::from_utf8(bytes)
            .map_err(|_| format!("{relative} is not UTF-8 text; only source files are uploaded"))?;
        files.push(GeneratedFile {
            path: relative,
            content,
        });
    }
    Ok(())
}

/// How a workspace differs from what it started with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Files added, by path.
    pub added: Vec<String>,
    /// Files removed, by path.
    pub removed: Vec<String>,
    /// Files changed, by path, with the number of lines changed (removed + added).
    pub changed: Vec<(String, usize)>,
    /// A unified diff of everything.
    pub diff: String,
}

/// Compares `after` with `before`.
pub fn changes(before: &[GeneratedFile], after: &[GeneratedFile]) -> Changes {
    let mut out = Changes::default();
    let find = |files: &[GeneratedFile], path: &str| {
        files
            .iter()
            .find(|f| f.path == path)
            .map(|f| f.content.clone())
    };
    for file in before {
        if find(after, &file.path).is_none() {
            out.removed.push(file.path.clone());
        }
    }
    for file in after {
        let old = find(before, &file.path);
        if old.is_none() {
            out.added.push(file.path.clone());
        }
        let old = old.unwrap_or_default();
        if old == file.content {
            continue;
        }
        let diff = similar::TextDiff::from_lines(&old, &file.content);
        let lines = diff
            .iter_all_changes()
            .filter(|c| c.tag() != similar::ChangeTag::Equal)
            .count();
        if !out.added.contains(&file.path) {
            out.changed.push((file.path.clone(), lines));
        }
        out.diff.push_str(
            &diff
                .unified_diff()
                .header(&format!("a/{}", file.path), &format!("b/{}", file.path))
                .to_string(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, content: &str) -> GeneratedFile {
        GeneratedFile {
            path: path.into(),
            content: content.into(),
        }
    }

    #[test]
    fn files_round_trip_through_a_folder_and_caches_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let files = vec![file("app.py", "print(1)\n"), file("pkg/mod.py", "x = 1\n")];
        write_files(dir.path(), &files).unwrap();
        std::fs::create_dir_all(dir.path().join("__pycache__")).unwrap();
        std::fs::write(dir.path().join("__pycache__/app.pyc"), [0xff, 0x00]).unwrap();
        assert_eq!(read_files(dir.path()).unwrap(), files);
        std::fs::write(dir.path().join("blob.bin"), [0xff, 0xfe]).unwrap();
        assert!(read_files(dir.path()).unwrap_err().contains("blob.bin"));
        assert!(write_files(dir.path(), &[file("../x", "")]).is_err());
    }

    #[test]
    fn changes_count_lines_and_name_added_and_removed_files() {
        let before = vec![file("app.py", "a\nb\nc\n"), file("old.txt", "x\n")];
        let after = vec![file("app.py", "a\nB\nc\n"), file("new.txt", "y\n")];
        let c = changes(&before, &after);
        assert_eq!(c.changed, [("app.py".to_owned(), 2)]);
        assert_eq!(c.added, ["new.txt"]);
        assert_eq!(c.removed, ["old.txt"]);
        assert!(c.diff.contains("-b\n+B\n"), "{}", c.diff);
    }
}
