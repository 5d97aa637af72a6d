//! Git-style repos (models, datasets, Spaces): create, info, preupload, NDJSON commit,
//! validate-yaml, tree and resolve. Files are stored as plain files; no LFS, no Xet.
//!
//! Only the head revision's files are kept on disk: `resolve` accepts `main` or any known
//! commit id of the repo and serves the current files.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::{scopes, Authed, MaybeCaller};
use crate::errors::{ApiError, ApiResult};
use crate::store::{hex40, now_iso, safe_join, valid_name, CommitRecord, RepoKind, RepoMeta};
use crate::AppState;

/// Body of `POST /api/repos/create`.
#[derive(Debug, Deserialize)]
pub struct CreateRepoBody {
    name: String,
    organization: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    visibility: Option<String>,
    private: Option<bool>,
    sdk: Option<String>,
    /// Space-only extras (hardware, secrets, variables, sleepTimeSeconds) are accepted.
    #[serde(flatten)]
    pub rest: serde_json::Map<String, Value>,
}

/// The web URL of a repo.
pub fn repo_url(s: &AppState, kind: RepoKind, id: &str) -> String {
    format!("{}/{}{}", s.url(), kind.url_prefix(), id)
}

/// The repo type of a create or delete body (`model` when absent).
fn parse_kind(kind: Option<&str>) -> ApiResult<RepoKind> {
    RepoKind::parse(kind).ok_or_else(|| ApiError::bad_request("invalid repo type"))
}

/// `(namespace, name)` of a create or delete body: `name` may be `ns/name`; else the
/// namespace is `organization`, else the caller's own.
fn named_repo(
    name: &str,
    organization: Option<&str>,
    caller: &crate::auth::Caller,
) -> (String, String) {
    match name.split_once('/') {
        Some((ns, name)) => (ns.to_owned(), name.to_owned()),
        None => (
            organization.unwrap_or(&caller.user.name).to_owned(),
            name.to_owned(),
        ),
    }
}

/// `POST /api/repos/create`.
pub async fn create(
    State(s): State<AppState>,
    Authed(c): Authed,
    Json(b): Json<CreateRepoBody>,
) -> ApiResult<Json<Value>> {
    let kind = parse_kind(b.kind.as_deref())?;
    let (ns, name) = named_repo(&b.name, b.organization.as_deref(), &c);
    scopes::require(&c, scopes::CREATE_REPO, "create a repo")?;
    if !s.accounts.may_write_in(&c.user.name, &ns) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!("You don't have the rights to create a repo under the namespace \"{ns}\""),
        ));
    }
    if !valid_name(&name) {
        return Err(ApiError::bad_request(
            "Invalid repo name: use letters, digits, '-', '_' and '.'",
        ));
    }
    if kind == RepoKind::Space {
        check_space_settings(b.sdk.as_deref(), &b.rest)?;
        if let Some(e) = s.faults.take_space_create_fault() {
            return Err(e);
        }
        let hardware = b.rest.get("hardware").and_then(Value::as_str);
        let id = format!("{ns}/{name}");
        let exists = s
            .store
            .lock()
            .expect("store")
            .repos
            .contains_key(&(kind, id.clone()));
        if !exists {
            let zero_now = s.spaces.count_on(&ns, crate::plans::ZERO_GPU, &id);
            crate::plans::check_space(
                s.accounts.payer(&ns),
                b.sdk.as_deref().unwrap_or_default(),
                hardware,
                zero_now,
            )?;
        }
    }
    let private = b
        .visibility
        .as_deref()
        .map(|v| v != "public")
        .or(b.private)
        .unwrap_or(false);
    let id = format!("{ns}/{name}");
    let url = repo_url(&s, kind, &id);
    {
        let mut st = s.store.lock().expect("store");
        if st.repos.contains_key(&(kind, id.clone())) {
            return Err(ApiError::conflict_with_url(
                format!(
                    "You already created this {} repo",
                    kind.word().to_lowercase()
                ),
                url,
            ));
        }
        let created_at = now_iso();
        let oid = hex40(format!("{id}{created_at}init").as_bytes());
        st.repos.insert(
            (kind, id.clone()),
            RepoMeta {
                kind,
                ns,
                name,
                private,
                sdk: b.sdk.clone(),
                gated: None,
                created_at: created_at.clone(),
                commits: vec![CommitRecord {
                    oid,
                    summary: "initial commit".into(),
                    date: created_at,
                }],
            },
        );
    }
    std::fs::create_dir_all(s.repo_dir(kind, &id))?;
    if kind == RepoKind::Space {
        s.spaces.on_create(&s, &id, &b.rest);
    }
    Ok(Json(json!({ "url": url, "name": id })))
}

