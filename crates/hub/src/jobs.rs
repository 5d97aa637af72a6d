//! Hugging Face Jobs: create (image or Space, command, env, encrypted secrets, flavor,
//! timeout, labels, bucket volumes), get, list by label, cancel, follow logs, hardware list.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use futures_util::StreamExt;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::{HubClient, Req};
use crate::error::{HubError, HubResult};
use crate::sse::{self, HubStream, LogLine};
use crate::token::Token;
use crate::RepoId;

/// Where a Job's container comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobImage {
    /// A Docker image, e.g. `python:3.12`.
    Docker(String),
    /// A Space's image (`spaceId`).
    Space(RepoId),
}

/// A volume mounted into the Job (a bucket at `/output` for the factory).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Volume {
    /// `bucket`, `model`, `dataset` or `space`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `namespace/name`.
    pub source: String,
    /// Absolute path inside the container.
    pub mount_path: String,
    /// Read-only mount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    /// Sub-folder of the source to mount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

impl Volume {
    /// A read-write bucket mount.
    pub fn bucket(bucket: &RepoId, mount_path: &str) -> Volume {
        Volume {
            kind: "bucket".into(),
            source: bucket.to_string(),
            mount_path: mount_path.into(),
            read_only: None,
            path: None,
        }
    }
}

/// The encrypted secrets of a run's Job: the user's token, and a custom model endpoint's own
/// key when the run's agent talks to one (so the token never has to go there).
#[derive(Debug, Clone, Copy)]
pub struct RunSecrets<'a> {
    /// The user's token, as [`runs::job::TOKEN_SECRET`].
    pub token: &'a Token,
    /// The endpoint's key, as [`runs::job::ENDPOINT_KEY_SECRET`].
    pub endpoint_key: Option<&'a runs::job::EndpointKey>,
}

impl<'a> RunSecrets<'a> {
    /// Only the user's token.
    pub fn token(token: &'a Token) -> RunSecrets<'a> {
        RunSecrets {
            token,
            endpoint_key: None,
        }
    }
}

/// Everything `POST /api/jobs/{namespace}` takes.
///
/// `Debug` hides secret values: they hold the user's token.
#[derive(Clone)]
pub struct JobSpec {
    /// Image or Space.
    pub image: JobImage,
    /// Command (argv).
    pub command: Vec<String>,
    /// Extra arguments.
    pub arguments: Vec<String>,
    /// Plain environment.
    pub env: BTreeMap<String, String>,
    /// Encrypted secrets (values never read back).
    pub secrets: BTreeMap<String, String>,
    /// Hardware flavor (`cpu-basic` default).
    pub flavor: String,
    /// Timeout in seconds.
    pub timeout_seconds: Option<u64>,
    /// Labels (keys/values `[A-Za-z0-9._-]`, ≤100 chars).
    pub labels: BTreeMap<String, String>,
    /// Mounted volumes.
    pub volumes: Vec<Volume>,
}

impl std::fmt::Debug for JobSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobSpec")
            .field("image", &self.image)
            .field("command", &self.command)
            .field("env", &self.env.keys().collect::<Vec<_>>())
            .field("secrets", &self.secrets.keys().collect::<Vec<_>>())
            .field("flavor", &self.flavor)
            .field("labels", &self.labels)
            .field("volumes", &self.volumes)
            .finish()
    }
}

impl JobSpec {
    /// A Job running `command` in a Docker image on `cpu-basic`.
    pub fn docker(image: impl Into<String>, command: Vec<String>) -> JobSpec {
        JobSpec::new(JobImage::Docker(image.into()), command)
    }

    /// The Job that carries out one factory run, as the contract in [`runs::job`] says: the
    /// worker's command in `image`, the spec (JSON, passed as given so a refused one can be
    /// tried too) in [`runs::RUN_SPEC_ENV`], the user's token as the encrypted secret
    /// [`runs::job::TOKEN_SECRET`] and an endpoint key, when given, as
    /// [`runs::job::ENDPOINT_KEY_SECRET`], the bucket mounted read-write at `mount`, and the labels
    /// a run is found by. One builder for the server and the tests; each adds its own
    /// environment, hardware and timeout.
    pub fn for_run(
        image: JobImage,
        spec_json: String,
        run_id: &str,
        phase: runs::Phase,
        bucket: &RepoId,
        mount: &str,
        secrets: RunSecrets<'_>,
    ) -> JobSpec {
        use runs::job;
        let mut spec = JobSpec::new(
            image,
            job::JOB_COMMAND.iter().map(|s| s.to_string()).collect(),
        );
        spec.env.insert(runs::RUN_SPEC_ENV.into(), spec_json);
        spec.secrets
            .insert(job::TOKEN_SECRET.into(), secrets.token.expose().to_owned());
        if let Some(key) = secrets.endpoint_key {
            spec.secrets
                .insert(job::ENDPOINT_KEY_SECRET.into(), key.expose().to_owned());
        }
        spec.volumes.push(Volume::bucket(bucket, mount));
        spec.labels
            .insert(job::LABEL_APP.into(), job::LABEL_APP_VALUE.into());
        spec.labels.insert(job::LABEL_RUN_ID.into(), run_id.into());
        spec.labels
            .insert(job::LABEL_PHASE.into(), phase.id().into());
        spec
    }

