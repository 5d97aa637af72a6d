//! Putting the demo models into a hub: their files into the data folder where missing,
//! their repo records into the store.

use std::io;
use std::path::Path;

use super::{DemoModel, Files, ALL, NAMESPACE};
use crate::store::{hex40, CommitRecord, RepoKind, RepoMeta};
use crate::HubState;

/// Every demo model's files, in [`ALL`] order, generated once per process (they are the
/// same bytes every time): a test binary starting many hubs pays for them once.
fn generated() -> &'static [Files] {
    static FILES: std::sync::OnceLock<Vec<Files>> = std::sync::OnceLock::new();
    FILES.get_or_init(|| ALL.iter().map(DemoModel::files).collect())
}

/// Writes each demo model's files that are missing from the data folder (present ones are
/// left as they are) and records every demo repo in the store.
pub fn seed(state: &HubState) -> io::Result<()> {
    for (model, files) in ALL.iter().zip(generated()) {
        let dir = state.repo_dir(RepoKind::Model, model.id);
        if !model.file_names().iter().all(|f| dir.join(f).is_file()) {
            for (name, bytes) in files {
                let path = dir.join(name);
                if !path.is_file() {
                    std::fs::create_dir_all(path.parent().unwrap_or(&dir))?;
                    write_new(&path, bytes)?;
                }
            }
        }
        let meta = repo_meta(model, &dir)?;
        state
            .store
            .lock()
            .expect("store")
            .repos
            .insert((RepoKind::Model, model.id.to_owned()), meta);
    }
    Ok(())
}

/// Writes a file whole: into a temporary file beside it, then renamed into place, so a
/// hub stopped half-way never leaves a truncated file that the next start would keep.
fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// The repo record: one commit whose id is a digest of the files on disk (the same across
/// restarts, so clients' caches stay valid) and whose date is when they were written.
/// The weights count by their size and safetensors header, which the seeded values follow
/// from: hashing every value on each start would cost more than the rest of it.
fn repo_meta(model: &DemoModel, dir: &Path) -> io::Result<RepoMeta> {
    let mut digest = Vec::new();
    for name in model.file_names() {
        let path = dir.join(name);
        digest.extend_from_slice(name.as_bytes());
        digest.extend_from_slice(&std::fs::metadata(&path)?.len().to_le_bytes());
        if name.ends_with(".safetensors") {
            digest.extend_from_slice(&safetensors_header(&path)?);
        } else {
            digest.extend_from_slice(&std::fs::read(&path)?);
        }
    }
    let written: chrono::DateTime<chrono::Utc> = std::fs::metadata(dir.join("config.json"))?
        .modified()?
        .into();
    let date = written.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    Ok(RepoMeta {
        kind: RepoKind::Model,
        ns: NAMESPACE.to_owned(),
        name: model.name().to_owned(),
        private: false,
        sdk: None,
        gated: model.gated.then(|| "manual".to_owned()),
        created_at: date.clone(),
        commits: vec![CommitRecord {
            oid: hex40(&digest),
            summary: "Add the demo model (Space Factory's local hub)".into(),
            date,
        }],
    })
}

/// The length prefix and JSON header of a `.safetensors` file.
fn safetensors_header(path: &Path) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut len = [0u8; 8];
    file.read_exact(&mut len)?;
    let mut header = len.to_vec();
    file.take(u64::from_le_bytes(len).min(1 << 20))
        .read_to_end(&mut header)?;
    Ok(header)
}