/// The SDKs a Space may have (huggingface_hub's `SPACES_SDK_TYPES`).
const SPACE_SDKS: [&str; 4] = ["gradio", "docker", "static", "streamlit"];

/// A Space needs its SDK, and hardware only the Hub offers.
fn check_space_settings(sdk: Option<&str>, rest: &serde_json::Map<String, Value>) -> ApiResult<()> {
    match sdk {
        None => {
            return Err(ApiError::bad_request(
                "sdk is required when creating a Space (gradio, docker, static or streamlit)",
            ))
        }
        Some(sdk) if !SPACE_SDKS.contains(&sdk) => {
            return Err(ApiError::bad_request(format!(
                "Invalid sdk {sdk:?}: use gradio, docker, static or streamlit"
            )))
        }
        Some(_) => {}
    }
    match rest.get("hardware") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(flavor)) if crate::spaces::is_known_hardware(flavor) => Ok(()),
        Some(other) => Err(crate::spaces::unknown_hardware(
            other.as_str().unwrap_or(&other.to_string()),
        )),
    }
}

/// Body of `DELETE /api/repos/delete`.
#[derive(Debug, Deserialize)]
pub struct DeleteRepo {
    name: String,
    organization: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// `DELETE /api/repos/delete` (huggingface_hub's `delete_repo`): the owner deletes a repo
/// and its files; a Space's app stops.
pub async fn delete(
    State(s): State<AppState>,
    Authed(c): Authed,
    Json(b): Json<DeleteRepo>,
) -> ApiResult<Json<Value>> {
    let kind = parse_kind(b.kind.as_deref())?;
    let (ns, name) = named_repo(&b.name, b.organization.as_deref(), &c);
    let id = format!("{ns}/{name}");
    scopes::require(&c, scopes::DELETE_REPO, "delete a repo")?;
    find_writable(&s, kind, &id, &c)?;
    s.store
        .lock()
        .expect("store")
        .repos
        .remove(&(kind, id.clone()));
    if kind == RepoKind::Space {
        crate::spaces::forget(&s, &id);
    }
    let dir = s.repo_dir(kind, &id);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    Ok(Json(json!({})))
}

/// Looks up a repo visible to the caller (public, or in a namespace the caller belongs
/// to), else 404 RepoNotFound.
pub fn find(
    s: &AppState,
    kind: RepoKind,
    id: &str,
    caller: Option<&crate::auth::Caller>,
) -> ApiResult<RepoMeta> {
    let st = s.store.lock().expect("store");
    let member =
        |m: &RepoMeta| caller.is_some_and(|c| s.accounts.may_write_in(&c.user.name, &m.ns));
    match st.repos.get(&(kind, id.to_string())) {
        Some(m) if m.visible_to(caller) || member(m) => Ok(m.clone()),
        _ => Err(ApiError::repo_not_found(kind.word(), id)),
    }
}

/// Like [`find`] but also requires write access (the owner, or a member of the owning
/// org) and, for an OAuth token, a scope that writes repos.
pub fn find_writable(
    s: &AppState,
    kind: RepoKind,
    id: &str,
    caller: &crate::auth::Caller,
) -> ApiResult<RepoMeta> {
    let m = find(s, kind, id, Some(caller))?;
    scopes::require(caller, scopes::WRITE_REPO, "write to a repo")?;
    if !s.accounts.may_write_in(&caller.user.name, &m.ns) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!("You don't have write access to {id}"),
        ));
    }
    Ok(m)
}

