//! Identity (`whoami-v2`) and repositories: create (private by default), info/exists for
//! models and Spaces, and file download through `resolve` (the worker reads model cards).

use std::collections::BTreeMap;

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::client::{HubClient, Req};
use crate::error::{HubError, HubResult};
use crate::token::Token;
use crate::RepoId;

/// Parses and validates `owner/name` before anything is sent.
pub fn parse_repo_id(id: &str) -> HubResult<RepoId> {
    id.parse::<RepoId>()
        .map_err(|e| HubError::InvalidInput(e.to_string()))
}

/// The kinds of repository the factory touches; each has its own URL segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RepoType {
    /// A model repo (`/api/models/…`; files at `/{id}/resolve/…`).
    Model,
    /// A dataset repo.
    Dataset,
    /// A Space.
    Space,
}

impl RepoType {
    /// The plural API segment: `models`, `datasets`, `spaces`.
    pub fn plural(self) -> &'static str {
        match self {
            RepoType::Model => "models",
            RepoType::Dataset => "datasets",
            RepoType::Space => "spaces",
        }
    }
    /// The `type` value of `repos/create`.
    pub fn singular(self) -> &'static str {
        match self {
            RepoType::Model => "model",
            RepoType::Dataset => "dataset",
            RepoType::Space => "space",
        }
    }
}

/// `GET /api/whoami-v2`: who the token belongs to.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct WhoAmI {
    /// The username (= personal namespace).
    pub name: String,
    /// `user` or `org`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Full display name.
    #[serde(default)]
    pub fullname: Option<String>,
    /// The account's email, when the token may see it (redacted from agent traces).
    #[serde(default)]
    pub email: Option<String>,
    /// Organizations the user belongs to.
    #[serde(default)]
    pub orgs: Vec<WhoAmIOrg>,
    /// Whether the account has PRO (free accounts may not host CPU Gradio/Docker Spaces).
    #[serde(default, rename = "isPro")]
    pub is_pro: Option<bool>,
    /// Whether the account can pay for Jobs and paid hardware (a positive credit balance or
    /// a payment method); OAuth tokens see it only with the `read-billing` scope.
    #[serde(default, rename = "canPay")]
    pub can_pay: Option<bool>,
    /// `auth` block (`type: oauth|access_token`, `expiresAt`, …), kept raw.
    #[serde(default)]
    pub auth: Option<Value>,
}

impl WhoAmI {
    /// Whether `namespace` is the user's own or one of their orgs': where the user's
    /// token may create repos, and the only Spaces it is sent to.
    pub fn acts_for(&self, namespace: &str) -> bool {
        self.name == namespace || self.orgs.iter().any(|o| o.name == namespace)
    }
}

/// An organization in `whoami-v2`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct WhoAmIOrg {
    /// The org's namespace.
    pub name: String,
}

/// A key/value for a Space secret or variable at creation time.
#[derive(Debug, Clone, Serialize)]
pub struct KeyValue {
    /// Name.
    pub key: String,
    /// Value (for secrets: sent once, never read back).
    pub value: String,
    /// Optional description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl KeyValue {
    /// A key/value without a description.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> KeyValue {
        KeyValue {
            key: key.into(),
            value: value.into(),
            description: None,
        }
    }
}

/// Everything `POST /api/repos/create` takes. Private unless `public` is set, because
/// target Spaces are private by default. Hardware, sleep time, secrets and variables go in
/// the create payload (calling `/hardware` afterwards can 401 with OAuth tokens).
#[derive(Debug, Clone)]
pub struct CreateRepo {
    /// The id to create.
    pub id: RepoId,
    /// What kind of repo.
    pub repo_type: RepoType,
    /// Make it public (default: private).
    pub public: bool,
    /// Space SDK (`gradio`, `docker`, `static`); Spaces only.
    pub sdk: Option<String>,
    /// Create-time hardware flavor (e.g. `cpu-basic`, `zero-a10g`).
    pub hardware: Option<String>,
    /// Sleep time in seconds (-1 = never).
    pub sleep_time_seconds: Option<i64>,
    /// Space secrets.
    pub secrets: Vec<KeyValue>,
    /// Space variables.
    pub variables: Vec<KeyValue>,
}

