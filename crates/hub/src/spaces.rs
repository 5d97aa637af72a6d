//! Space runtime and settings: runtime stage, hardware request, sleep time, secrets,
//! variables, and build/run logs (SSE).

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::StreamExt;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::client::{HubClient, Req};
use crate::error::HubResult;
use crate::sse::{self, HubStream, LogLine};
use crate::token::Token;
use crate::RepoId;

pub use runs::stage::SpaceStage;

/// Requested and current hardware of a Space.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct SpaceHardware {
    /// What runs now.
    #[serde(default)]
    pub current: Option<String>,
    /// What was asked for.
    #[serde(default)]
    pub requested: Option<String>,
}

/// `GET /api/spaces/{id}/runtime`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SpaceRuntime {
    /// `BUILDING`, `RUNNING`, `BUILD_ERROR`, … (open: the Hub adds stages).
    pub stage: SpaceStage,
    /// Hardware.
    #[serde(default)]
    pub hardware: Option<SpaceHardware>,
    /// Sleep time in seconds.
    #[serde(default)]
    pub gc_timeout: Option<i64>,
    /// Why the Space failed, when it did.
    #[serde(default)]
    pub error_message: Option<String>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl SpaceRuntime {
    /// Whether the app is up ([`SpaceStage::is_running`]).
    pub fn is_running(&self) -> bool {
        self.stage.is_running()
    }
}

/// Which of a Space's two log streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpaceLogKind {
    /// Image build.
    Build,
    /// The running app.
    Run,
}

/// A secret's listing entry (values are write-only).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretMeta {
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Last update.
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// A variable's listing entry.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VariableMeta {
    /// The value.
    pub value: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Last update.
    #[serde(default)]
    pub updated_at: Option<String>,
}

impl HubClient {
    fn space_url(&self, id: &RepoId, rest: &[&str]) -> url::Url {
        let mut segs = vec!["api", "spaces", id.owner(), id.name()];
        segs.extend_from_slice(rest);
        self.url(&segs)
    }

    /// `GET /api/spaces/{id}/runtime`.
    pub async fn space_runtime(&self, id: &RepoId, token: &Token) -> HubResult<SpaceRuntime> {
        self.json(Req::new(
            Method::GET,
            self.space_url(id, &["runtime"]),
            Some(token),
        ))
        .await
    }

    /// `POST /api/spaces/{id}/hardware`. Best effort: under OAuth this can 401/403
    /// (docs/HUB.md#space-hardware); callers record that as "manual hardware action required".
    pub async fn request_space_hardware(
        &self,
        id: &RepoId,
        flavor: &str,
        sleep_time_seconds: Option<i64>,
        token: &Token,
    ) -> HubResult<SpaceRuntime> {
        let mut body = json!({"flavor": flavor});
        if let Some(s) = sleep_time_seconds {
            body["sleepTimeSeconds"] = json!(s);
        }
        self.json(Req::new(Method::POST, self.space_url(id, &["hardware"]), Some(token)).json(body))
            .await
    }

    /// `POST /api/spaces/{id}/sleeptime`.
    pub async fn set_space_sleep_time(
        &self,
        id: &RepoId,
        seconds: i64,
        token: &Token,
    ) -> HubResult<SpaceRuntime> {
        let req = Req::new(
            Method::POST,
            self.space_url(id, &["sleeptime"]),
            Some(token),
        )
        .json(json!({ "seconds": seconds }));
        self.json(req).await
    }

    /// `POST /api/spaces/{id}/secrets` (create or replace).
    pub async fn add_space_secret(
        &self,
        id: &RepoId,
        key: &str,
        value: &str,
        token: &Token,
    ) -> HubResult<()> {
        self.put_space_entry(id, "secrets", key, value, token).await
    }

    /// `DELETE /api/spaces/{id}/secrets` with `{"key"}`.
    pub async fn delete_space_secret(
        &self,
        id: &RepoId,
        key: &str,
        token: &Token,
    ) -> HubResult<()> {
        self.delete_space_entry(id, "secrets", key, token).await
    }

    /// `GET /api/spaces/{id}/secrets`: names and metadata, never values.
    pub async fn space_secrets(
        &self,
        id: &RepoId,
        token: &Token,
    ) -> HubResult<BTreeMap<String, SecretMeta>> {
        self.list_space_entries(id, "secrets", token).await
    }

    /// `POST /api/spaces/{id}/variables`.
    pub async fn add_space_variable(
        &self,
        id: &RepoId,
        key: &str,
        value: &str,
        token: &Token,
    ) -> HubResult<()> {
        self.put_space_entry(id, "variables", key, value, token)
            .await
    }