fn list_files(root: &std::path::Path) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            let Ok(md) = e.metadata() else { continue };
            if md.is_dir() {
                stack.push(p);
            } else if let Ok(rel) = p.strip_prefix(root) {
                out.push((rel.to_string_lossy().replace('\\', "/"), md.len()));
            }
        }
    }
    out.sort();
    out
}

/// `GET /api/{kind}s/{ns}/{name}`: repo info (Spaces add `subdomain`, `host`, `runtime`).
pub async fn info(
    State(s): State<AppState>,
    MaybeCaller(c): MaybeCaller,
    kind: RepoKind,
    ns: String,
    name: String,
) -> ApiResult<Json<Value>> {
    let id = format!("{ns}/{name}");
    let m = find(&s, kind, &id, c.as_ref())?;
    let siblings: Vec<Value> = list_files(&s.repo_dir(kind, &id))
        .into_iter()
        .map(|(p, _)| json!({"rfilename": p}))
        .collect();
    let mut v = json!({
        "_id": hex40(id.as_bytes())[..24].to_string(),
        "id": id,
        "author": m.ns,
        "sha": m.head(),
        "lastModified": m.commits.last().map(|c| c.date.clone()),
        "createdAt": m.created_at,
        "private": m.private,
        "disabled": false,
        "gated": m.gated.as_deref().map_or(json!(false), |g| json!(g)),
        "likes": 0,
        "tags": [],
        "siblings": siblings,
    });
    if kind == RepoKind::Model {
        let o = v.as_object_mut().expect("object");
        o.extend(crate::models::info_fields(&s.repo_dir(kind, &id)));
    }
    if kind == RepoKind::Space {
        v["sdk"] = json!(m.sdk);
        v["subdomain"] = json!(format!("{}-{}", m.ns, m.name)
            .to_lowercase()
            .replace(['_', '.'], "-"));
        v["host"] = json!(s.proxies.host_for(&s, &id).ok());
        v["runtime"] = s.spaces.runtime_json(&id);
    }
    Ok(Json(v))
}

/// Body of `PUT /api/{kind}s/{ns}/{name}/settings` (the fields localhub keeps).
#[derive(Debug, Deserialize)]
pub struct Settings {
    /// `"auto"`, `"manual"` or `false`.
    gated: Option<Value>,
    /// New visibility.
    private: Option<bool>,
}

/// `PUT /api/{kind}s/{ns}/{name}/settings`: gating and visibility, owner only.
pub async fn settings(
    State(s): State<AppState>,
    Authed(c): Authed,
    kind: RepoKind,
    id: String,
    Json(b): Json<Settings>,
) -> ApiResult<Json<Value>> {
    find_writable(&s, kind, &id, &c)?;
    let gated = match &b.gated {
        None => None,
        Some(Value::Bool(false)) => Some(None),
        Some(Value::String(g)) if g == "auto" || g == "manual" => Some(Some(g.clone())),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "gated must be \"auto\", \"manual\" or false, not {other}"
            )))
        }
    };
    let mut st = s.store.lock().expect("store");
    let m = st
        .repos
        .get_mut(&(kind, id.clone()))
        .ok_or_else(|| ApiError::repo_not_found(kind.word(), &id))?;
    if let Some(g) = gated {
        m.gated = g;
    }
    if let Some(p) = b.private {
        m.private = p;
    }
    Ok(Json(json!({})))
}

/// Body of preupload.
#[derive(Debug, Deserialize)]
pub struct Preupload {
    files: Vec<PreFile>,
}

/// One preupload entry.
#[derive(Debug, Deserialize)]
pub struct PreFile {
    path: String,
}

