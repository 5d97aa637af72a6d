//! Jobs as local processes: create, inspect, list (label/stage filters), cancel, logs (SSE),
//! hardware with prices.
//!
//! **Image → command.** The Job's `dockerImage` is recorded; [`ImageMap`] maps an image name
//! to a command prefix (e.g. `python:3.12` → `["/usr/bin/env"]`), and images not in the map
//! run the command as-is on the host. The process gets a container's environment, not this
//! host's: `PATH`, a fresh `HOME` and `TMPDIR` under the Job's folder, `HF_ENDPOINT` (this
//! hub) and `HF_INFERENCE_URL` (its router), then the Job's `environment` + `secrets`, plus
//! `JOB_ID`, `ACCELERATOR`, `CPU_CORES`, `MEMORY`. It runs in the folder `DATA/jobs/{id}`.
//! Stdout and stderr (line by line) are the log stream.
//!
//! **Bucket mounts.** A bucket volume `{source: "ns/b", mountPath: "/output"}` reaches the
//! process at exactly `/output`: the command is wrapped in `unshare --mount --propagation
//! private` (as root) or `unshare --user --map-root-user --mount --propagation private`
//! (otherwise), and a small `sh` prelude does `mkdir -p /output && mount --bind FOLDER
//! /output` (then `remount,ro` for `readOnly`) before `exec`-ing the command. A writable
//! volume's FOLDER is a staging folder of the Job's own that publishes each file into the
//! bucket once it is closed, as the Hub's mount does ([`crate::mount`]); a read-only one is
//! the bucket's folder. The bind mount lives only in the Job's private mount namespace; the
//! empty mount point folder is created on the host. If neither `unshare` form works, a Job
//! with volumes is refused with 400. Only bucket volumes are supported (repo volumes: 400).
//! A Job reads as ended only once its mounts have published their last files.

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::auth::{scopes, Authed, Caller};
use crate::errors::{ApiError, ApiResult};
use crate::mount::StagedMount;
use crate::process::{signal_group, Stop};
use crate::spaces::CapturedLogLine;
use crate::store::now_iso;
use crate::AppState;

/// What a mapped image gives its process: a command prefix, folders ahead of `PATH` (where
/// the image's programs are) and the image's `ENV`, which the Job's own `environment` and
/// `secrets` override, as they do a Docker image's.
#[derive(Debug, Clone, Default)]
pub struct LocalImage {
    /// Put before the Job's command (e.g. `["/usr/bin/env"]`).
    pub prefix: Vec<String>,
    /// Folders put first on `PATH`.
    pub path_first: Vec<std::path::PathBuf>,
    /// Variables the image sets.
    pub env: Vec<(String, String)>,
}

/// Maps Docker image names to local stand-ins; unmapped images run commands as-is.
#[derive(Debug, Clone, Default)]
pub struct ImageMap(pub HashMap<String, LocalImage>);

impl ImageMap {
    /// The argv to run for an image and the Job's command + arguments.
    pub fn argv(&self, image: Option<&str>, command: &[String]) -> Vec<String> {
        let mut v = image
            .and_then(|i| self.0.get(i))
            .map(|i| i.prefix.clone())
            .unwrap_or_default();
        v.extend(command.iter().cloned());
        v
    }

    /// Lays the image's environment over a fresh container's `env`.
    pub fn apply_env(&self, image: Option<&str>, env: &mut BTreeMap<String, String>) {
        let Some(image) = image.and_then(|i| self.0.get(i)) else {
            return;
        };
        let path = env.get("PATH").cloned().unwrap_or_default();
        let joined = std::env::join_paths(
            image
                .path_first
                .iter()
                .cloned()
                .chain(std::env::split_paths(&path)),
        );
        if let Ok(joined) = joined {
            env.insert("PATH".into(), joined.to_string_lossy().into_owned());
        }
        env.extend(image.env.iter().cloned());
    }
}