impl CreateRepo {
    /// A private Gradio Space.
    pub fn gradio_space(id: RepoId) -> CreateRepo {
        CreateRepo {
            id,
            repo_type: RepoType::Space,
            public: false,
            sdk: Some("gradio".into()),
            hardware: None,
            sleep_time_seconds: None,
            secrets: Vec::new(),
            variables: Vec::new(),
        }
    }

    /// A private repo of the given type.
    pub fn new(id: RepoId, repo_type: RepoType) -> CreateRepo {
        CreateRepo {
            sdk: None,
            repo_type,
            ..CreateRepo::gradio_space(id)
        }
    }

    /// The JSON payload.
    pub(crate) fn payload(&self) -> Value {
        let mut v = json!({
            "name": self.id.name(),
            "organization": self.id.owner(),
            "type": self.repo_type.singular(),
            "visibility": if self.public { "public" } else { "private" },
            "private": !self.public,
        });
        let o = v.as_object_mut().expect("object");
        if let Some(s) = &self.sdk {
            o.insert("sdk".into(), json!(s));
        }
        if let Some(h) = &self.hardware {
            o.insert("hardware".into(), json!(h));
        }
        if let Some(s) = self.sleep_time_seconds {
            o.insert("sleepTimeSeconds".into(), json!(s));
        }
        if !self.secrets.is_empty() {
            o.insert("secrets".into(), json!(self.secrets));
        }
        if !self.variables.is_empty() {
            o.insert("variables".into(), json!(self.variables));
        }
        v
    }
}

/// `repos/create`'s answer.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct RepoUrl {
    /// The repo's page URL.
    pub url: String,
}

/// A file listed in repo info.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Sibling {
    /// Path inside the repo.
    pub rfilename: String,
}

/// `GET /api/{spaces|models}/{id}`: the fields the factory reads; the rest stays in `extra`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct RepoInfo {
    /// `owner/name`.
    pub id: String,
    /// Head commit.
    #[serde(default)]
    pub sha: Option<String>,
    /// Whether private.
    #[serde(default)]
    pub private: Option<bool>,
    /// Space SDK.
    #[serde(default)]
    pub sdk: Option<String>,
    /// Space host subdomain (`{subdomain}.hf.space`): read it, never derive it.
    #[serde(default)]
    pub subdomain: Option<String>,
    /// Space host (full URL or host name as the Hub gives it).
    #[serde(default)]
    pub host: Option<String>,
    /// Space runtime, when included (`{}`, as for a Space with none yet, reads as none).
    #[serde(default, deserialize_with = "crate::lenient::runtime_or_none")]
    pub runtime: Option<crate::spaces::SpaceRuntime>,
    /// Model pipeline tag (`text-generation`, …).
    #[serde(default)]
    pub pipeline_tag: Option<String>,
    /// Model library (`transformers`, …).
    #[serde(default)]
    pub library_name: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// README front matter.
    #[serde(default, rename = "cardData")]
    pub card_data: Option<Value>,
    /// Files.
    #[serde(default)]
    pub siblings: Vec<Sibling>,
    /// Everything else the Hub sent.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl RepoInfo {
    /// The Space's base URL: `host` when it is a URL, else `https://{subdomain}.hf.space`.
    pub fn space_url(&self) -> Option<String> {
        match (&self.host, &self.subdomain) {
            (Some(h), _) if h.starts_with("http://") || h.starts_with("https://") => {
                Some(h.trim_end_matches('/').to_owned())
            }
            (Some(h), _) => Some(format!("https://{h}")),
            (None, Some(s)) => Some(format!("https://{s}.hf.space")),
            _ => None,
        }
    }

    /// The Space's app at the host the Hub names for it ([`RepoInfo::space_url`]):
    /// `reader`'s token goes with each request as the Spaces proxy takes it, and only
    /// there ([`crate::apps`]). `None` when the Hub names no host.
    pub fn space_app(&self, reader: Option<&crate::Token>) -> Option<crate::apps::AppTarget> {
        crate::apps::AppTarget::space(&self.space_url()?, reader).ok()
    }
}

