//! Storage buckets as plain folders: create, info, list, tree, and ranged download.
//!
//! A bucket `ns/name` is the folder `DATA/buckets/ns/name` (the store). It changes only by
//! whole files renamed into place (a Job's mount publishes a file once it is closed:
//! [`crate::mount`]), so a reader never sees a file half-written. Clients read its files with
//! a plain `GET /buckets/{ns}/{name}/resolve/{path}` (no Xet).

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::{Authed, Caller, MaybeCaller};
use crate::errors::{ApiError, ApiResult};
use crate::store::{now_iso, safe_join, sha256_hex, valid_name, BucketMeta};
use crate::AppState;

/// Body of bucket create.
#[derive(Debug, Default, Deserialize)]
pub struct CreateBucket {
    private: Option<bool>,
    visibility: Option<String>,
}

fn resolve_ns(ns: &str, c: &Caller) -> String {
    if ns == "me" {
        c.user.name.clone()
    } else {
        ns.to_string()
    }
}

/// `POST /api/buckets/{ns}/{name}`: explicit private; 409 with `url` on existing names.
pub async fn create(
    State(s): State<AppState>,
    Authed(c): Authed,
    Path((ns, name)): Path<(String, String)>,
    body: Option<Json<CreateBucket>>,
) -> ApiResult<Json<Value>> {
    let ns = resolve_ns(&ns, &c);
    crate::auth::scopes::require(
        &c,
        &["write-repos", "manage-repos", "contribute-repos"],
        "create a bucket",
    )?;
    if !s.accounts.may_write_in(&c.user.name, &ns) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!("You don't have the rights to create a bucket under the namespace \"{ns}\""),
        ));
    }
    if !valid_name(&name) {
        return Err(ApiError::bad_request("Invalid bucket name"));
    }
    let b = body.map(|Json(b)| b).unwrap_or_default();
    let private = b
        .visibility
        .as_deref()
        .map(|v| v == "private")
        .or(b.private)
        .unwrap_or(false);
    let id = format!("{ns}/{name}");
    let url = format!("{}/buckets/{id}", s.url());
    {
        let mut st = s.store.lock().expect("store");
        if st.buckets.contains_key(&id) {
            return Err(ApiError::conflict_with_url(
                "You already created this bucket",
                url,
            ));
        }
        st.buckets.insert(
            id.clone(),
            BucketMeta {
                ns,
                name,
                private,
                created_at: now_iso(),
            },
        );
    }
    std::fs::create_dir_all(s.bucket_dir(&id))?;
    Ok(Json(json!({ "url": url, "id": id, "name": id })))
}

/// Finds a bucket the caller may see (a public one, or one of a namespace they may write
/// in: their own or an org's they belong to), else 404 RepoNotFound.
pub fn find(s: &AppState, id: &str, caller: Option<&Caller>) -> ApiResult<BucketMeta> {
    let st = s.store.lock().expect("store");
    match st.buckets.get(id) {
        Some(b) if visible(s, b, caller) => Ok(b.clone()),
        _ => Err(ApiError::repo_not_found("Bucket", id)),
    }
}

/// Whether `caller` may see bucket `b`: it is public, or in a namespace they may write in.
fn visible(s: &AppState, b: &BucketMeta, caller: Option<&Caller>) -> bool {
    b.visible_to(caller) || caller.is_some_and(|c| s.accounts.may_write_in(&c.user.name, &b.ns))
}