/// A bucket (or repo) volume in a Job spec.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct JobVolume {
    #[serde(rename = "type")]
    kind: String,
    source: String,
    #[serde(rename = "mountPath")]
    mount_path: String,
    #[serde(rename = "readOnly", default, skip_serializing_if = "Option::is_none")]
    read_only: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    path: Option<String>,
}

/// Body of `POST /api/jobs/{ns}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateJob {
    docker_image: Option<String>,
    space_id: Option<String>,
    #[serde(default)]
    command: Vec<String>,
    #[serde(default)]
    arguments: Vec<String>,
    #[serde(default)]
    environment: BTreeMap<String, String>,
    #[serde(default)]
    secrets: BTreeMap<String, String>,
    flavor: Option<String>,
    timeout_seconds: Option<u64>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    volumes: Vec<JobVolume>,
}

/// A Job's record. Secret values are only kept until the process starts.
#[derive(Debug)]
struct Job {
    owner: Caller,
    info: Value,
    stage: String,
    message: Option<String>,
    started: Option<chrono::DateTime<chrono::Utc>>,
    finished: Option<chrono::DateTime<chrono::Utc>>,
    created: chrono::DateTime<chrono::Utc>,
    logs: Vec<CapturedLogLine>,
    pgid: Option<u32>,
    cancel_requested: bool,
}

impl Job {
    fn terminal(&self) -> bool {
        matches!(
            self.stage.as_str(),
            "COMPLETED" | "ERROR" | "CANCELED" | "DELETED"
        )
    }
    fn json(&self) -> Value {
        let mut v = self.info.clone();
        v["status"] = json!({"stage": self.stage, "message": self.message});
        v["startedAt"] = json!(self.started.map(iso));
        v["finishedAt"] = json!(self.finished.map(iso));
        let end = self.finished.unwrap_or_else(chrono::Utc::now);
        let sched = (self.started.unwrap_or(end) - self.created).num_milliseconds() as f64 / 1000.0;
        let run = self
            .started
            .map(|s| (end - s).num_milliseconds() as f64 / 1000.0)
            .unwrap_or(0.0);
        v["durations"] =
            json!({"schedulingSecs": sched, "runningSecs": run, "totalSecs": sched + run});
        v
    }
}