/// A downloaded file with the headers the Hub sends with it.
#[derive(Debug, Clone)]
pub struct Downloaded {
    /// The bytes (or the requested range).
    pub bytes: Vec<u8>,
    /// `X-Repo-Commit`, when sent.
    pub commit: Option<String>,
    /// `ETag`, when sent.
    pub etag: Option<String>,
}

impl HubClient {
    /// `GET /api/whoami-v2`.
    pub async fn whoami(&self, token: &Token) -> HubResult<WhoAmI> {
        self.json(Req::new(
            Method::GET,
            self.url(&["api", "whoami-v2"]),
            Some(token),
        ))
        .await
    }

    /// `POST /api/repos/create`. An existing repo is `HubError::Conflict` (never overwritten).
    /// Not retried on a lost answer or a 5xx (as huggingface_hub does): when a create
    /// succeeded and only its answer was lost, a retry would answer 409 for the very repo it
    /// made; a caller that gets a transient error can look whether the repo now exists. Only
    /// the answers that say nothing was made are retried: a 429, and the 409 "another
    /// conflicting operation is in progress".
    pub async fn create_repo(&self, spec: &CreateRepo, token: &Token) -> HubResult<RepoUrl> {
        let req = Req::new(
            Method::POST,
            self.url(&["api", "repos", "create"]),
            Some(token),
        )
        .json(spec.payload())
        .retry_refused_only();
        self.json(req).await
    }

    /// A repo's page on the Hub (`/spaces/{id}`, `/datasets/{id}`, `/{id}` for a model), as
    /// `repos/create` answers it.
    pub fn repo_page_url(&self, repo_type: RepoType, id: &RepoId) -> String {
        let url = match repo_type {
            RepoType::Model => self.url(&[id.owner(), id.name()]),
            other => self.url(&[other.plural(), id.owner(), id.name()]),
        };
        url.to_string()
    }

    /// `GET /api/{type}/{id}`.
    pub async fn repo_info(
        &self,
        repo_type: RepoType,
        id: &RepoId,
        token: Option<&Token>,
    ) -> HubResult<RepoInfo> {
        let url = self.url(&["api", repo_type.plural(), id.owner(), id.name()]);
        self.json(Req::new(Method::GET, url, token)).await
    }