/// `POST /api/{kind}s/{ns}/{name}/preupload/{rev}`: always `regular`.
pub async fn preupload(
    State(s): State<AppState>,
    Authed(c): Authed,
    kind: RepoKind,
    id: String,
    Json(b): Json<Preupload>,
) -> ApiResult<Json<Value>> {
    find_writable(&s, kind, &id, &c)?;
    let files: Vec<Value> = b
        .files
        .iter()
        .map(|f| json!({"path": f.path, "uploadMode": "regular", "shouldIgnore": f.path == ".git" || f.path.starts_with(".git/")}))
        .collect();
    Ok(Json(
        json!({ "files": files, "commitOid": find(&s, kind, &id, Some(&c))?.head() }),
    ))
}

/// `POST /api/{kind}s/{ns}/{name}/commit/{rev}`: NDJSON header/file/deletedFile/deletedFolder.
pub async fn commit(
    State(s): State<AppState>,
    Authed(c): Authed,
    kind: RepoKind,
    id: String,
    body: String,
) -> ApiResult<Json<Value>> {
    find_writable(&s, kind, &id, &c)?;
    let root = s.repo_dir(kind, &id);
    let mut summary = String::from("Upload files");
    let mut ops: Vec<(String, Option<Vec<u8>>, bool)> = Vec::new();
    for line in body.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line)
            .map_err(|e| ApiError::bad_request(format!("invalid NDJSON line: {e}")))?;
        let key = v["key"].as_str().unwrap_or_default();
        let val = &v["value"];
        let path = val["path"].as_str().unwrap_or_default().to_string();
        match key {
            "header" => {
                if let Some(t) = val["summary"].as_str() {
                    summary = t.to_string();
                }
            }
            "file" => {
                let content = val["content"].as_str().unwrap_or_default();
                let bytes = match val["encoding"].as_str() {
                    Some("base64") | None => base64::engine::general_purpose::STANDARD
                        .decode(content)
                        .map_err(|e| ApiError::bad_request(format!("invalid base64 for {path}: {e}")))?,
                    Some(_) => content.as_bytes().to_vec(),
                };
                safe_join(&root, &path)?;
                ops.push((path, Some(bytes), false));
            }
            "deletedFile" => ops.push((path, None, false)),
            "deletedFolder" => ops.push((path, None, true)),
            "lfsFile" => {
                return Err(ApiError::bad_request(format!(
                    "lfsFile entries are not supported by localhub ({path}): preupload answers uploadMode \"regular\", send the file inline"
                )))
            }
            other => return Err(ApiError::bad_request(format!("unknown commit key {other:?}"))),
        }
    }
    let mut digest = Vec::new();
    for (path, bytes, folder) in &ops {
        let p = safe_join(&root, path)?;
        digest.extend_from_slice(path.as_bytes());
        match bytes {
            Some(b) => {
                if let Some(parent) = p.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(&p, b)?;
                digest.extend_from_slice(b);
            }
            None if *folder => {
                let _ = std::fs::remove_dir_all(&p);
            }
            None => {
                if std::fs::remove_file(&p).is_err() {
                    return Err(ApiError::entry_not_found(path));
                }
            }
        }
    }
    let date = now_iso();
    let oid = {
        let mut st = s.store.lock().expect("store");
        let m = st
            .repos
            .get_mut(&(kind, id.clone()))
            .ok_or_else(|| ApiError::repo_not_found(kind.word(), &id))?;
        digest.extend_from_slice(m.head().as_bytes());
        digest.extend_from_slice(date.as_bytes());
        let oid = hex40(&digest);
        m.commits.push(CommitRecord {
            oid: oid.clone(),
            summary,
            date,
        });
        oid
    };
    if kind == RepoKind::Space {
        s.spaces.on_commit(&s, &id);
    }
    Ok(Json(json!({
        "commitUrl": format!("{}/commit/{oid}", repo_url(&s, kind, &id)),
        "commitOid": oid,
        "success": true,
    })))
}