    /// A Job running `command` in a Docker image or a Space's image on `cpu-basic`.
    pub fn new(image: JobImage, command: Vec<String>) -> JobSpec {
        JobSpec {
            image,
            command,
            arguments: Vec::new(),
            env: BTreeMap::new(),
            secrets: BTreeMap::new(),
            flavor: "cpu-basic".into(),
            timeout_seconds: None,
            labels: BTreeMap::new(),
            volumes: Vec::new(),
        }
    }

    /// Checks what the Hub would reject, before sending.
    pub fn validate(&self) -> HubResult<()> {
        if self.command.is_empty() {
            return Err(HubError::InvalidInput("a Job needs a command".into()));
        }
        for (k, v) in &self.labels {
            check_label(k)?;
            if !v.is_empty() {
                check_label(v)?;
            }
        }
        for v in &self.volumes {
            if !v.mount_path.starts_with('/') || v.mount_path == "/" {
                return Err(HubError::InvalidInput(format!(
                    "mount path `{}` must be absolute and not `/`",
                    v.mount_path
                )));
            }
        }
        Ok(())
    }

    pub(crate) fn payload(&self) -> Value {
        let mut v = serde_json::json!({
            "command": self.command,
            "arguments": self.arguments,
            "environment": self.env,
            "flavor": self.flavor,
            "labels": self.labels,
        });
        let o = v.as_object_mut().expect("object");
        match &self.image {
            JobImage::Docker(i) => o.insert("dockerImage".into(), i.clone().into()),
            JobImage::Space(s) => o.insert("spaceId".into(), s.to_string().into()),
        };
        if !self.secrets.is_empty() {
            o.insert("secrets".into(), serde_json::json!(self.secrets));
        }
        if let Some(t) = self.timeout_seconds {
            o.insert("timeoutSeconds".into(), t.into());
        }
        if !self.volumes.is_empty() {
            o.insert("volumes".into(), serde_json::json!(self.volumes));
        }
        v
    }
}

fn check_label(s: &str) -> HubResult<()> {
    if s.is_empty()
        || s.len() > 100
        || !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(HubError::InvalidInput(format!(
            "`{s}` is not a valid Job label (1-100 of A-Z a-z 0-9 . _ -)"
        )));
    }
    Ok(())
}

pub use runs::stage::JobStage;

/// A Job's status.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct JobStatus {
    /// `SCHEDULING`, `RUNNING`, `COMPLETED`, `CANCELED`, `ERROR`, `DELETED`, … (open: the Hub
    /// may add stages).
    pub stage: JobStage,
    /// e.g. "Job timeout".
    #[serde(default)]
    pub message: Option<String>,
}

impl JobStatus {
    /// Whether the Job is over (COMPLETED/CANCELED/ERROR/DELETED).
    pub fn is_terminal(&self) -> bool {
        self.stage.is_terminal()
    }
}

/// A Job's owner.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct JobOwner {
    /// Owner id.
    #[serde(default)]
    pub id: Option<String>,
    /// Namespace.
    pub name: String,
    /// `user` / `org`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

/// `JobInfo` as the Hub returns it; unknown keys stay in `extra`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobInfo {
    /// Job id.
    pub id: String,
    /// Owner.
    pub owner: JobOwner,
    /// Status.
    pub status: JobStatus,
    /// Labels (`null` reads as none).
    #[serde(default, deserialize_with = "crate::lenient::null_as_default")]
    pub labels: BTreeMap<String, String>,
    /// Flavor.
    #[serde(default)]
    pub flavor: Option<String>,
    /// Creation time.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Secret names (values are never returned).
    #[serde(default)]
    pub secrets: Option<Value>,
    /// Everything else.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// One entry of `GET /api/jobs/hardware`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HardwareFlavor {
    /// Flavor name (`cpu-basic`, …).
    pub name: String,
    /// Display name.
    #[serde(default)]
    pub pretty_name: Option<String>,
    /// CPU description.
    #[serde(default)]
    pub cpu: Option<Value>,
    /// RAM description.
    #[serde(default)]
    pub ram: Option<Value>,
    /// Accelerator, when any.
    #[serde(default)]
    pub accelerator: Option<Value>,
    /// Price per unit in micro-USD.
    #[serde(default)]
    pub unit_cost_micro_usd: Option<f64>,
    /// Price per unit in USD.
    #[serde(default, rename = "unitCostUSD")]
    pub unit_cost_usd: Option<f64>,
    /// Unit (`minute`, `hour`).
    #[serde(default)]
    pub unit_label: Option<String>,
}