fn walk(root: &std::path::Path) -> Vec<(String, std::fs::Metadata)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let Ok(md) = e.metadata() else { continue };
            let p = e.path();
            if let Ok(rel) = p.strip_prefix(root) {
                let rel = rel.to_string_lossy().replace('\\', "/");
                if md.is_dir() {
                    stack.push(p.clone());
                }
                out.push((rel, md));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn info_json(s: &AppState, b: &BucketMeta) -> Value {
    let id = format!("{}/{}", b.ns, b.name);
    let files: Vec<_> = walk(&s.bucket_dir(&id))
        .into_iter()
        .filter(|(_, m)| m.is_file())
        .collect();
    json!({
        "id": id,
        "private": b.private,
        "createdAt": b.created_at,
        "size": files.iter().map(|(_, m)| m.len()).sum::<u64>(),
        "totalFiles": files.len(),
    })
}

/// `GET /api/buckets/{ns}/{name}`.
pub async fn info(
    State(s): State<AppState>,
    MaybeCaller(c): MaybeCaller,
    Path((ns, name)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let ns = c.as_ref().map(|c| resolve_ns(&ns, c)).unwrap_or(ns);
    let b = find(&s, &format!("{ns}/{name}"), c.as_ref())?;
    Ok(Json(info_json(&s, &b)))
}

/// `GET /api/buckets/{ns}`: the buckets of a namespace visible to the caller.
pub async fn list(
    State(s): State<AppState>,
    MaybeCaller(c): MaybeCaller,
    Path(ns): Path<String>,
) -> ApiResult<Json<Value>> {
    let ns = c.as_ref().map(|c| resolve_ns(&ns, c)).unwrap_or(ns);
    let all: Vec<BucketMeta> = {
        let st = s.store.lock().expect("store");
        st.buckets
            .values()
            .filter(|b| b.ns == ns && visible(&s, b, c.as_ref()))
            .cloned()
            .collect()
    };
    Ok(Json(Value::Array(
        all.iter().map(|b| info_json(&s, b)).collect(),
    )))
}

/// Query of the tree listing.
#[derive(Debug, Deserialize)]
pub struct TreeQuery {
    recursive: Option<String>,
}

fn iso_of(t: std::io::Result<std::time::SystemTime>) -> String {
    let t: chrono::DateTime<chrono::Utc> = t.map(Into::into).unwrap_or_else(|_| chrono::Utc::now());
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// `GET /api/buckets/{ns}/{name}/tree[/{prefix}]?recursive=true`.
pub async fn tree(
    State(s): State<AppState>,
    MaybeCaller(c): MaybeCaller,
    Path(p): Path<Vec<(String, String)>>,
    Query(q): Query<TreeQuery>,
) -> ApiResult<Json<Value>> {
    let get = |k: &str| {
        p.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let (ns, name, prefix) = (get("ns"), get("name"), get("prefix"));
    let ns = c.as_ref().map(|c| resolve_ns(&ns, c)).unwrap_or(ns);
    let id = format!("{ns}/{name}");
    find(&s, &id, c.as_ref())?;
    let recursive = matches!(q.recursive.as_deref(), Some("true" | "1" | "True"));
    let prefix = prefix.trim_matches('/').to_string();
    let root = s.bucket_dir(&id);
    let mut out = Vec::new();
    for (rel, md) in walk(&root) {
        let rest = if prefix.is_empty() {
            rel.as_str()
        } else if let Some(r) = rel
            .strip_prefix(prefix.as_str())
            .and_then(|r| r.strip_prefix('/'))
        {
            r
        } else {
            continue;
        };
        if !recursive && rest.contains('/') {
            continue;
        }
        let mtime = iso_of(md.modified());
        if md.is_dir() {
            out.push(json!({"type": "directory", "path": rel, "uploadedAt": mtime}));
        } else {
            let bytes = std::fs::read(root.join(&rel)).unwrap_or_default();
            out.push(json!({"type": "file", "path": rel, "size": md.len(), "xetHash": sha256_hex(&bytes), "mtime": mtime, "uploadedAt": mtime}));
        }
    }
    Ok(Json(Value::Array(out)))
}

fn parse_range(h: &str, len: u64) -> Option<(u64, u64)> {
    let spec = h.strip_prefix("bytes=")?.split(',').next()?.trim();
    let (a, b) = spec.split_once('-')?;
    let (start, end) = if a.is_empty() {
        let n: u64 = b.parse().ok()?;
        (len.saturating_sub(n), len.checked_sub(1)?)
    } else {
        let start: u64 = a.parse().ok()?;
        let end = if b.is_empty() {
            len.checked_sub(1)?
        } else {
            b.parse::<u64>().ok()?.min(len.checked_sub(1)?)
        };
        (start, end)
    };
    (start <= end && start < len).then_some((start, end))
}

/// Whether an `If-None-Match` value names `etag` (or is `*`): a weak comparison, as
/// RFC 9110 asks of `If-None-Match`.
fn none_match_hits(value: &str, etag: &str) -> bool {
    value
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

/// `GET|HEAD /buckets/{ns}/{name}/resolve/{path}` with `Range` support, and `304 Not
/// Modified` when `If-None-Match` names the file's ETag (checked before the range).
pub async fn resolve(
    State(s): State<AppState>,
    MaybeCaller(c): MaybeCaller,
    method: Method,
    headers: HeaderMap,
    Path((ns, name, path)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    let id = format!("{ns}/{name}");
    find(&s, &id, c.as_ref())?;
    let p = safe_join(&s.bucket_dir(&id), &path)?;
    let bytes = match tokio::fs::read(&p).await {
        Ok(b) => b,
        Err(_) => return Err(ApiError::entry_not_found(&path)),
    };
    let len = bytes.len() as u64;
    let mut h = HeaderMap::new();
    h.insert(header::ACCEPT_RANGES, "bytes".parse().expect("static"));
    h.insert(
        header::CONTENT_TYPE,
        "application/octet-stream".parse().expect("static"),
    );
    let hash = sha256_hex(&bytes);
    let etag = format!("\"{hash}\"");
    h.insert(header::ETAG, etag.parse().expect("hex"));
    h.insert("x-xet-hash", hash.parse().expect("hex"));
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| none_match_hits(v, &etag));
    if unchanged {
        return Ok((StatusCode::NOT_MODIFIED, h).into_response());
    }
    let (status, slice) = match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        Some(r) => match parse_range(r, len) {
            Some((a, b)) => {
                h.insert(
                    header::CONTENT_RANGE,
                    format!("bytes {a}-{b}/{len}").parse().expect("ascii"),
                );
                (
                    StatusCode::PARTIAL_CONTENT,
                    bytes[a as usize..=b as usize].to_vec(),
                )
            }
            None => {
                h.insert(
                    header::CONTENT_RANGE,
                    format!("bytes */{len}").parse().expect("ascii"),
                );
                return Ok((StatusCode::RANGE_NOT_SATISFIABLE, h).into_response());
            }
        },
        None => (StatusCode::OK, bytes),
    };
    h.insert(header::CONTENT_LENGTH, slice.len().into());
    let body = if method == Method::HEAD {
        Body::empty()
    } else {
        Body::from(slice)
    };
    Ok((status, h, body).into_response())
}
