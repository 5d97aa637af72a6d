//! Keeping the generated app in the run's record and uploading it to the target Space,
//! once no file of it holds a secret of the Job.

use super::{HubAccess, TargetSpace};
use crate::engine::step::because;
use crate::engine::step::step_async;
use crate::engine::{Recorder, Redactor, StepFailure};
use crate::generate::GeneratedFile;
use hub::commit::CommitFile;
use hub::repos::RepoType;

/// The step [`upload_app`] records.
pub const STEP: &str = "upload";

/// The folder of the run that keeps a copy of the app as generated.
pub const GENERATED_DIR: &str = "generated";

/// Saves each file as `generated/<path>` (redacted), inside the caller's step.
pub fn save_generated(rec: &mut Recorder, files: &[GeneratedFile]) -> Result<(), StepFailure> {
    for file in files {
        rec.text_artifact(&format!("{GENERATED_DIR}/{}", file.path), &file.content)?;
    }
    Ok(())
}

/// The first of `files` whose path or content holds a secret of the Job in any form the
/// redactor knows (plain, without its prefix, base64, URL-encoded, either case, broken
/// across lines): such a workspace must not leave the worker.
pub fn file_holding_secret<'a>(
    redactor: &Redactor,
    files: &'a [GeneratedFile],
) -> Option<&'a GeneratedFile> {
    files
        .iter()
        .find(|f| redactor.holds_secret(&f.path) || redactor.holds_secret(&f.content))
}

/// Uploads `files` to the target Space in one commit on `main` (step `upload`); the commit
/// starts the Space's build. A file holding a secret ([`file_holding_secret`]) fails the
/// step, naming the file, and nothing is uploaded.
pub async fn upload_app(
    rec: &mut Recorder,
    access: &HubAccess,
    target: &TargetSpace,
    files: &[GeneratedFile],
    summary: &str,
) -> Result<hub::commit::CommitInfo, StepFailure> {
    step_async(rec, STEP, async |rec: &mut Recorder| {
        if let Some(file) = file_holding_secret(rec.redactor(), files) {
            return Err(because(format!(
                "{} holds a secret of this run (its token or a key, in some form); nothing was uploaded to {}",
                file.path, target.id
            )));
        }
        let commit: Vec<CommitFile> = files
            .iter()
            .map(|f| CommitFile::new(f.path.clone(), f.content.as_bytes().to_vec()))
            .collect();
        let info = access
            .hub
            .upload_files(
                RepoType::Space,
                &target.id,
                "main",
                summary,
                &commit,
                &access.token,
            )
            .await
            .map_err(|e| because(format!("could not upload to {}: {e}", target.id)))?;
        let names: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        let message = format!(
            "uploaded {} to {} (commit {})",
            names.join(", "),
            target.id,
            info.commit_oid.as_deref().unwrap_or("unknown")
        );
        Ok((info, message))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_holding_a_secret_in_any_form_is_found_by_name() {
        use base64::Engine;
        let token = localhub::auth::SecretToken::random("hf_");
        let token = token.expose();
        let redactor = Redactor::new([token.to_owned()]);
        let clean: Vec<GeneratedFile> = [("app.py", "print('hi')\n"), ("README.md", "# hi\n")]
            .into_iter()
            .map(|(path, content)| GeneratedFile {
                path: path.into(),
                content: content.into(),
            })
            .collect();
        assert_eq!(file_holding_secret(&redactor, &clean), None);
        let encoded = base64::engine::general_purpose::STANDARD.encode(format!("t={token}"));
        for (name, content) in [
            ("notes.txt", format!("token: {token}\n")),
            ("blob.txt", format!("{encoded}\n")),
            ("split.txt", format!("{}\n{}", &token[..9], &token[9..])),
            (&format!("{}.txt", &token[3..]), "x".to_owned()),
        ] {
            let mut files = clean.clone();
            files.push(GeneratedFile {
                path: name.to_owned(),
                content,
            });
            assert_eq!(
                file_holding_secret(&redactor, &files).map(|f| f.path.as_str()),
                Some(name)
            );
        }
    }
}
