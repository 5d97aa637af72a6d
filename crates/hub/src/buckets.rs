//! Storage Buckets: create (always explicitly private: buckets are public by default),
//! info, recursive tree listing (paginated), and file download with an optional range.
//! Uploads are not here: they need Xet, and the factory writes through the Job's mount.

use std::collections::BTreeMap;

use reqwest::header::{HeaderValue, RANGE};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::client::{HubClient, Req};
use crate::error::{HubError, HubResult};
use crate::repos::{check_repo_path, RepoUrl};
use crate::token::Token;
use crate::RepoId;

/// `GET /api/buckets/{ns}/{name}`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BucketInfo {
    /// `ns/name`.
    pub id: String,
    /// Private or not.
    pub private: bool,
    /// Creation time.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Total size in bytes.
    #[serde(default)]
    pub size: Option<u64>,
    /// Number of files.
    #[serde(default)]
    pub total_files: Option<u64>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// One tree entry.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BucketEntry {
    /// `file` or `directory`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Path inside the bucket.
    pub path: String,
    /// Size (files).
    #[serde(default)]
    pub size: Option<u64>,
    /// Modification time.
    #[serde(default)]
    pub mtime: Option<Value>,
    /// Upload time.
    #[serde(default)]
    pub uploaded_at: Option<String>,
}

impl BucketEntry {
    /// Whether this is a file.
    pub fn is_file(&self) -> bool {
        self.kind == "file"
    }
}

/// A byte range for partial downloads (`Range: bytes=start-end`, `end` inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    /// First byte.
    pub start: u64,
    /// Last byte (inclusive); `None` = to the end.
    pub end: Option<u64>,
}

impl ByteRange {
    fn header(self) -> String {
        match self.end {
            Some(e) => format!("bytes={}-{}", self.start, e),
            None => format!("bytes={}-", self.start),
        }
    }
}

impl HubClient {
    /// `POST /api/buckets/{ns}/{name}` with `private: true` (and `visibility: private`).
    /// An existing bucket is `HubError::Conflict`.
    pub async fn create_bucket(&self, id: &RepoId, token: &Token) -> HubResult<RepoUrl> {
        let req = Req::new(
            Method::POST,
            self.url(&["api", "buckets", id.owner(), id.name()]),
            Some(token),
        )
        .json(json!({"private": true, "visibility": "private"}));
        self.json(req).await
    }

    /// Creates the bucket unless it exists; either way returns its info.
    pub async fn ensure_bucket(&self, id: &RepoId, token: &Token) -> HubResult<BucketInfo> {
        match self.create_bucket(id, token).await {
            Ok(_) | Err(HubError::Conflict { .. }) => self.bucket_info(id, token).await,
            Err(e) => Err(e),
        }
    }

    /// `GET /api/buckets/{ns}/{name}`.
    pub async fn bucket_info(&self, id: &RepoId, token: &Token) -> HubResult<BucketInfo> {
        self.json(Req::new(
            Method::GET,
            self.url(&["api", "buckets", id.owner(), id.name()]),
            Some(token),
        ))
        .await
    }

    /// `GET /api/buckets/{ns}/{name}/tree[/{prefix}]?recursive=…`, all pages.
    pub async fn bucket_tree(
        &self,
        id: &RepoId,
        prefix: Option<&str>,
        recursive: bool,
        token: &Token,
    ) -> HubResult<Vec<BucketEntry>> {
        let mut segs = vec!["api", "buckets", id.owner(), id.name(), "tree"];
        if let Some(p) = prefix
            .map(|p| p.trim_matches('/'))
            .filter(|p| !p.is_empty())
        {
            check_repo_path(p)?;
            segs.push(p);
        }
        let req = Req::new(Method::GET, self.url(&segs), Some(token))
            .query("recursive", recursive.to_string());
        self.paginated(req).await
    }

    /// `GET /buckets/{ns}/{name}/resolve/{path}` (plain GET, no Xet), optionally a range.
    pub async fn download_bucket_file(
        &self,
        id: &RepoId,
        path: &str,
        range: Option<ByteRange>,
        token: &Token,
    ) -> HubResult<Vec<u8>> {
        check_repo_path(path)?;
        let mut req = Req::new(
            Method::GET,
            self.url(&["buckets", id.owner(), id.name(), "resolve", path]),
            Some(token),
        );
        if let Some(r) = range {
            let v = HeaderValue::from_str(&r.header())
                .map_err(|e| HubError::InvalidInput(e.to_string()))?;
            req = req.header(RANGE, v);
        }
        let resp = self.send(req).await?;
        Ok(resp.bytes().await.map_err(HubError::network)?.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_header() {
        assert_eq!(
            ByteRange {
                start: 0,
                end: Some(9)
            }
            .header(),
            "bytes=0-9"
        );
        assert_eq!(
            ByteRange {
                start: 5,
                end: None
            }
            .header(),
            "bytes=5-"
        );
    }
}