fn iso(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// All Jobs plus the image table.
#[derive(Debug, Default)]
pub struct Jobs {
    jobs: Mutex<HashMap<String, Job>>,
    /// Image → command prefix.
    pub images: ImageMap,
    /// Bumped whenever a Job logs a line or ends, so log streams wake at once instead of
    /// polling (a worker's event reaches its viewers as soon as it is printed).
    changed: tokio::sync::watch::Sender<u64>,
}

impl Jobs {
    /// With an image table.
    pub fn new(images: ImageMap) -> Self {
        Self {
            jobs: Mutex::new(HashMap::new()),
            images,
            changed: tokio::sync::watch::Sender::new(0),
        }
    }
    /// Tells the log streams that a Job logged or ended.
    fn touch(&self) {
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }
    fn with<R>(&self, id: &str, f: impl FnOnce(&mut Job) -> R) -> Option<R> {
        self.jobs.lock().expect("jobs").get_mut(id).map(f)
    }
    /// Kills every running Job (on shutdown).
    pub fn stop_all(&self) {
        for j in self.jobs.lock().expect("jobs").values() {
            if let Some(p) = j.pgid {
                signal_group(p, Stop::Force);
            }
        }
    }
}

/// Which `unshare` form gives us a private mount namespace here (probed once).
fn unshare_prefix() -> Option<&'static [&'static str]> {
    static PROBE: OnceLock<Option<&'static [&'static str]>> = OnceLock::new();
    *PROBE.get_or_init(|| {
        let forms: [&'static [&'static str]; 2] = [&["unshare", "--mount", "--propagation", "private"], &["unshare", "--user", "--map-root-user", "--mount", "--propagation", "private"]];
        forms.into_iter().find(|f| {
            std::process::Command::new(f[0])
                .args(&f[1..])
                .args(["sh", "-c", "d=$(mktemp -d) && mount --bind / \"$d\" && umount \"$d\"; r=$?; rmdir \"$d\"; exit $r"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
    })
}

/// Shell prelude that bind-mounts each `(host, mount, ro)` and execs the rest of argv.
const MOUNT_PRELUDE: &str = r#"n=$1; shift; i=0; while [ $i -lt $n ]; do src=$1; dst=$2; ro=$3; shift 3; mkdir -p "$dst" && mount --bind "$src" "$dst" || exit 125; if [ "$ro" = 1 ]; then mount -o remount,bind,ro "$dst" || exit 125; fi; i=$((i+1)); done; exec "$@""#;

fn push_log(s: &AppState, id: &str, text: &str) {
    s.jobs.with(id, |j| {
        j.logs.push(CapturedLogLine {
            timestamp: now_iso(),
            data: text.to_string(),
        })
    });
    s.jobs.touch();
}

fn finish(s: &AppState, id: &str, stage: &str, message: Option<String>) {
    s.jobs.with(id, |j| {
        if !j.terminal() {
            j.stage = stage.into();
            j.message = message;
            j.finished = Some(chrono::Utc::now());
            j.pgid = None;
        }
    });
    s.jobs.touch();
}

/// A Job runs exactly one image: a Docker image, or the image of a Docker Space the caller
/// can read (`spaceId`).
fn check_image(
    s: &AppState,
    c: &Caller,
    docker_image: Option<&str>,
    space_id: Option<&str>,
) -> ApiResult<()> {
    match (docker_image, space_id) {
        (Some(_), None) => Ok(()),
        (None, Some(id)) => {
            let space = crate::repos::find(s, crate::store::RepoKind::Space, id, Some(c))?;
            if space.sdk.as_deref() == Some("docker") {
                Ok(())
            } else {
                Err(ApiError::bad_request(format!(
                    "spaceId {id} is not a Docker Space: a Job can only run a Docker Space's image"
                )))
            }
        }
        _ => Err(ApiError::bad_request(
            "exactly one of dockerImage and spaceId is required",
        )),
    }
}

/// A validated volume: the bucket folder it shows, where, and whether read-only.
struct PlannedVolume {
    store: std::path::PathBuf,
    mount_path: String,
    read_only: bool,
}

/// Checks every volume of a Job spec before anything starts.
fn plan_volumes(s: &AppState, c: &Caller, volumes: &[JobVolume]) -> ApiResult<Vec<PlannedVolume>> {
    let mut planned = Vec::new();
    for v in volumes {
        if v.kind != "bucket" {
            return Err(ApiError::bad_request(format!(
                "localhub supports only bucket volumes, not {:?}",
                v.kind
            )));
        }
        if !v.mount_path.starts_with('/') || v.mount_path == "/" {
            return Err(ApiError::bad_request(
                "mountPath must be absolute and not /",
            ));
        }
        let bucket = crate::buckets::find(s, &v.source, Some(c))?;
        let read_only = v.read_only == Some(true);
        if !s.accounts.may_write_in(&c.user.name, &bucket.ns) && !read_only {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                format!("no write access to bucket {}", v.source),
            ));
        }
        let mut store = s.bucket_dir(&v.source);
        if let Some(p) = &v.path {
            store = crate::store::safe_join(&store, p)?;
        }
        planned.push(PlannedVolume {
            store,
            mount_path: v.mount_path.clone(),
            read_only,
        });
    }
    Ok(planned)
}

/// What the mount prelude binds (`host folder, mountPath, read-only`), and the staged mounts
/// that publish the writable ones into their buckets.
type Mounts = (Vec<(std::path::PathBuf, String, bool)>, Vec<StagedMount>);