/// How `follow_job_logs` reconnects; configurable because the Hub's behaviour here is
/// only read from client sources (docs/HUB.md#job-logs), not verified live.
#[derive(Debug, Clone)]
pub struct FollowLogs {
    /// Longest silence on one connection before it is dropped and status is checked.
    pub idle: Duration,
    /// Pause before reconnecting when the Job is not terminal yet.
    pub reconnect_delay: Duration,
    /// Give up after this many reconnects (0 = unlimited).
    pub max_reconnects: usize,
}

impl Default for FollowLogs {
    fn default() -> Self {
        FollowLogs {
            idle: Duration::from_secs(120),
            reconnect_delay: Duration::from_secs(2),
            max_reconnects: 0,
        }
    }
}

impl HubClient {
    fn jobs_url(&self, ns: &str, rest: &[&str]) -> url::Url {
        let mut segs = vec!["api", "jobs", ns];
        segs.extend_from_slice(rest);
        self.url(&segs)
    }

    /// `POST /api/jobs/{namespace}`. Never retried: a retry could start a second Job.
    pub async fn create_job(
        &self,
        namespace: &str,
        spec: &JobSpec,
        token: &Token,
    ) -> HubResult<JobInfo> {
        check_namespace(namespace)?;
        spec.validate()?;
        let req = Req::new(Method::POST, self.jobs_url(namespace, &[]), Some(token))
            .json(spec.payload())
            .no_retry();
        self.json(req).await
    }

    /// `GET /api/jobs/{namespace}/{id}`.
    pub async fn job(&self, namespace: &str, id: &str, token: &Token) -> HubResult<JobInfo> {
        check_namespace(namespace)?;
        check_job_id(id)?;
        self.json(Req::new(
            Method::GET,
            self.jobs_url(namespace, &[id]),
            Some(token),
        ))
        .await
    }

    /// `GET /api/jobs/{namespace}?label=k=v…`, following `Link: rel="next"` pages.
    pub async fn list_jobs(
        &self,
        namespace: &str,
        labels: &[(&str, &str)],
        token: &Token,
    ) -> HubResult<Vec<JobInfo>> {
        check_namespace(namespace)?;
        let mut req = Req::new(Method::GET, self.jobs_url(namespace, &[]), Some(token));
        for (k, v) in labels {
            req = req.query("label", format!("{k}={v}"));
        }
        self.paginated(req).await
    }

    /// `POST /api/jobs/{namespace}/{id}/cancel`.
    pub async fn cancel_job(&self, namespace: &str, id: &str, token: &Token) -> HubResult<()> {
        check_namespace(namespace)?;
        check_job_id(id)?;
        self.unit(Req::new(
            Method::POST,
            self.jobs_url(namespace, &[id, "cancel"]),
            Some(token),
        ))
        .await
    }

    /// `GET /api/jobs/hardware`: flavors with prices.
    pub async fn jobs_hardware(&self, token: Option<&Token>) -> HubResult<Vec<HardwareFlavor>> {
        self.json(Req::new(
            Method::GET,
            self.url(&["api", "jobs", "hardware"]),
            token,
        ))
        .await
    }