    /// `DELETE /api/spaces/{id}/variables` with `{"key"}`.
    pub async fn delete_space_variable(
        &self,
        id: &RepoId,
        key: &str,
        token: &Token,
    ) -> HubResult<()> {
        self.delete_space_entry(id, "variables", key, token).await
    }

    /// `GET /api/spaces/{id}/variables`.
    pub async fn space_variables(
        &self,
        id: &RepoId,
        token: &Token,
    ) -> HubResult<BTreeMap<String, VariableMeta>> {
        self.list_space_entries(id, "variables", token).await
    }

    /// Secrets and variables share their routes' shapes; `kind` is the last path segment.
    async fn put_space_entry(
        &self,
        id: &RepoId,
        kind: &str,
        key: &str,
        value: &str,
        token: &Token,
    ) -> HubResult<()> {
        let req = Req::new(Method::POST, self.space_url(id, &[kind]), Some(token))
            .json(json!({"key": key, "value": value}));
        self.unit(req).await
    }

    async fn delete_space_entry(
        &self,
        id: &RepoId,
        kind: &str,
        key: &str,
        token: &Token,
    ) -> HubResult<()> {
        let req = Req::new(Method::DELETE, self.space_url(id, &[kind]), Some(token))
            .json(json!({ "key": key }));
        self.unit(req).await
    }

    async fn list_space_entries<T: serde::de::DeserializeOwned>(
        &self,
        id: &RepoId,
        kind: &str,
        token: &Token,
    ) -> HubResult<BTreeMap<String, T>> {
        self.json(Req::new(
            Method::GET,
            self.space_url(id, &[kind]),
            Some(token),
        ))
        .await
    }

    /// `POST /api/spaces/{id}/pause`: stops the Space's hardware (and its bill) until it is
    /// restarted.
    pub async fn pause_space(&self, id: &RepoId, token: &Token) -> HubResult<SpaceRuntime> {
        self.json(Req::new(
            Method::POST,
            self.space_url(id, &["pause"]),
            Some(token),
        ))
        .await
    }

    /// `GET /api/spaces/hardware`: Space flavors with prices (same shape as Jobs').
    pub async fn spaces_hardware(
        &self,
        token: Option<&Token>,
    ) -> HubResult<Vec<crate::jobs::HardwareFlavor>> {
        self.json(Req::new(
            Method::GET,
            self.url(&["api", "spaces", "hardware"]),
            token,
        ))
        .await
    }

    /// Polls the runtime every `poll` until the Space is `RUNNING` (returned), reaches a
    /// failed stage (returned too: check [`SpaceStage::is_failed`]), or `timeout` passes
    /// (`HubError::Timeout`). `NO_APP_FILE` keeps it polling, as right after a commit the
    /// Hub may not have seen the app file yet. RUNNING is not "working": call the app's
    /// API afterwards.
    pub async fn wait_for_space(
        &self,
        id: &RepoId,
        poll: Duration,
        timeout: Duration,
        token: &Token,
    ) -> HubResult<SpaceRuntime> {
        let wait = async {
            loop {
                let rt = self.space_runtime(id, token).await?;
                if rt.is_running() || rt.stage.is_failed() {
                    return Ok(rt);
                }
                tokio::time::sleep(poll).await;
            }
        };
        tokio::time::timeout(timeout, wait).await.map_err(|_| {
            crate::error::HubError::Timeout(format!(
                "Space {id} not running after {} s",
                timeout.as_secs()
            ))
        })?
    }

    /// `GET /api/spaces/{id}/logs/{build|run}` as a stream of log lines. Empty keep-alive
    /// events are skipped; the stream ends when the Hub closes it or `idle` passes with
    /// no event (then the last item is `HubError::Timeout`).
    pub async fn space_logs(
        &self,
        id: &RepoId,
        kind: SpaceLogKind,
        idle: Duration,
        token: &Token,
    ) -> HubResult<HubStream<LogLine>> {
        let which = match kind {
            SpaceLogKind::Build => "build",
            SpaceLogKind::Run => "run",
        };
        let req = Req::new(
            Method::GET,
            self.space_url(id, &["logs", which]),
            Some(token),
        )
        .header(
            reqwest::header::ACCEPT,
            reqwest::header::HeaderValue::from_static("text/event-stream"),
        )
        .streaming();
        let resp = self.send(req).await?;
        Ok(Box::pin(sse::events(resp, idle).filter_map(
            |r| async move {
                match r {
                    Ok(ev) => sse::log_line(&ev).transpose(),
                    Err(e) => Some(Err(e)),
                }
            },
        )))
    }
}
