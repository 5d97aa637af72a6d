//! Repo and bucket records kept in memory, with their files on disk under the data folder.
//!
//! Layout: `DATA/repos/{models|spaces|datasets}/{ns}/{name}/` holds the current files of a
//! repo, `DATA/buckets/{ns}/{name}/` holds a bucket's files (Jobs mount that folder).

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use serde::Serialize;

use crate::auth::Caller;
use crate::errors::ApiError;

/// The three git repo kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RepoKind {
    /// A model repo (URL prefix: none).
    Model,
    /// A dataset repo (URL prefix: `datasets/`).
    Dataset,
    /// A Space (URL prefix: `spaces/`).
    Space,
}

impl RepoKind {
    /// From the `type` field of `repos/create` (absent = model).
    pub fn parse(s: Option<&str>) -> Option<Self> {
        match s.unwrap_or("model") {
            "model" => Some(Self::Model),
            "dataset" => Some(Self::Dataset),
            "space" => Some(Self::Space),
            _ => None,
        }
    }
    /// The plural used in `/api/{plural}/...` and on disk.
    pub fn plural(self) -> &'static str {
        match self {
            Self::Model => "models",
            Self::Dataset => "datasets",
            Self::Space => "spaces",
        }
    }
    /// The URL prefix of web and resolve URLs.
    pub fn url_prefix(self) -> &'static str {
        match self {
            Self::Model => "",
            Self::Dataset => "datasets/",
            Self::Space => "spaces/",
        }
    }
    /// Human word for messages ("Space", "Model", "Dataset").
    pub fn word(self) -> &'static str {
        match self {
            Self::Model => "Model",
            Self::Dataset => "Dataset",
            Self::Space => "Space",
        }
    }
}

/// One commit of a repo.
#[derive(Debug, Clone, Serialize)]
pub struct CommitRecord {
    /// 40-hex commit id.
    pub oid: String,
    /// Commit title.
    pub summary: String,
    /// ISO date.
    pub date: String,
}

/// A repo's metadata.
#[derive(Debug, Clone)]
pub struct RepoMeta {
    /// Kind.
    pub kind: RepoKind,
    /// Owner namespace.
    pub ns: String,
    /// Name.
    pub name: String,
    /// Invisible to other users when true.
    pub private: bool,
    /// Space SDK.
    pub sdk: Option<String>,
    /// Gating (`auto`, `manual`), set through the repo settings; `None` when open.
    pub gated: Option<String>,
    /// Creation date (ISO).
    pub created_at: String,
    /// Commits, oldest first (an initial commit is made at creation).
    pub commits: Vec<CommitRecord>,
}

impl RepoMeta {
    /// `ns/name`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.ns, self.name)
    }
    /// Head commit id.
    pub fn head(&self) -> &str {
        self.commits.last().map(|c| c.oid.as_str()).unwrap_or("")
    }
    /// Whether the caller may see this repo.
    pub fn visible_to(&self, caller: Option<&Caller>) -> bool {
        !self.private || caller.is_some_and(|c| c.user.name == self.ns)
    }
}

/// A bucket's metadata.
#[derive(Debug, Clone)]
pub struct BucketMeta {
    /// Owner namespace.
    pub ns: String,
    /// Name.
    pub name: String,
    /// Invisible to other users when true.
    pub private: bool,
    /// Creation date (ISO).
    pub created_at: String,
}

impl BucketMeta {
    /// Whether the caller may see this bucket.
    pub fn visible_to(&self, caller: Option<&Caller>) -> bool {
        !self.private || caller.is_some_and(|c| c.user.name == self.ns)
    }
}

/// All repos and buckets.
#[derive(Debug, Default)]
pub struct Store {
    /// Repos by (kind, "ns/name").
    pub repos: HashMap<(RepoKind, String), RepoMeta>,
    /// Buckets by "ns/name".
    pub buckets: HashMap<String, BucketMeta>,
}

/// Joins a client-given relative path under `root`, refusing `..`, absolute paths and empties.
pub fn safe_join(root: &Path, rel: &str) -> Result<PathBuf, ApiError> {
    let rel = rel.trim_start_matches('/');
    let p = Path::new(rel);
    if rel.is_empty() || p.components().any(|c| !matches!(c, Component::Normal(_))) {
        return Err(ApiError::bad_request(format!("invalid path: {rel}")));
    }
    Ok(root.join(p))
}

/// A names check: `[A-Za-z0-9._-]`, 1..=96 chars, as the Hub requires.
pub fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 96
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        && !s.starts_with('.')
}

/// Current time as the Hub writes it.
pub fn now_iso() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// 40 hex characters of SHA-256 of the bytes (stands in for git's sha1 ids).
pub fn hex40(bytes: &[u8]) -> String {
    use sha2::Digest;
    let d = sha2::Sha256::digest(bytes);
    d.iter().take(20).map(|b| format!("{b:02x}")).collect()
}

/// Full SHA-256 hex (used as `xetHash`).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
