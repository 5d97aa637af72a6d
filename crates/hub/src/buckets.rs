//! Storage Buckets: create (always explicitly private: buckets are public by default),
//! info, recursive tree listing (paginated), and file download with an optional range
//! (and conditionally, by ETag).
//! Uploads are not here: they need Xet, and the factory writes through the Job's mount.

use std::collections::BTreeMap;

use reqwest::header::{HeaderValue, ETAG, IF_NONE_MATCH, RANGE};
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

/// A byte range for partial downloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// `Range: bytes=start-end` (`end` inclusive; `None` = to the end).
    Span {
        /// First byte.
        start: u64,
        /// Last byte (inclusive); `None` = to the end.
        end: Option<u64>,
    },
    /// `Range: bytes=-n`: the last `n` bytes (the whole file when it is shorter), for the
    /// newest part of a file that only grows.
    Last(u64),
}

impl ByteRange {
    /// Bytes `start..=end` (`None`: to the end).
    pub fn span(start: u64, end: Option<u64>) -> ByteRange {
        ByteRange::Span { start, end }
    }

    fn header(self) -> String {
        match self {
            ByteRange::Span {
                start,
                end: Some(e),
            } => format!("bytes={start}-{e}"),
            ByteRange::Span { start, end: None } => format!("bytes={start}-"),
            ByteRange::Last(n) => format!("bytes=-{n}"),
        }
    }
}

/// A listing cut at a bound: its first entries, and whether there were more.
#[derive(Debug, Clone, PartialEq)]
pub struct Bounded<T> {
    /// The entries, at most the bound.
    pub items: Vec<T>,
    /// Whether the listing had more than the bound.
    pub truncated: bool,
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
    ///
    /// A token that may not create buckets (401/403) may still use one that exists, so
    /// then the bucket is looked up (as huggingface_hub's `create_bucket(exist_ok=True)`
    /// does) and the refusal stands only when it is not there either.
    pub async fn ensure_bucket(&self, id: &RepoId, token: &Token) -> HubResult<BucketInfo> {
        match self.create_bucket(id, token).await {
            Ok(_) | Err(HubError::Conflict { .. }) => self.bucket_info(id, token).await,
            Err(refused @ (HubError::Unauthorized { .. } | HubError::Forbidden { .. })) => {
                self.bucket_info(id, token).await.map_err(|_| refused)
            }
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
        let req = self.tree_request(id, prefix, recursive, token)?;
        self.paginated(req).await
    }

    /// The same listing, but no more than `max` entries: pages stop being fetched once
    /// that many arrived (a bucket anyone can write to may hold any number of files).
    pub async fn bucket_tree_bounded(
        &self,
        id: &RepoId,
        prefix: Option<&str>,
        recursive: bool,
        max: usize,
        token: &Token,
    ) -> HubResult<Bounded<BucketEntry>> {
        let req = self.tree_request(id, prefix, recursive, token)?;
        let (mut items, more) = self.paginated_upto(req, max).await?;
        let truncated = more || items.len() > max;
        items.truncate(max);
        Ok(Bounded { items, truncated })
    }

    fn tree_request(
        &self,
        id: &RepoId,
        prefix: Option<&str>,
        recursive: bool,
        token: &Token,
    ) -> HubResult<Req> {
        let mut segs = vec!["api", "buckets", id.owner(), id.name(), "tree"];
        if let Some(p) = prefix
            .map(|p| p.trim_matches('/'))
            .filter(|p| !p.is_empty())
        {
            check_repo_path(p)?;
            segs.push(p);
        }
        Ok(Req::new(Method::GET, self.url(&segs), Some(token))
            .query("recursive", recursive.to_string()))
    }

    /// `GET /buckets/{ns}/{name}/resolve/{path}` (plain GET, no Xet), optionally a range.
    pub async fn download_bucket_file(
        &self,
        id: &RepoId,
        path: &str,
        range: Option<ByteRange>,
        token: &Token,
    ) -> HubResult<Vec<u8>> {
        let resp = self
            .send(resolve_req(self, id, path, range, None, token)?)
            .await?;
        Ok(resp.bytes().await.map_err(HubError::network)?.to_vec())
    }

    /// [`download_bucket_file`](Self::download_bucket_file), but only when the file is no
    /// longer the version `etag` names (sent as `If-None-Match`): a file read again and
    /// again while it may change (a run's `state.json`) costs a `304` and no body while it
    /// does not.
    pub async fn download_bucket_file_if_changed(
        &self,
        id: &RepoId,
        path: &str,
        range: Option<ByteRange>,
        etag: Option<&str>,
        token: &Token,
    ) -> HubResult<Fetched> {
        let req = resolve_req(self, id, path, range, etag, token)?;
        let resp = match self.send(req).await {
            Ok(resp) => resp,
            Err(HubError::BadRequest { status: 304, .. }) => return Ok(Fetched::Unchanged),
            Err(err) => return Err(err),
        };
        let etag = resp
            .headers()
            .get(ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = resp.bytes().await.map_err(HubError::network)?.to_vec();
        Ok(Fetched::Changed { bytes, etag })
    }
}

/// What a conditional read of a bucket file brought.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// The file (or its range) as it is now, and the ETag naming this version, when the Hub
    /// sent one.
    Changed {
        /// The bytes read.
        bytes: Vec<u8>,
        /// `ETag`, quotes included, to send back as `If-None-Match`.
        etag: Option<String>,
    },
    /// Still the version the ETag named (`304 Not Modified`).
    Unchanged,
}

/// The request of a bucket file read: its range and the version the caller holds.
fn resolve_req(
    client: &HubClient,
    id: &RepoId,
    path: &str,
    range: Option<ByteRange>,
    etag: Option<&str>,
    token: &Token,
) -> HubResult<Req> {
    check_repo_path(path)?;
    let mut req = Req::new(
        Method::GET,
        client.url(&["buckets", id.owner(), id.name(), "resolve", path]),
        Some(token),
    );
    let header =
        |text: &str| HeaderValue::from_str(text).map_err(|e| HubError::InvalidInput(e.to_string()));
    if let Some(r) = range {
        req = req.header(RANGE, header(&r.header())?);
    }
    if let Some(tag) = etag {
        req = req.header(IF_NONE_MATCH, header(tag)?);
    }
    Ok(req)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_header() {
        assert_eq!(ByteRange::span(0, Some(9)).header(), "bytes=0-9");
        assert_eq!(ByteRange::span(5, None).header(), "bytes=5-");
        assert_eq!(ByteRange::Last(2048).header(), "bytes=-2048");
    }
}
