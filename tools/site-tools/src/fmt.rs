//! Formatting of the `view!` blocks (rustfmt leaves macros alone), as `leptosfmt` does with
//! its default settings.

use std::fs;
use std::path::{Path, PathBuf};

use leptosfmt_formatter::{format_file_source, FormatterSettings};

/// Whether files are rewritten or only checked.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Rewrite each file whose `view!` blocks are not formatted.
    Write,
    /// Change nothing; name each file that would change.
    Check,
}

/// Formats (or checks) every `.rs` file under the given files and folders. Returns whether
/// all were formatted already (Check) or could be formatted (Write).
pub fn run(paths: &[&str], mode: Mode) -> Result<bool, super::Error> {
    let mut files = Vec::new();
    for path in paths {
        collect_rust_files(Path::new(path), &mut files)?;
    }
    files.sort();
    let settings = FormatterSettings::default();
    let mut all_good = true;
    for file in &files {
        let source = fs::read_to_string(file)?;
        let formatted = match format_file_source(&source, &settings) {
            Ok(formatted) => formatted,
            Err(e) => {
                eprintln!("{}: cannot format: {e}", file.display());
                all_good = false;
                continue;
            }
        };
        if formatted == source {
            continue;
        }
        match mode {
            Mode::Write => fs::write(file, formatted)?,
            Mode::Check => {
                eprintln!(
                    "{}: view! blocks not formatted (line {}); run `sf-site-tools fmt {}`",
                    file.display(),
                    first_differing_line(&source, &formatted),
                    file.display()
                );
                all_good = false;
            }
        }
    }
    Ok(all_good)
}

fn collect_rust_files(path: &Path, files: &mut Vec<PathBuf>) -> Result<(), super::Error> {
    if path.is_dir() {
        for entry in fs::read_dir(path)? {
            collect_rust_files(&entry?.path(), files)?;
        }
    } else if path.extension().is_some_and(|ext| ext == "rs") {
        files.push(path.to_path_buf());
    } else if !path.exists() {
        return Err(format!("{}: no such file or folder", path.display()).into());
    }
    Ok(())
}

/// The first line (1-based) where the two texts differ, for a message a person can act on.
fn first_differing_line(a: &str, b: &str) -> usize {
    a.lines()
        .zip(b.lines())
        .position(|(x, y)| x != y)
        .unwrap_or_else(|| a.lines().count().min(b.lines().count()))
        + 1
}