    /// One connection to `GET /api/jobs/{ns}/{id}/logs` (optionally `?tail=N`): the lines
    /// until the Hub closes the stream or `idle` passes without an event.
    pub async fn job_logs(
        &self,
        namespace: &str,
        id: &str,
        tail: Option<u32>,
        idle: Duration,
        token: &Token,
    ) -> HubResult<HubStream<LogLine>> {
        check_namespace(namespace)?;
        check_job_id(id)?;
        let mut req = Req::new(
            Method::GET,
            self.jobs_url(namespace, &[id, "logs"]),
            Some(token),
        )
        .header(
            reqwest::header::ACCEPT,
            reqwest::header::HeaderValue::from_static("text/event-stream"),
        )
        .streaming();
        if let Some(t) = tail {
            req = req.query("tail", t.to_string());
        }
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

    /// Follows a Job's logs to the end, the way `hf jobs logs -f` does
    /// (docs/HUB.md#job-logs): when a connection ends (or stays silent for `idle`) the
    /// Job's stage is checked; if it is not terminal the stream is re-opened and lines
    /// already seen (same timestamp and text) are skipped. `===== Job started` banners are
    /// dropped. Ends after the Job is terminal.
    pub fn follow_job_logs(
        &self,
        namespace: &str,
        id: &str,
        opts: FollowLogs,
        token: &Token,
    ) -> HubStream<LogLine> {
        let (tx, rx) = tokio::sync::mpsc::channel::<HubResult<LogLine>>(64);
        let client = self.clone();
        let (ns, id, token) = (namespace.to_owned(), id.to_owned(), token.clone());
        tokio::spawn(async move {
            let mut seen: HashSet<(Option<String>, String)> = HashSet::new();
            let mut reconnects = 0usize;
            loop {
                // The reader went away: stop polling the Hub for it.
                if tx.is_closed() {
                    return;
                }
                match client.job_logs(&ns, &id, None, opts.idle, &token).await {
                    Ok(mut s) => {
                        // The reader going away closes the connection at once, not at the
                        // next line (a quiet Job may log nothing for minutes).
                        while let Some(item) = tokio::select! {
                            item = s.next() => item,
                            () = tx.closed() => return,
                        } {
                            match item {
                                Ok(line) => {
                                    if line.is_job_start_banner() {
                                        continue;
                                    }
                                    let key = (line.timestamp.clone(), line.data.clone());
                                    if seen.insert(key) && tx.send(Ok(line)).await.is_err() {
                                        return;
                                    }
                                }
                                // A silent or broken connection: check status below.
                                Err(HubError::Timeout(_)) | Err(HubError::Network(_)) => break,
                                Err(e) => {
                                    let _ = tx.send(Err(e)).await;
                                    return;
                                }
                            }
                        }
                    }
                    Err(e) if e.is_transient() => {}
                    Err(e) => {
                        let _ = tx.send(Err(e)).await;
                        return;
                    }
                }
                match client.job(&ns, &id, &token).await {
                    Ok(j) if j.status.is_terminal() => return,
                    Ok(_) => {}
                    Err(e) => {
                        let _ = tx.send(Err(e)).await;
                        return;
                    }
                }
                reconnects += 1;
                if opts.max_reconnects != 0 && reconnects > opts.max_reconnects {
                    let _ = tx
                        .send(Err(HubError::Timeout(format!(
                            "job logs: gave up after {} reconnects",
                            opts.max_reconnects
                        ))))
                        .await;
                    return;
                }
                tokio::time::sleep(opts.reconnect_delay).await;
            }
        });
        Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|x| (x, rx))
        }))
    }

    /// Reads a list endpoint page by page, following `Link: <…>; rel="next"`.
    pub(crate) async fn paginated<T: serde::de::DeserializeOwned>(
        &self,
        first: Req,
    ) -> HubResult<Vec<T>> {
        Ok(self.paginated_upto(first, usize::MAX).await?.0)
    }

    /// Follows pages until at least `max` items arrived or there are no more; the items and
    /// whether a next page was left unread.
    pub(crate) async fn paginated_upto<T: serde::de::DeserializeOwned>(
        &self,
        first: Req,
        max: usize,
    ) -> HubResult<(Vec<T>, bool)> {
        let mut out = Vec::new();
        let mut req = first;
        for _ in 0..10_000 {
            let resp = self.send(req.clone()).await?;
            let next = resp
                .headers()
                .get_all(reqwest::header::LINK)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find_map(next_link);
            let bytes = resp.bytes().await.map_err(HubError::network)?;
            let page: Vec<T> = serde_json::from_slice(&bytes)
                .map_err(|e| HubError::Protocol(format!("bad list page: {e}")))?;
            out.extend(page);
            match next {
                Some(_) if out.len() >= max => return Ok((out, true)),
                Some(n) => {
                    let url = req
                        .url
                        .join(&n)
                        .map_err(|e| HubError::Protocol(format!("bad next link `{n}`: {e}")))?;
                    req.url = url;
                    req.query.clear();
                }
                None => return Ok((out, false)),
            }
        }
        Err(HubError::Protocol("too many pages".into()))
    }
}

