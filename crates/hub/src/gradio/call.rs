//! Calling a Gradio app: discovery, `/call` + SSE, `/run`, and file downloads.

use std::time::Duration;

use futures_util::StreamExt;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{json, Value};
use url::Url;

use crate::apps::AppTarget;
use crate::client::{parse_base, HubClient};
use crate::error::{HubError, HubResult};
use crate::gradio::types::{ApiInfo, FileData, GradioConfig};
use crate::sse;

/// A connected Gradio app: where it is (with the token, if private), and its `/config`.
#[derive(Debug, Clone)]
pub struct GradioApp {
    hub: HubClient,
    app: AppTarget,
    api_base: Url,
    config: GradioConfig,
    /// Longest wait for one call's result (the stream is read once, never re-read).
    pub call_timeout: Duration,
}

#[derive(Deserialize)]
struct EventId {
    event_id: String,
}

/// Normalises `upper` / `/upper` to `upper`, rejecting names that would change the URL.
fn api_name(name: &str) -> HubResult<&str> {
    let n = name.trim_start_matches('/');
    if n.is_empty()
        || !n
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
    {
        return Err(HubError::InvalidInput(format!(
            "`{name}` is not a Gradio api name"
        )));
    }
    Ok(n)
}

/// The message of an error payload: `{"error": "msg"}`, a bare string, or nothing.
/// Gradio 4 quotes `gr.Error` text with repr (`'bad input'`); the quotes are removed.
fn error_message(v: &Value) -> Option<String> {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Object(o) => o.get("error")?.as_str()?.to_owned(),
        _ => return None,
    };
    let s = s
        .strip_prefix('\'')
        .and_then(|x| x.strip_suffix('\''))
        .map(str::to_owned)
        .unwrap_or(s);
    Some(s)
}

impl HubClient {
    /// Connects to the Gradio app `app` (a Space's host, or a local URL, including any
    /// mount path) by reading its `/config`. A private Space's token goes with every
    /// request the proxy's way ([`AppTarget`]).
    pub async fn gradio(&self, app: &AppTarget) -> HubResult<GradioApp> {
        let base = app.base().clone();
        let config: GradioConfig = self
            .json(app.request(Method::GET, crate::client::join(&base, &["config"]))?)
            .await?;
        // The API lives under the URL we reached the app at, plus api_prefix. `config.root`
        // is built from the Host header and is wrong behind a proxy, so only its role (the
        // base) is kept, not its value.
        let api_base = match config.api_prefix.as_deref().map(|p| p.trim_matches('/')) {
            Some(p) if !p.is_empty() => parse_base(crate::client::join(&base, &[p]).as_str())?,
            _ => base.clone(),
        };
        Ok(GradioApp {
            hub: self.clone(),
            app: app.clone(),
            api_base,
            config,
            call_timeout: Duration::from_secs(300),
        })
    }
}

impl GradioApp {
    /// The app's `/config`.
    pub fn config(&self) -> &GradioConfig {
        &self.config
    }

    /// The base URL the app was reached at.
    pub fn base(&self) -> &Url {
        self.app.base()
    }

    /// `{base}{api_prefix}/` (just `{base}/` on Gradio 4).
    pub fn api_base(&self) -> &Url {
        &self.api_base
    }

    fn api_url(&self, segs: &[&str]) -> Url {
        crate::client::join(&self.api_base, segs)
    }

    /// `GET {api_prefix}/info`: endpoints and their parameters.
    pub async fn info(&self) -> HubResult<ApiInfo> {
        self.hub
            .json(self.app.request(Method::GET, self.api_url(&["info"]))?)
            .await
    }

    /// Calls an endpoint with positional inputs through `POST /call/{api}` and reads its
    /// SSE result once (with `call_timeout`). Returns the `complete` outputs.
    ///
    /// On Gradio 4/5 an `error` event carries no message (`HubError::App(None)`); use
    /// [`GradioApp::run`] when the `gr.Error` text matters there.
    pub async fn call(&self, api: &str, inputs: Vec<Value>) -> HubResult<Vec<Value>> {
        let name = api_name(api)?;
        // Never send a session_hash to /call (it breaks the GET on 4/5).
        let post = self
            .app
            .request(Method::POST, self.api_url(&["call", name]))?
            .json(json!({ "data": inputs }))
            .retry_network_only();
        let id: EventId = self.hub.json(post).await?;
        let get = self
            .app
            .request(Method::GET, self.api_url(&["call", name, &id.event_id]))?
            .streaming()
            .retry_network_only();
        let resp = self.hub.send(get).await?;
        // Heartbeats come every 15 s, so a 60 s silence means the stream is dead.
        let mut events = sse::events(resp, Duration::from_secs(60));
        let read = async {
            while let Some(ev) = events.next().await {
                let ev = ev?;
                match ev.event.as_str() {
                    "complete" => {
                        let v: Value = serde_json::from_str(&ev.data)
                            .map_err(|e| HubError::Protocol(format!("bad complete event: {e}")))?;
                        return match v {
                            Value::Array(a) => Ok(a),
                            other => Err(HubError::Protocol(format!(
                                "complete event is not a list: {other}"
                            ))),
                        };
                    }
                    "error" => {
                        let v: Value = serde_json::from_str(&ev.data).unwrap_or(Value::Null);
                        return Err(HubError::App(error_message(&v)));
                    }
                    _ => {} // generating, heartbeat
                }
            }
            Err(HubError::Protocol(
                "the call's event stream ended without a result".into(),
            ))
        };
        tokio::time::timeout(self.call_timeout, read)
            .await
            .map_err(|_| HubError::Timeout(format!("no result from /{name}")))?
    }