/// Prepares every volume: a read-only one shows its bucket folder as it is; a writable one
/// gets a staging folder that publishes what the Job closes (see [`crate::mount`]).
async fn start_mounts(
    s: &AppState,
    workdir: &std::path::Path,
    planned: Vec<PlannedVolume>,
) -> ApiResult<Mounts> {
    let mut binds = Vec::new();
    let mut staged: Vec<StagedMount> = Vec::new();
    for (n, v) in planned.into_iter().enumerate() {
        let started = std::fs::create_dir_all(&v.store).and_then(|()| {
            if v.read_only {
                return Ok(None);
            }
            StagedMount::start(
                v.store.clone(),
                workdir.join("mounts").join(n.to_string()),
                s.incoming_dir(),
            )
            .map(Some)
        });
        match started {
            Ok(None) => binds.push((v.store, v.mount_path, true)),
            Ok(Some(mount)) => {
                binds.push((mount.staging().to_path_buf(), v.mount_path, false));
                staged.push(mount);
            }
            Err(err) => {
                for mount in staged {
                    mount.finish().await;
                }
                return Err(err.into());
            }
        }
    }
    Ok((binds, staged))
}

async fn create(
    State(s): State<AppState>,
    Authed(c): Authed,
    Path(ns): Path<String>,
    Json(b): Json<CreateJob>,
) -> ApiResult<Json<Value>> {
    let ns = if ns == "me" { c.user.name.clone() } else { ns };
    if ns != c.user.name {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!("You cannot run Jobs in the namespace \"{ns}\""),
        ));
    }
    scopes::require(&c, scopes::JOBS, "run Jobs")?;
    crate::plans::check_job(s.accounts.payer(&ns))?;
    if b.command.is_empty() {
        return Err(ApiError::bad_request("command is required"));
    }
    check_image(&s, &c, b.docker_image.as_deref(), b.space_id.as_deref())?;
    if let Some(flavor) = b.flavor.as_deref() {
        if !crate::spaces::is_known_hardware(flavor) {
            return Err(crate::spaces::unknown_hardware(flavor));
        }
    }
    let id: String = {
        use rand::Rng;
        format!("{:024x}", rand::thread_rng().gen::<u128>() >> 32)
    };
    let workdir = s.data_dir().join("jobs").join(&id);
    let planned = plan_volumes(&s, &c, &b.volumes)?;
    let prefix = if planned.is_empty() {
        None
    } else {
        Some(unshare_prefix().ok_or_else(|| {
            ApiError::bad_request("bucket volumes need a private mount namespace (unshare --mount as root, or a user namespace), which this machine does not allow")
        })?)
    };
    let mut env = container_env(&s, &workdir)?;
    let (mounts, staged) = start_mounts(&s, &workdir, planned).await?;
    let created = chrono::Utc::now();
    let mut cmdline = b.command.clone();
    cmdline.extend(b.arguments.iter().cloned());
    let info = json!({
        "id": id,
        "createdAt": iso(created),
        "dockerImage": b.docker_image,
        "spaceId": b.space_id,
        "command": b.command,
        "arguments": b.arguments,
        "environment": b.environment,
        "secrets": b.secrets.keys().collect::<Vec<_>>(),
        "flavor": b.flavor.clone().unwrap_or_else(|| "cpu-basic".into()),
        "labels": b.labels,
        "volumes": b.volumes,
        "timeoutSeconds": b.timeout_seconds,
        "owner": {"id": c.user.id, "name": c.user.name, "type": "user"},
        "initiator": {"type": "user", "id": c.user.id, "name": c.user.name},
        "url": format!("{}/jobs/{}/{}", s.url(), c.user.name, id),
    });
    let job = Job {
        owner: c.clone(),
        info,
        stage: "SCHEDULING".into(),
        message: None,
        started: None,
        finished: None,
        created,
        logs: vec![],
        pgid: None,
        cancel_requested: false,
    };
    let answer = job.json();
    s.jobs.jobs.lock().expect("jobs").insert(id.clone(), job);

    let mut argv: Vec<String> = Vec::new();
    if let Some(p) = prefix {
        argv.extend(p.iter().map(|x| x.to_string()));
        argv.extend([
            "sh".into(),
            "-c".into(),
            MOUNT_PRELUDE.into(),
            "localhub-mount".into(),
            mounts.len().to_string(),
        ]);
        for (h, m, ro) in &mounts {
            argv.extend([
                h.to_string_lossy().into_owned(),
                m.clone(),
                if *ro { "1".into() } else { "0".into() },
            ]);
        }
    }
    argv.extend(s.jobs.images.argv(b.docker_image.as_deref(), &cmdline));
    s.jobs.images.apply_env(b.docker_image.as_deref(), &mut env);
    env.extend(b.environment.clone());
    env.extend(b.secrets.clone());
    env.insert("JOB_ID".into(), id.clone());
    env.insert("ACCELERATOR".into(), "none".into());
    env.insert("CPU_CORES".into(), "2".into());
    env.insert("MEMORY".into(), "16Gi".into());
    let timeout = b.timeout_seconds.map(Duration::from_secs);
    let s2 = s.clone();
    tokio::spawn(async move {
        let (stage, message) = run(&s2, &id, argv, env, workdir, timeout).await;
        // The mounts publish their last files before anyone can see the Job ended.
        for mount in staged {
            mount.finish().await;
        }
        if let Some(stage) = stage {
            finish(&s2, &id, stage, message);
        }
    });
    Ok(Json(answer))
}

