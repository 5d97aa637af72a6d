//! Keeping the generated app in the run's record and uploading it to the target Space.

use super::{HubAccess, TargetSpace};
use crate::engine::step::because;
use crate::engine::step::step_async;
use crate::engine::{Recorder, StepFailure};
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

/// Uploads `files` to the target Space in one commit on `main` (step `upload`); the commit
/// starts the Space's build.
pub async fn upload_app(
    rec: &mut Recorder,
    access: &HubAccess,
    target: &TargetSpace,
    files: &[GeneratedFile],
    summary: &str,
) -> Result<hub::commit::CommitInfo, StepFailure> {
    step_async(rec, STEP, async |_rec: &mut Recorder| {
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