    /// Calls an endpoint through `POST /run/{api}` (no queue, no stream). Unlike `/call`,
    /// its failure answer (HTTP 500 JSON) carries the `gr.Error` text on Gradio 4, 5 and 6.
    pub async fn run(&self, api: &str, inputs: Vec<Value>) -> HubResult<Vec<Value>> {
        let name = api_name(api)?;
        let req = self
            .app
            .request(Method::POST, self.api_url(&["run", name]))?
            .json(json!({ "data": inputs }))
            .no_retry();
        match self.hub.json::<Value>(req).await {
            Ok(v) => match v.get("data") {
                Some(Value::Array(a)) => Ok(a.clone()),
                _ => Err(HubError::Protocol(format!(
                    "/run answer has no data list: {v}"
                ))),
            },
            Err(HubError::Server { message, .. }) => {
                let v: Value = serde_json::from_str(&message).unwrap_or(Value::String(message));
                Err(HubError::App(error_message(&v)))
            }
            Err(e) => Err(e),
        }
    }

    /// Calls an endpoint through the queue protocol `gradio_client` itself uses
    /// (`POST /queue/join`, then `GET /queue/data?session_hash=…`). Slower than `/call`, but
    /// on Gradio 4, 5 and 6 a failure carries the `gr.Error` text.
    pub async fn predict(&self, api: &str, inputs: Vec<Value>) -> HubResult<Vec<Value>> {
        let name = api_name(api)?;
        let fn_index = self.fn_index(name)?;
        let session = session_hash();
        let join = self
            .app
            .request(Method::POST, self.api_url(&["queue", "join"]))?
            .json(
                json!({"data": inputs, "fn_index": fn_index, "session_hash": session,
                         "event_data": null, "trigger_id": null}),
            )
            .retry_network_only();
        let id: EventId = self.hub.json(join).await?;
        let data = self
            .app
            .request(Method::GET, self.api_url(&["queue", "data"]))?
            .query("session_hash", session.clone())
            .streaming()
            .retry_network_only();
        let resp = self.hub.send(data).await?;
        let mut events = sse::events(resp, Duration::from_secs(60));
        let read = async {
            while let Some(ev) = events.next().await {
                let ev = ev?;
                let msg: Value = match serde_json::from_str(&ev.data) {
                    Ok(v) => v,
                    Err(_) => continue,
                };
                let mine = msg.get("event_id").and_then(Value::as_str) == Some(&id.event_id);
                match msg.get("msg").and_then(Value::as_str) {
                    Some("process_completed") if mine => {
                        let out = msg.get("output").cloned().unwrap_or(Value::Null);
                        if msg.get("success").and_then(Value::as_bool) == Some(true) {
                            return match out.get("data") {
                                Some(Value::Array(a)) => Ok(a.clone()),
                                _ => Err(HubError::Protocol(format!("no data in {out}"))),
                            };
                        }
                        return Err(HubError::App(error_message(&out)));
                    }
                    Some("unexpected_error") => {
                        let m = msg.get("message").cloned().unwrap_or(Value::Null);
                        return Err(HubError::App(error_message(&m)));
                    }
                    Some("close_stream") => break,
                    _ => {} // estimation, process_starts, process_generating, heartbeat
                }
            }
            Err(HubError::Protocol(
                "the queue stream ended without a result".into(),
            ))
        };
        tokio::time::timeout(self.call_timeout, read)
            .await
            .map_err(|_| HubError::Timeout(format!("no result from /{name}")))?
    }

    /// The `fn_index` of an api name: `dependencies[i].id`, or `i` when there is no id.
    fn fn_index(&self, name: &str) -> HubResult<u64> {
        self.config
            .dependencies
            .iter()
            .enumerate()
            .find(|(_, d)| {
                d.get("api_name")
                    .and_then(Value::as_str)
                    .map(|n| n.trim_start_matches('/'))
                    == Some(name)
            })
            .map(|(i, d)| d.get("id").and_then(Value::as_u64).unwrap_or(i as u64))
            .ok_or_else(|| HubError::InvalidInput(format!("the app has no endpoint `/{name}`")))
    }

    /// Downloads a file output (`GET {api_prefix}/file={path}`, built from `path` because
    /// Gradio 4's `/call` URLs are wrong).
    pub async fn download(&self, file: &FileData) -> HubResult<Vec<u8>> {
        if file.path.contains("..") {
            return Err(HubError::InvalidInput(format!(
                "suspicious file path `{}`",
                file.path
            )));
        }
        let url = Url::parse(&format!("{}file={}", self.api_base, file.path))
            .map_err(|e| HubError::InvalidInput(format!("bad file path: {e}")))?;
        let resp = self.hub.send(self.app.request(Method::GET, url)?).await?;
        Ok(resp.bytes().await.map_err(HubError::network)?.to_vec())
    }
}

/// A per-call session id for the queue protocol (not a secret; unique enough).
fn session_hash() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("sf{:x}{:x}", nanos, COUNTER.fetch_add(1, Ordering::Relaxed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_error_messages() {
        assert_eq!(api_name("/upper").unwrap(), "upper");
        assert_eq!(api_name("upper").unwrap(), "upper");
        assert!(api_name("../x").is_err() && api_name("").is_err() && api_name("a/b").is_err());
        assert_eq!(
            error_message(&json!({"error":"bad input","title":"Error"})).as_deref(),
            Some("bad input")
        );
        assert_eq!(
            error_message(&json!({"error":"'bad input'"})).as_deref(),
            Some("bad input")
        );
        assert_eq!(error_message(&json!({"error":null})), None);
        assert_eq!(error_message(&Value::Null), None);
    }
}
