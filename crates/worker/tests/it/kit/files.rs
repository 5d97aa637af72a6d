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

/// The forms a leaked `secret` could take in text: itself, without its `hf_` prefix, and
/// base64 at each of the three alignments (the part that does not depend on what is
/// around it). Search text with line breaks removed (`base64` wraps its lines).
pub fn secret_forms(secret: &str) -> Vec<String> {
    use base64::Engine;
    let mut forms = vec![secret.to_owned()];
    if let Some(bare) = secret.strip_prefix("hf_") {
        forms.push(bare.to_owned());
    }
    for offset in 0..3 {
        let padded = format!("{}{secret}", &"xx"[..offset]);
        let encoded = base64::engine::general_purpose::STANDARD.encode(padded.as_bytes());
        // The leading characters mix in the padding, the trailing ones what follows.
        let start = (offset * 4).div_ceil(3);
        let end = (padded.len() / 3) * 4;
        forms.push(encoded[start..end].to_owned());
    }
    forms
}

/// Fails if any form of `secret` ([`secret_forms`]) is in `text`; `what` names the text.
pub fn assert_no_form_of(secret: &str, text: &str, what: &str) {
    let flat: String = text.replace("\\n", "").replace(['\n', '\r'], "");
    for form in secret_forms(secret) {
        assert!(!flat.contains(&form), "{what} holds the secret as {form:?}");
    }
}