/// The environment a container starts with, before the Job's own `environment` and
/// `secrets`: nothing of this host's environment leaks in (a real Job sees no token of ours
/// and no `HF_*` settings), except `PATH` so mapped images find their programs. `HOME` and
/// `TMPDIR` are fresh folders of the Job's own, as a new container's are. `HF_ENDPOINT` is
/// this hub, as `huggingface.co` is the default endpoint inside a real Job, and
/// `HF_INFERENCE_URL` its `/v1`, because this hub also plays the Inference Providers router
/// a real Job reaches at its default address; the Job's own `environment` can override both.
fn container_env(
    s: &AppState,
    workdir: &std::path::Path,
) -> std::io::Result<BTreeMap<String, String>> {
    let home = workdir.join("home");
    let tmp = workdir.join("tmp");
    std::fs::create_dir_all(&home)?;
    std::fs::create_dir_all(&tmp)?;
    let path = std::env::var("PATH")
        .unwrap_or_else(|_| "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into());
    Ok(BTreeMap::from([
        ("PATH".to_owned(), path),
        ("HOME".to_owned(), home.to_string_lossy().into_owned()),
        ("TMPDIR".to_owned(), tmp.to_string_lossy().into_owned()),
        ("HF_ENDPOINT".to_owned(), s.url()),
        ("HF_INFERENCE_URL".to_owned(), format!("{}/v1", s.url())),
    ]))
}

/// Runs the Job's process to its end; the stage and message it ended with (`None` when it
/// never started because it was cancelled first).
async fn run(
    s: &AppState,
    id: &str,
    argv: Vec<String>,
    env: BTreeMap<String, String>,
    workdir: std::path::PathBuf,
    timeout: Option<Duration>,
) -> (Option<&'static str>, Option<String>) {
    let mut cmd = tokio::process::Command::new(&argv[0]);
    cmd.args(&argv[1..])
        .env_clear()
        .envs(env)
        .current_dir(&workdir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    // Spawned under the jobs lock, so a cancel sees either a Job still scheduling (and
    // nothing starts) or a process group to signal: never a process it cannot reach.
    let spawned = s
        .jobs
        .with(id, |j| {
            if j.cancel_requested {
                return None;
            }
            let spawned = cmd.spawn();
            if let Ok(child) = &spawned {
                j.stage = "RUNNING".into();
                j.started = Some(chrono::Utc::now());
                j.pgid = child.id();
                j.logs.push(CapturedLogLine {
                    timestamp: now_iso(),
                    data: format!("===== Job started at {} =====", now_iso()),
                });
            }
            Some(spawned)
        })
        .flatten();
    let Some(spawned) = spawned else {
        // Cancelled (already CANCELED) or deleted before it started.
        return (None, None);
    };
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => {
            return (
                Some("ERROR"),
                Some(format!("could not start {:?}: {e}", argv[0])),
            )
        }
    };
    s.jobs.touch();
    let pgid = child.id();
    let mut readers = Vec::new();
    for stream in [
        Box::new(child.stdout.take().expect("piped"))
            as Box<dyn tokio::io::AsyncRead + Unpin + Send>,
        Box::new(child.stderr.take().expect("piped")),
    ] {
        let s = s.clone();
        let id = id.to_string();
        readers.push(tokio::spawn(async move {
            let mut lines = BufReader::new(stream).lines();
            while let Ok(Some(l)) = lines.next_line().await {
                push_log(&s, &id, &l);
            }
        }));
    }
    let waited = match timeout {
        Some(t) => tokio::time::timeout(t, child.wait()).await.ok(),
        None => Some(child.wait().await),
    };
    let Some(status) = waited else {
        if let Some(p) = pgid {
            signal_group(p, Stop::Ask);
            if tokio::time::timeout(Duration::from_secs(5), child.wait())
                .await
                .is_err()
            {
                signal_group(p, Stop::Force);
                let _ = child.wait().await;
            }
        }
        for r in readers {
            let _ = tokio::time::timeout(Duration::from_secs(2), r).await;
        }
        return (Some("ERROR"), Some("Job timeout".into()));
    };
    for r in readers {
        let _ = tokio::time::timeout(Duration::from_secs(2), r).await;
    }
    let cancelled = s.jobs.with(id, |j| j.cancel_requested).unwrap_or(false);
    match status {
        _ if cancelled => (Some("CANCELED"), None),
        Ok(st) if st.success() => (Some("COMPLETED"), None),
        Ok(st) if st.code() == Some(125) && argv[0] == "unshare" => (
            Some("ERROR"),
            Some("could not mount the bucket volumes".into()),
        ),
        Ok(st) => (
            Some("ERROR"),
            Some(format!(
                "Job failed with exit code: {}",
                st.code()
                    .map(|c| c.to_string())
                    .unwrap_or_else(|| "signal".into())
            )),
        ),
        Err(e) => (Some("ERROR"), Some(format!("wait failed: {e}"))),
    }
}

fn get_visible(s: &AppState, c: &Caller, ns: &str, id: &str) -> ApiResult<Value> {
    scopes::require(c, scopes::JOBS, "read Jobs")?;
    let m = s.jobs.jobs.lock().expect("jobs");
    match m.get(id) {
        Some(j) if j.owner.user.name == ns && j.owner.user.name == c.user.name => Ok(j.json()),
        _ => Err(
            ApiError::new(StatusCode::NOT_FOUND, format!("Job {ns}/{id} not found"))
                .code("JobNotFound"),
        ),
    }
}

async fn inspect(
    State(s): State<AppState>,
    Authed(c): Authed,
    Path((ns, id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    Ok(Json(get_visible(&s, &c, &ns, &id)?))
}

async fn list(
    State(s): State<AppState>,
    Authed(c): Authed,
    Path(ns): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> ApiResult<Json<Value>> {
    let ns = if ns == "me" { c.user.name.clone() } else { ns };
    scopes::require(&c, scopes::JOBS, "list Jobs")?;
    if ns != c.user.name {
        return Ok(Json(json!([])));
    }
    let stages: Vec<&str> = q
        .iter()
        .filter(|(k, _)| k == "stage")
        .map(|(_, v)| v.as_str())
        .collect();
    let labels: Vec<(&str, &str)> = q
        .iter()
        .filter(|(k, _)| k == "label")
        .map(|(_, v)| v.split_once('=').unwrap_or((v.as_str(), "")))
        .collect();
    let m = s.jobs.jobs.lock().expect("jobs");
    let mut out: Vec<&Job> = m
        .values()
        .filter(|j| j.owner.user.name == ns)
        .filter(|j| stages.is_empty() || stages.contains(&j.stage.as_str()))
        .filter(|j| {
            labels
                .iter()
                .all(|(k, v)| j.info["labels"][*k].as_str() == Some(*v))
        })
        .collect();
    out.sort_by_key(|j| j.created);
    Ok(Json(Value::Array(out.into_iter().map(Job::json).collect())))
}

async fn cancel(
    State(s): State<AppState>,
    Authed(c): Authed,
    Path((ns, id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    get_visible(&s, &c, &ns, &id)?;
    let pgid = s
        .jobs
        .with(&id, |j| {
            if j.terminal() {
                return None;
            }
            j.cancel_requested = true;
            if j.pgid.is_none() && j.stage == "SCHEDULING" {
                j.stage = "CANCELED".into();
                j.finished = Some(chrono::Utc::now());
            }
            j.pgid
        })
        .flatten();
    s.jobs.touch();
    if let Some(p) = pgid {
        signal_group(p, Stop::Ask);
        let s2 = s.clone();
        let id2 = id.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(5)).await;
            if s2.jobs.with(&id2, |j| !j.terminal()).unwrap_or(false) {
                signal_group(p, Stop::Force);
            }
        });
    }
    Ok(Json(get_visible(&s, &c, &ns, &id)?))
}

/// Query of the logs stream.
#[derive(Debug, Deserialize)]
struct LogsQuery {
    tail: Option<usize>,
}

async fn logs(
    State(s): State<AppState>,
    Authed(c): Authed,
    Path((ns, id)): Path<(String, String)>,
    Query(q): Query<LogsQuery>,
) -> ApiResult<axum::response::Response> {
    get_visible(&s, &c, &ns, &id)?;
    let start = match q.tail {
        Some(n) => s
            .jobs
            .with(&id, |j| j.logs.len().saturating_sub(n))
            .unwrap_or(0),
        None => 0,
    };
    let changed = s.jobs.changed.subscribe();
    let stream = futures_util::stream::unfold(
        (s, id, start, false, changed),
        |(s, id, mut idx, done, mut changed)| async move {
            if done {
                return None;
            }
            loop {
                // Marked seen before reading, so a line logged after the read wakes us.
                changed.borrow_and_update();
                let (batch, terminal) = s.jobs.with(&id, |j| {
                    (j.logs[idx.min(j.logs.len())..].to_vec(), j.terminal())
                })?;
                if !batch.is_empty() {
                    idx += batch.len();
                    let events: Vec<Result<Event, Infallible>> = batch
                        .into_iter()
                        .map(|l| {
                            Ok(Event::default().data(
                                json!({"data": l.data, "timestamp": l.timestamp}).to_string(),
                            ))
                        })
                        .collect();
                    return Some((
                        futures_util::stream::iter(events),
                        (s, id, idx, false, changed),
                    ));
                }
                if terminal {
                    return None;
                }
                // Woken by the next line or the Job's end; the timeout is a safety net.
                let _ = tokio::time::timeout(Duration::from_secs(1), changed.changed()).await;
            }
        },
    );
    use futures_util::StreamExt;
    let noise = futures_util::stream::iter(
        crate::log_stream::noise()
            .into_iter()
            .map(Ok::<_, Infallible>),
    );
    Ok(Sse::new(noise.chain(stream.flatten()))
        .keep_alive(
            KeepAlive::new()
                .interval(Duration::from_secs(30))
                .text("keep-alive"),
        )
        .into_response())
}

/// Job routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/jobs/hardware",
            get(|| async { Json(crate::spaces::jobs_hardware_list()) }),
        )
        .route("/api/jobs/{ns}", post(create).get(list))
        .route("/api/jobs/{ns}/{id}", get(inspect))
        .route("/api/jobs/{ns}/{id}/cancel", post(cancel))
        .route("/api/jobs/{ns}/{id}/logs", get(logs))
}
