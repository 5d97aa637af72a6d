//! Uploading files to a repo in one commit: preupload check, then the NDJSON commit with
//! base64 contents. Only "regular" (inline) uploads are supported; if the Hub asks for
//! LFS/Xet the call fails clearly instead of half-uploading.

use base64::Engine;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::client::{HubClient, Req};
use crate::error::{HubError, HubResult};
use crate::repos::{check_repo_path, RepoType};
use crate::token::Token;
use crate::RepoId;

/// One file to put in a commit.
#[derive(Clone)]
pub struct CommitFile {
    /// Path inside the repo.
    pub path: String,
    /// The whole content.
    pub content: Vec<u8>,
}

impl std::fmt::Debug for CommitFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommitFile")
            .field("path", &self.path)
            .field("len", &self.content.len())
            .finish()
    }
}

impl CommitFile {
    /// A file from its path and bytes.
    pub fn new(path: impl Into<String>, content: impl Into<Vec<u8>>) -> CommitFile {
        CommitFile {
            path: path.into(),
            content: content.into(),
        }
    }
}

/// The Hub's answer to a commit.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommitInfo {
    /// URL of the commit page.
    #[serde(default)]
    pub commit_url: Option<String>,
    /// The new commit id.
    #[serde(default)]
    pub commit_oid: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PreuploadAnswer {
    files: Vec<PreuploadFile>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PreuploadFile {
    path: String,
    upload_mode: String,
    #[serde(default)]
    should_ignore: bool,
}

/// Builds the NDJSON commit body (header line, then one `file` line per file).
pub(crate) fn ndjson_body(summary: &str, files: &[&CommitFile]) -> Vec<u8> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut out = Vec::new();
    let header = json!({"key": "header", "value": {"summary": summary, "description": ""}});
    out.extend(serde_json::to_vec(&header).expect("json"));
    out.push(b'\n');
    for f in files {
        let line = json!({"key": "file", "value": {
            "path": f.path, "content": b64.encode(&f.content), "encoding": "base64"}});
        out.extend(serde_json::to_vec(&line).expect("json"));
        out.push(b'\n');
    }
    out
}

impl HubClient {
    /// Uploads `files` to `revision` (usually `main`) in one commit.
    ///
    /// Asks `preupload` first; files the Hub says to ignore are skipped; any file it wants
    /// as LFS makes the whole call fail with `HubError::InvalidInput` naming the files.
    pub async fn upload_files(
        &self,
        repo_type: RepoType,
        id: &RepoId,
        revision: &str,
        summary: &str,
        files: &[CommitFile],
        token: &Token,
    ) -> HubResult<CommitInfo> {
        if files.is_empty() {
            return Err(HubError::InvalidInput(
                "a commit needs at least one file".into(),
            ));
        }
        for f in files {
            check_repo_path(&f.path)?;
        }
        let b64 = base64::engine::general_purpose::STANDARD;
        let pre: Vec<_> = files
            .iter()
            .map(|f| {
                let sample = &f.content[..f.content.len().min(512)];
                json!({"path": f.path, "size": f.content.len(), "sample": b64.encode(sample)})
            })
            .collect();
        let base = ["api", repo_type.plural(), id.owner(), id.name()];
        let mut segs = base.to_vec();
        segs.extend(["preupload", revision]);
        let answer: PreuploadAnswer = self
            .json(Req::new(Method::POST, self.url(&segs), Some(token)).json(json!({"files": pre})))
            .await?;
        let lfs: Vec<&str> = answer
            .files
            .iter()
            .filter(|f| f.upload_mode != "regular" && !f.should_ignore)
            .map(|f| f.path.as_str())
            .collect();
        if !lfs.is_empty() {
            return Err(HubError::InvalidInput(format!(
                "the Hub wants these files uploaded through LFS/Xet, which this client does not \
                 support: {}",
                lfs.join(", ")
            )));
        }
        let ignored: Vec<&str> = answer
            .files
            .iter()
            .filter(|f| f.should_ignore)
            .map(|f| f.path.as_str())
            .collect();
        let kept: Vec<&CommitFile> = files
            .iter()
            .filter(|f| !ignored.contains(&f.path.as_str()))
            .collect();
        let mut segs = base.to_vec();
        segs.extend(["commit", revision]);
        let body = ndjson_body(summary, &kept);
        self.json(
            Req::new(Method::POST, self.url(&segs), Some(token)).raw(body, "application/x-ndjson"),
        )
        .await
    }

    /// Deletes the folder `path` (and everything in it) from `revision` in one commit.
    pub async fn delete_folder(
        &self,
        repo_type: RepoType,
        id: &RepoId,
        revision: &str,
        summary: &str,
        path: &str,
        token: &Token,
    ) -> HubResult<CommitInfo> {
        check_repo_path(path)?;
        let segs = [
            "api",
            repo_type.plural(),
            id.owner(),
            id.name(),
            "commit",
            revision,
        ];
        let body = delete_folder_body(summary, path);
        self.json(
            Req::new(Method::POST, self.url(&segs), Some(token)).raw(body, "application/x-ndjson"),
        )
        .await
    }
}

/// The NDJSON body of a commit that deletes one folder (header line, `deletedFolder` line).
fn delete_folder_body(summary: &str, path: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for line in [
        json!({"key": "header", "value": {"summary": summary, "description": ""}}),
        json!({"key": "deletedFolder", "value": {"path": path}}),
    ] {
        out.extend(serde_json::to_vec(&line).expect("json"));
        out.push(b'\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ndjson_has_header_then_base64_files() {
        let f = CommitFile::new("app.py", b"print(1)".to_vec());
        let body = String::from_utf8(ndjson_body("Add app", &[&f])).unwrap();
        let lines: Vec<serde_json::Value> = body
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["key"], "header");
        assert_eq!(lines[0]["value"]["summary"], "Add app");
        assert_eq!(lines[1]["value"]["path"], "app.py");
        assert_eq!(lines[1]["value"]["content"], "cHJpbnQoMSk=");
        assert_eq!(lines[1]["value"]["encoding"], "base64");
        assert!(!format!("{f:?}").contains("print"));
    }

    #[test]
    fn a_folder_deletion_is_a_header_then_one_deleted_folder_line() {
        let body = String::from_utf8(delete_folder_body("Unpublish", "runs/x")).unwrap();
        let lines: Vec<serde_json::Value> = body
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["value"]["summary"], "Unpublish");
        assert_eq!(lines[1]["key"], "deletedFolder");
        assert_eq!(lines[1]["value"]["path"], "runs/x");
    }
}