/// `POST /api/validate-yaml`: accepts any README.
pub async fn validate_yaml() -> Json<Value> {
    Json(json!({ "errors": [], "warnings": [] }))
}

/// Query of tree listings.
#[derive(Debug, Deserialize)]
pub struct TreeQuery {
    recursive: Option<String>,
}

/// `GET /api/{kind}s/{ns}/{name}/tree/{rev}[/{path}]`.
pub async fn tree(
    State(s): State<AppState>,
    MaybeCaller(c): MaybeCaller,
    kind: RepoKind,
    id: String,
    prefix: String,
    q: Query<TreeQuery>,
) -> ApiResult<Json<Value>> {
    let m = find(&s, kind, &id, c.as_ref())?;
    let recursive = matches!(q.recursive.as_deref(), Some("true" | "1" | "True"));
    let root = s.repo_dir(kind, &id);
    let prefix = prefix.trim_matches('/');
    let mut dirs = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for (p, size) in list_files(&root) {
        let rest = if prefix.is_empty() {
            p.as_str()
        } else if let Some(r) = p.strip_prefix(prefix).and_then(|r| r.strip_prefix('/')) {
            r
        } else {
            continue;
        };
        if !recursive {
            if let Some((d, _)) = rest.split_once('/') {
                let full = if prefix.is_empty() {
                    d.to_string()
                } else {
                    format!("{prefix}/{d}")
                };
                dirs.insert(full);
                continue;
            }
        } else {
            let mut acc = String::from(prefix);
            for part in rest
                .split('/')
                .collect::<Vec<_>>()
                .iter()
                .rev()
                .skip(1)
                .rev()
            {
                if !acc.is_empty() {
                    acc.push('/');
                }
                acc.push_str(part);
                dirs.insert(acc.clone());
            }
        }
        let bytes = std::fs::read(root.join(&p)).unwrap_or_default();
        out.push(json!({"type": "file", "path": p, "size": size, "oid": hex40(&bytes)}));
    }
    let _ = m;
    let mut all: Vec<Value> = dirs
        .into_iter()
        .map(|d| json!({"type": "directory", "path": d, "size": 0, "oid": hex40(d.as_bytes())}))
        .collect();
    all.extend(out);
    Ok(Json(Value::Array(all)))
}

/// `GET|HEAD /{prefix}{ns}/{name}/resolve/{rev}/{path}` with `X-Repo-Commit` and `ETag`.
pub async fn resolve(
    State(s): State<AppState>,
    MaybeCaller(c): MaybeCaller,
    method: Method,
    kind: RepoKind,
    id: String,
    rev: String,
    path: String,
) -> ApiResult<Response> {
    let m = find(&s, kind, &id, c.as_ref())?;
    if rev != "main" && !m.commits.iter().any(|c| c.oid == rev) {
        return Err(
            ApiError::new(StatusCode::NOT_FOUND, format!("Invalid rev id: {rev}"))
                .code("RevisionNotFound"),
        );
    }
    crate::gating::check_download(&m, c.as_ref(), &path, &s.url())?;
    let p = safe_join(&s.repo_dir(kind, &id), &path)?;
    let bytes = std::fs::read(&p).map_err(|_| ApiError::entry_not_found(&path))?;
    let etag = format!("\"{}\"", hex40(&bytes));
    let mut headers = HeaderMap::new();
    headers.insert("x-repo-commit", m.head().parse().expect("hex"));
    headers.insert(header::ETAG, etag.parse().expect("hex"));
    headers.insert(header::CONTENT_LENGTH, bytes.len().into());
    headers.insert(
        header::CONTENT_TYPE,
        "application/octet-stream".parse().expect("static"),
    );
    headers.insert(header::ACCEPT_RANGES, "bytes".parse().expect("static"));
    let body = if method == Method::HEAD {
        Body::empty()
    } else {
        Body::from(bytes)
    };
    Ok((StatusCode::OK, headers, body).into_response())
}