/// The `rel="next"` target of a `Link` header value.
pub(crate) fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let mut pieces = part.split(';');
        let target = pieces.next()?.trim();
        let is_next = pieces.any(|p| {
            let p = p.trim().replace(' ', "");
            p == "rel=\"next\"" || p == "rel=next"
        });
        (is_next && target.starts_with('<') && target.ends_with('>'))
            .then(|| target[1..target.len() - 1].to_owned())
    })
}

/// A namespace must pass the same rules as a repo id's owner.
pub(crate) fn check_namespace(ns: &str) -> HubResult<()> {
    runs::repo_id::check_part(ns, ns, "namespace")
        .map_err(|e| HubError::InvalidInput(e.to_string()))
}

fn check_job_id(id: &str) -> HubResult<()> {
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(HubError::InvalidInput(format!("`{id}` is not a Job id")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use runs::job::TOKEN_SECRET;

    #[test]
    fn payload_has_the_hub_keys_and_debug_hides_secrets() {
        let mut s = JobSpec::docker("python:3.12", vec!["worker".into(), "run".into()]);
        s.env.insert("RUN_SPEC".into(), "{}".into());
        s.secrets.insert(TOKEN_SECRET.into(), "hf_secret".into());
        s.timeout_seconds = Some(600);
        s.labels.insert("run_id".into(), "01ABC".into());
        s.volumes
            .push(Volume::bucket(&"alice/runs".parse().unwrap(), "/output"));
        s.validate().unwrap();
        let p = s.payload();
        assert_eq!(p["dockerImage"], "python:3.12");
        assert_eq!(p["command"][1], "run");
        assert_eq!(p["environment"]["RUN_SPEC"], "{}");
        assert_eq!(p["secrets"][TOKEN_SECRET], "hf_secret");
        assert_eq!(p["timeoutSeconds"], 600);
        assert_eq!(p["labels"]["run_id"], "01ABC");
        assert_eq!(p["volumes"][0]["type"], "bucket");
        assert_eq!(p["volumes"][0]["mountPath"], "/output");
        assert!(!format!("{s:?}").contains("hf_secret"));
        s.image = JobImage::Space("alice/sp".parse().unwrap());
        assert_eq!(s.payload()["spaceId"], "alice/sp");
    }

    #[test]
    fn a_runs_job_carries_the_endpoint_key_as_its_own_secret_only_when_given() {
        use runs::job::{EndpointKey, ENDPOINT_KEY_SECRET};
        let token = Token::new("hf_user_token");
        let key = EndpointKey::new("sk-endpoint").unwrap();
        let bucket: RepoId = "alice/runs".parse().unwrap();
        let job = |secrets| {
            JobSpec::for_run(
                JobImage::Docker("w".into()),
                "{}".into(),
                "01ABC",
                runs::Phase::PiSmokeTest,
                &bucket,
                "/output",
                secrets,
            )
        };
        let plain = job(RunSecrets::token(&token));
        assert_eq!(plain.secrets.keys().collect::<Vec<_>>(), [TOKEN_SECRET]);
        let keyed = job(RunSecrets {
            token: &token,
            endpoint_key: Some(&key),
        });
        assert_eq!(keyed.secrets[ENDPOINT_KEY_SECRET], "sk-endpoint");
        assert_eq!(keyed.secrets[TOKEN_SECRET], "hf_user_token");
        let payload = keyed.payload();
        assert_eq!(payload["secrets"][ENDPOINT_KEY_SECRET], "sk-endpoint");
        assert!(!payload["environment"].to_string().contains("sk-endpoint"));
        assert!(!format!("{keyed:?}").contains("sk-endpoint"));
    }

    #[test]
    fn bad_specs_are_rejected() {
        let mut s = JobSpec::docker("x", vec![]);
        assert!(s.validate().is_err());
        s.command.push("true".into());
        s.labels.insert("bad label".into(), "v".into());
        assert!(s.validate().is_err());
        s.labels.clear();
        s.volumes
            .push(Volume::bucket(&"a/b".parse().unwrap(), "rel"));
        assert!(s.validate().is_err());
        assert!(check_namespace("../x").is_err());
        assert!(check_job_id("a/b").is_err());
    }

    #[test]
    fn link_header_next() {
        assert_eq!(
            next_link(r#"<https://hf.co/api/jobs/a?cursor=2>; rel="next""#).as_deref(),
            Some("https://hf.co/api/jobs/a?cursor=2")
        );
        assert_eq!(
            next_link(r#"<x>; rel="prev", <y>; rel="next""#).as_deref(),
            Some("y")
        );
        assert_eq!(next_link(r#"<x>; rel="prev""#), None);
        assert!(
            JobStage::from("COMPLETED").is_terminal() && !JobStage::from("RUNNING").is_terminal()
        );
    }
}