    /// Whether the repo exists (and is visible to the token): 404 → `false`.
    pub async fn repo_exists(
        &self,
        repo_type: RepoType,
        id: &RepoId,
        token: Option<&Token>,
    ) -> HubResult<bool> {
        match self.repo_info(repo_type, id, token).await {
            Ok(_) => Ok(true),
            Err(HubError::NotFound { .. }) => Ok(false),
            // The Hub answers a private repo of someone else (or none at all) with 401 and
            // `RepoNotFound` to some tokens; huggingface_hub reads that as absent too.
            Err(HubError::Unauthorized { code, .. }) if code.as_deref() == Some("RepoNotFound") => {
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    /// `GET /api/spaces/{id}` (incl. `subdomain`/`host`, `runtime`).
    pub async fn space_info(&self, id: &RepoId, token: &Token) -> HubResult<RepoInfo> {
        self.repo_info(RepoType::Space, id, Some(token)).await
    }

    /// `GET /[{type}/]{id}/resolve/{revision}/{path}` (models have no type prefix).
    pub async fn download_file(
        &self,
        repo_type: RepoType,
        id: &RepoId,
        revision: &str,
        path: &str,
        token: Option<&Token>,
    ) -> HubResult<Downloaded> {
        check_repo_path(path)?;
        let mut segs: Vec<&str> = Vec::new();
        if repo_type != RepoType::Model {
            segs.push(repo_type.plural());
        }
        segs.extend([id.owner(), id.name(), "resolve", revision, path]);
        let resp = self
            .send(Req::new(Method::GET, self.url(&segs), token))
            .await?;
        let h = |n: &str| {
            resp.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let commit = h("x-repo-commit");
        let etag = h("etag");
        let bytes = resp.bytes().await.map_err(HubError::network)?.to_vec();
        Ok(Downloaded {
            bytes,
            commit,
            etag,
        })
    }

    /// The start of a repo file, at most `max_bytes` of it: the body is read only that far
    /// (whatever size the file is), so a file that is larger than a reader's cap costs no
    /// more than the cap. A result of exactly `max_bytes` may be cut.
    pub async fn download_file_start(
        &self,
        repo_type: RepoType,
        id: &RepoId,
        revision: &str,
        path: &str,
        max_bytes: usize,
        token: Option<&Token>,
    ) -> HubResult<Vec<u8>> {
        check_repo_path(path)?;
        let mut segs: Vec<&str> = Vec::new();
        if repo_type != RepoType::Model {
            segs.push(repo_type.plural());
        }
        segs.extend([id.owner(), id.name(), "resolve", revision, path]);
        let mut resp = self
            .send(Req::new(Method::GET, self.url(&segs), token))
            .await?;
        let mut bytes = Vec::new();
        while bytes.len() < max_bytes {
            match resp.chunk().await.map_err(HubError::network)? {
                Some(chunk) => bytes.extend_from_slice(&chunk),
                None => break,
            }
        }
        bytes.truncate(max_bytes);
        Ok(bytes)
    }
}

/// Rejects empty, absolute and `..` paths before they reach a URL.
pub(crate) fn check_repo_path(path: &str) -> HubResult<()> {
    if path.is_empty()
        || path.starts_with('/')
        || path
            .split('/')
            .any(|s| s.is_empty() || s == "." || s == "..")
    {
        return Err(HubError::InvalidInput(format!(
            "`{path}` is not a relative file path"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_payload_is_private_with_runtime_settings() {
        let mut c = CreateRepo::gradio_space(parse_repo_id("alice/demo").unwrap());
        c.hardware = Some("cpu-basic".into());
        c.sleep_time_seconds = Some(300);
        c.secrets.push(KeyValue::new("K", "V"));
        c.variables.push(KeyValue::new("A", "B"));
        let p = c.payload();
        assert_eq!(p["visibility"], "private");
        assert_eq!(p["private"], true);
        assert_eq!(p["type"], "space");
        assert_eq!(p["sdk"], "gradio");
        assert_eq!(p["organization"], "alice");
        assert_eq!(p["name"], "demo");
        assert_eq!(p["hardware"], "cpu-basic");
        assert_eq!(p["sleepTimeSeconds"], 300);
        assert_eq!(p["secrets"][0]["key"], "K");
        assert_eq!(p["variables"][0]["value"], "B");
    }

    #[test]
    fn bad_ids_and_paths_are_rejected() {
        for bad in ["", "noslash", "a/b/c", "-a/b", "a/b..c", "a/ b"] {
            assert!(
                matches!(parse_repo_id(bad), Err(HubError::InvalidInput(_))),
                "{bad}"
            );
        }
        for bad in ["", "/etc/passwd", "a/../b", "a//b"] {
            assert!(check_repo_path(bad).is_err(), "{bad}");
        }
        assert!(check_repo_path("README.md").is_ok());
    }

    #[test]
    fn space_url_prefers_host() {
        let mut i: RepoInfo =
            serde_json::from_value(json!({"id":"a/b","subdomain":"a-b"})).unwrap();
        assert_eq!(i.space_url().unwrap(), "https://a-b.hf.space");
        i.host = Some("http://127.0.0.1:5000".into());
        assert_eq!(i.space_url().unwrap(), "http://127.0.0.1:5000");
    }
}
