//! Spaces that really run: after each commit the Space's `app.py` is started with Gradio 6
//! from a cached venv, going through the Hub's stages (BUILDING → APP_STARTING → RUNNING, or
//! BUILD_ERROR / RUNTIME_ERROR). Also runtime, logs (SSE), secrets, variables and hardware.
//!
//! Build: the `gradio-6` venv ([`crate::python_env`]); a `requirements.txt` with other lines
//! gets its own cached venv (`space-<hash>`), and a pip failure there is the BUILD_ERROR.
//! A set that pulls in PyTorch (about 5.6 GB from PyPI) is installed only when the hub runs
//! with `SPACE_FACTORY_LIVE_TORCH=1`, else it is a BUILD_ERROR saying how to enable it,
//! unless that venv is already prepared ([`install_refusal`]).
//! Run: `python app.py` in the Space's folder with `GRADIO_SERVER_NAME=127.0.0.1`,
//! `GRADIO_SERVER_PORT=<free port>`, `GRADIO_NUM_PORTS=1`, `GRADIO_ANALYTICS_ENABLED=False`,
//! `GRADIO_TEMP_DIR` per Space, secrets and variables as env, `SPACE_ID` etc.; RUNNING once
//! `Running on local URL:` is printed or, as the Hub judges it, once the app's port accepts
//! connections (an app served by uvicorn prints no Gradio line). `host` is
//! `http://127.0.0.1:<port>`.

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::sync::Mutex;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::{get, post, MethodRouter};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::auth::{scopes, Authed, MaybeCaller};
use crate::errors::{ApiError, ApiResult};
use crate::process::{signal_group, Stop};
use crate::store::{now_iso, RepoKind};
use crate::{repos, AppState};

/// A log line with its time.
#[derive(Debug, Clone)]
pub struct CapturedLogLine {
    /// ISO time.
    pub timestamp: String,
    /// Text.
    pub data: String,
}

/// One Space's runtime record.
#[derive(Debug, Default)]
struct SpaceRt {
    stage: String,
    hardware: String,
    sleep: Option<i64>,
    secrets: BTreeMap<String, String>,
    variables: BTreeMap<String, String>,
    port: Option<u16>,
    pid: Option<u32>,
    error: Option<String>,
    build_log: Vec<CapturedLogLine>,
    run_log: Vec<CapturedLogLine>,
    generation: u64,
    /// For a ZeroGPU Space, the file the `spaces` shim touches once a GPU function is
    /// registered ([`crate::zerogpu`]).
    gpu_marker: Option<std::path::PathBuf>,
}

/// How long a new Space shows `NO_APP_FILE` after its first commit, by default: the Hub
/// takes a moment to see a commit (the worker's wait tolerates it; docs/HUB.md, Spaces).
pub const FIRST_COMMIT_LAG: Duration = Duration::from_millis(1500);

/// All Spaces' runtime records.
#[derive(Debug)]
pub struct Spaces {
    records: Mutex<HashMap<String, SpaceRt>>,
    first_commit_lag: Duration,
}

impl SpaceRt {
    /// The app of `generation` is up on `port`: RUNNING, unless it is a ZeroGPU app that
    /// registered no `@spaces.GPU` function, which fails as on the Hub.
    fn app_is_up(&mut self, generation: u64, port: u16) {
        if self.generation != generation || self.stage != "APP_STARTING" {
            return;
        }
        if self.gpu_marker.as_ref().is_some_and(|m| !m.exists()) {
            self.stage = "RUNTIME_ERROR".into();
            self.error = Some(crate::zerogpu::NO_GPU_FUNCTION.into());
            self.run_log.push(line(crate::zerogpu::NO_GPU_FUNCTION));
            self.generation += 1;
            if let Some(pid) = self.pid.take() {
                signal_group(pid, Stop::Ask);
            }
            self.port = None;
            return;
        }
        self.stage = "RUNNING".into();
        self.port = Some(port);
    }
    /// The Space's secrets (`secret`) or its variables: the routes treat both alike.
    fn key_values(&mut self, secret: bool) -> &mut BTreeMap<String, String> {
        if secret {
            &mut self.secrets
        } else {
            &mut self.variables
        }
    }
}

fn line(s: &str) -> CapturedLogLine {
    CapturedLogLine {
        timestamp: now_iso(),
        data: s.to_string(),
    }
}

impl Spaces {
    /// No Spaces yet; a new Space starts building `first_commit_lag` after its first
    /// commit.
    pub fn new(first_commit_lag: Duration) -> Spaces {
        Spaces {
            records: Mutex::default(),
            first_commit_lag,
        }
    }
    fn with<R>(&self, id: &str, f: impl FnOnce(&mut SpaceRt) -> R) -> R {
        let mut m = self.records.lock().expect("spaces");
        let rt = m.entry(id.to_string()).or_insert_with(|| SpaceRt {
            stage: "NO_APP_FILE".into(),
            hardware: "cpu-basic".into(),
            ..Default::default()
        });
        f(rt)
    }
    /// Records create-time settings (hardware, sleepTimeSeconds, secrets, variables).
    pub fn on_create(&self, _s: &AppState, id: &str, rest: &serde_json::Map<String, Value>) {
        self.with(id, |rt| {
            if let Some(h) = rest.get("hardware").and_then(Value::as_str) {
                rt.hardware = h.to_string();
            }
            rt.sleep = rest.get("sleepTimeSeconds").and_then(Value::as_i64);
            for (key, target) in [
                ("secrets", &mut rt.secrets),
                ("variables", &mut rt.variables),
            ] {
                for e in rest
                    .get(key)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let (Some(k), Some(v)) = (e["key"].as_str(), e["value"].as_str()) {
                        target.insert(k.into(), v.into());
                    }
                }
            }
        });
    }
    /// How many Spaces of namespace `ns` (other than `except`) are on `hardware`.
    pub fn count_on(&self, ns: &str, hardware: &str, except: &str) -> usize {
        let prefix = format!("{ns}/");
        self.records
            .lock()
            .expect("spaces")
            .iter()
            .filter(|(id, rt)| id.starts_with(&prefix) && *id != except && rt.hardware == hardware)
            .count()
    }
    /// The hardware a Space asked for.
    pub fn hardware_of(&self, id: &str) -> String {
        self.with(id, |rt| rt.hardware.clone())
    }
    /// The app's own port while it is up: only the Space's proxy reaches it
    /// ([`crate::space_proxy`]).
    pub fn app_port(&self, id: &str) -> Option<u16> {
        self.with(id, |rt| rt.port)
    }
    /// The runtime object as `GET /api/spaces/{id}/runtime` answers it.
    pub fn runtime_json(&self, id: &str) -> Value {
        self.with(id, |rt| {
            let mut v = json!({
                "stage": rt.stage,
                "hardware": {"current": if rt.stage == "RUNNING" { Some(rt.hardware.clone()) } else { None }, "requested": rt.hardware},
                "gcTimeout": rt.sleep,
                "storage": null,
                "devMode": false,
                "replicas": {"current": 1, "requested": 1},
            });
            if let Some(e) = &rt.error {
                v["errorMessage"] = json!(e);
            }
            v
        })
    }
    /// Stops every app process (on shutdown).
    pub fn stop_all(&self) {
        let m = self.records.lock().expect("spaces");
        for rt in m.values() {
            if let Some(pid) = rt.pid {
                signal_group(pid, Stop::Force);
            }
        }
    }
    /// Restarts the Space after a commit.
    pub fn on_commit(&self, s: &AppState, id: &str) {
        let dir = s.repo_dir(RepoKind::Space, id);
        if !dir.join("app.py").exists() {
            self.with(id, |rt| rt.stage = "NO_APP_FILE".into());
            return;
        }
        let lag = self.first_commit_lag;
        let (generation, lag) = self.with(id, |rt| {
            if let Some(pid) = rt.pid.take() {
                signal_group(pid, Stop::Ask);
            }
            rt.generation += 1;
            // A new Space: the Hub shows NO_APP_FILE a little longer, then builds.
            let lag = if rt.stage == "NO_APP_FILE" {
                lag
            } else {
                Duration::ZERO
            };
            if lag.is_zero() {
                rt.stage = "BUILDING".into();
            }
            rt.error = None;
            rt.port = None;
            rt.build_log = vec![line("===== Build Queued =====")];
            rt.run_log.clear();
            (rt.generation, lag)
        });
        let s = s.clone();
        let id = id.to_string();
        tokio::spawn(async move {
            if !lag.is_zero() {
                tokio::time::sleep(lag).await;
                let current = s.spaces.with(&id, |rt| {
                    let current = rt.generation == generation;
                    if current {
                        rt.stage = "BUILDING".into();
                    }
                    current
                });
                if !current {
                    return;
                }
            }
            run_space(s, id, generation).await
        });
    }
}

fn fail(s: &AppState, id: &str, generation: u64, stage: &str, msg: String, build: bool) {
    s.spaces.with(id, |rt| {
        if rt.generation != generation {
            return;
        }
        rt.stage = stage.into();
        let l = line(&msg);
        if build {
            rt.build_log.push(l);
        } else {
            rt.run_log.push(l);
        }
        rt.error = Some(msg);
        rt.pid = None;
        rt.port = None;
    });
}

/// Holds a build until it has taken [`FaultConfig::build_at_least_ms`] (read again every
/// second, so lowering it lets the build go on), saying so in the build log; false when a
/// newer commit took the Space over meanwhile.
///
/// [`FaultConfig::build_at_least_ms`]: crate::FaultConfig::build_at_least_ms
async fn build_takes_its_least(
    s: &AppState,
    id: &str,
    generation: u64,
    started: tokio::time::Instant,
) -> bool {
    let mut said = false;
    loop {
        let current = s.spaces.with(id, |rt| rt.generation == generation);
        let left = (started + s.faults.build_at_least())
            .saturating_duration_since(tokio::time::Instant::now());
        if !current || left.is_zero() {
            return current;
        }
        if !said {
            said = true;
            s.spaces
                .with(id, |rt| rt.build_log.push(line(BUILDING_THE_IMAGE)));
        }
        tokio::time::sleep(left.min(Duration::from_secs(1))).await;
    }
}

/// The build log's line while a build is held ([`build_takes_its_least`]).
pub const BUILDING_THE_IMAGE: &str = "Building the image";

async fn run_space(s: AppState, id: String, generation: u64) {
    let build_started = tokio::time::Instant::now();
    let dir = s.repo_dir(RepoKind::Space, &id);
    if s.faults.force_build_error() {
        fail(
            &s,
            &id,
            generation,
            "BUILD_ERROR",
            "Build failed (injected fault)".into(),
            true,
        );
        return;
    }
    let env_spec =
        space_env(&std::fs::read_to_string(dir.join("requirements.txt")).unwrap_or_default());
    let live_torch = std::env::var(LIVE_TORCH_ENV).ok();
    if let Some(why) = install_refusal(&env_spec, env_spec.is_prepared(), live_torch.as_deref()) {
        return fail(&s, &id, generation, "BUILD_ERROR", why, true);
    }
    s.spaces.with(&id, |rt| {
        rt.build_log.push(line(&format!(
            "Preparing Python environment {} ({})",
            env_spec.name,
            env_spec.requirements.join(", ")
        )))
    });
    let env = tokio::task::spawn_blocking(move || env_spec.ensure()).await;
    let env = match env {
        Ok(Ok(e)) => e,
        Ok(Err(e)) => {
            return fail(
                &s,
                &id,
                generation,
                "BUILD_ERROR",
                format!("Build failed: {e}"),
                true,
            )
        }
        Err(e) => {
            return fail(
                &s,
                &id,
                generation,
                "BUILD_ERROR",
                format!("Build failed: {e}"),
                true,
            )
        }
    };
    // The app's own port, and the Space's host in front of it.
    let ports = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .and_then(|a| Ok((a.port(), s.proxies.host_for(&s, &id)?)));
    let (port, public_host) = match ports {
        Ok(ports) => ports,
        Err(e) => {
            return fail(
                &s,
                &id,
                generation,
                "RUNTIME_ERROR",
                format!("no port for the app: {e}"),
                false,
            )
        }
    };
    let tmp = s.data_dir().join("space-tmp").join(id.replace('/', "--"));
    let _ = std::fs::create_dir_all(&tmp);
    let shim = match crate::zerogpu::shim_dir(s.data_dir()) {
        Ok(dir) => dir,
        Err(e) => {
            return fail(
                &s,
                &id,
                generation,
                "RUNTIME_ERROR",
                format!("could not provide the spaces package: {e}"),
                false,
            )
        }
    };
    let marker = tmp.join(format!("spaces-gpu-{generation}"));
    let _ = std::fs::remove_file(&marker);
    if !build_takes_its_least(&s, &id, generation, build_started).await {
        return;
    }
    let (secrets, variables) = s.spaces.with(&id, |rt| {
        rt.stage = "APP_STARTING".into();
        rt.build_log.push(line("===== Build succeeded ====="));
        rt.gpu_marker = (rt.hardware == crate::plans::ZERO_GPU).then(|| marker.clone());
        (rt.secrets.clone(), rt.variables.clone())
    });
    let (ns, name) = id.split_once('/').unwrap_or(("", &id));
    let mut cmd = tokio::process::Command::new(env.python());
    cmd.arg("-u")
        .arg("app.py")
        .current_dir(&dir)
        .envs(variables)
        .envs(secrets)
        .env("GRADIO_SERVER_NAME", "127.0.0.1")
        .env("GRADIO_SERVER_PORT", port.to_string())
        .env("GRADIO_NUM_PORTS", "1")
        .env("GRADIO_ANALYTICS_ENABLED", "False")
        .env("GRADIO_TEMP_DIR", &tmp)
        .env("PYTHONUNBUFFERED", "1")
        .env("PYTHONPATH", crate::zerogpu::python_path(&shim))
        .env(crate::zerogpu::MARKER_ENV, &marker)
        .env("SPACE_ID", &id)
        .env("SPACE_AUTHOR_NAME", ns)
        .env("SPACE_REPO_NAME", name)
        .env("SPACE_HOST", public_host.trim_start_matches("http://"))
        .env("HF_ENDPOINT", s.url())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return fail(
                &s,
                &id,
                generation,
                "RUNTIME_ERROR",
                format!("could not start app.py: {e}"),
                false,
            )
        }
    };
    s.spaces.with(&id, |rt| {
        if rt.generation == generation {
            rt.pid = child.id();
        }
    });
    let out = child.stdout.take().expect("piped");
    let err = child.stderr.take().expect("piped");
    for stream in [
        Box::new(out) as Box<dyn tokio::io::AsyncRead + Unpin + Send>,
        Box::new(err),
    ] {
        let s = s.clone();
        let id = id.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stream).lines();
            while let Ok(Some(l)) = lines.next_line().await {
                s.spaces.with(&id, |rt| {
                    if rt.generation != generation {
                        return;
                    }
                    rt.run_log.push(line(&l));
                    if l.contains("Running on local URL:") {
                        rt.app_is_up(generation, port);
                    }
                });
            }
        });
    }
    // Like the Hub, which waits for the app's port: an app that serves with uvicorn itself
    // (FastAPI + `gr.mount_gradio_app`) never prints Gradio's banner.
    tokio::spawn(mark_running_when_listening(
        s.clone(),
        id.clone(),
        generation,
        port,
    ));
    let status = child.wait().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let tail = s.spaces.with(&id, |rt| {
        rt.run_log
            .iter()
            .rev()
            .take(20)
            .rev()
            .map(|l| l.data.clone())
            .collect::<Vec<_>>()
            .join("\n")
    });
    let code = status
        .map(|s| s.to_string())
        .unwrap_or_else(|e| e.to_string());
    s.spaces.with(&id, |rt| {
        if rt.generation == generation && rt.stage != "STOPPED" && rt.stage != "PAUSED" {
            rt.stage = "RUNTIME_ERROR".into();
            rt.error = Some(format!("Exit code: {code}. Reason: {tail}"));
            rt.pid = None;
            rt.port = None;
        }
    });
}

/// Marks the Space RUNNING once its port accepts connections, while it is APP_STARTING.
async fn mark_running_when_listening(s: AppState, id: String, generation: u64, port: u16) {
    loop {
        let starting = s.spaces.with(&id, |rt| {
            rt.generation == generation && rt.stage == "APP_STARTING"
        });
        if !starting {
            return;
        }
        let connect = tokio::net::TcpStream::connect(("127.0.0.1", port));
        if let Ok(Ok(_)) = tokio::time::timeout(Duration::from_secs(2), connect).await {
            s.spaces.with(&id, |rt| rt.app_is_up(generation, port));
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The Python environment a Space's `requirements.txt` asks for: Gradio 6 plus its
/// lines (blank lines, comments and `gradio` pins dropped: the SDK provides Gradio), in a
/// venv named after that set, so Spaces with the same requirements share one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceEnv {
    /// The venv's name in the cache (`gradio-6`, or `space-<hash>`).
    pub name: String,
    /// Every requirement installed.
    pub requirements: Vec<String>,
}

impl SpaceEnv {
    /// Prepares the venv (once; cached). Blocking.
    pub fn ensure(
        &self,
    ) -> Result<crate::python_env::PythonEnv, crate::python_env::PythonEnvError> {
        let reqs: Vec<&str> = self.requirements.iter().map(String::as_str).collect();
        crate::python_env::ensure_venv(&self.name, &reqs)
    }

    /// Whether the venv is already prepared (so a Space using it starts without installing).
    pub fn is_prepared(&self) -> bool {
        let reqs: Vec<&str> = self.requirements.iter().map(String::as_str).collect();
        crate::python_env::is_prepared(&self.name, &reqs)
    }
}

/// The hub process's switch for PyTorch in local Spaces: `1` lets a Space's build install
/// it; otherwise only a venv already prepared with it is used.
pub const LIVE_TORCH_ENV: &str = "SPACE_FACTORY_LIVE_TORCH";

/// Packages that install PyTorch as a dependency (PEP 503 names).
const PULLS_TORCH: &[&str] = &[
    "torch",
    "torchvision",
    "torchaudio",
    "accelerate",
    "sentence-transformers",
    "timm",
    "peft",
    "xformers",
    "bitsandbytes",
];

/// Whether a requirement line installs PyTorch: `torch` itself, a package that depends on
/// it, or a `[torch]` extra (`transformers[torch]`).
pub fn pulls_torch(requirement: &str) -> bool {
    let line = requirement.trim();
    let end = line
        .find(|c: char| "[<>=!~;@ (".contains(c))
        .unwrap_or(line.len());
    let name = line[..end].to_lowercase().replace(['_', '.'], "-");
    let extras = line[end..]
        .strip_prefix('[')
        .and_then(|r| r.split_once(']'))
        .map(|(e, _)| e)
        .unwrap_or_default();
    PULLS_TORCH.contains(&name.as_str()) || extras.split(',').any(|e| e.trim() == "torch")
}

/// Why a Space's build may not install its environment, or `None` when it may. Local
/// Spaces install from PyPI, where PyTorch brings its CUDA wheels (about 5.6 GB): a set
/// that pulls it in ([`pulls_torch`]) is installed only when the hub runs with
/// [`LIVE_TORCH_ENV`]`=1` (`live_torch`), unless that venv is already `prepared`.
pub fn install_refusal(env: &SpaceEnv, prepared: bool, live_torch: Option<&str>) -> Option<String> {
    if prepared || live_torch == Some("1") {
        return None;
    }
    let torch: Vec<&str> = env
        .requirements
        .iter()
        .map(String::as_str)
        .filter(|r| pulls_torch(r))
        .collect();
    if torch.is_empty() {
        return None;
    }
    Some(format!(
        "Build failed: this Space's requirements ({}) need PyTorch, which is not installed for local Spaces (about 5.6 GB from PyPI). Start the factory with {LIVE_TORCH_ENV}=1 scripts/run.sh to install it once.",
        torch.join(", ")
    ))
}

/// The environment for a Space whose `requirements.txt` reads `requirements_txt`.
pub fn space_env(requirements_txt: &str) -> SpaceEnv {
    let extra: Vec<String> = requirements_txt
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter(|l| !l.to_lowercase().starts_with("gradio"))
        .filter(|l| !already_provided(l))
        .collect();
    let mut requirements: Vec<String> = crate::python_env::GRADIO_6
        .iter()
        .map(|r| r.to_string())
        .collect();
    if extra.is_empty() {
        return SpaceEnv {
            name: "gradio-6".into(),
            requirements,
        };
    }
    requirements.extend(extra);
    let name = format!(
        "space-{}",
        &crate::store::hex40(requirements.join("\n").as_bytes())[..12]
    );
    SpaceEnv { name, requirements }
}

/// Packages every Gradio install already has: an unpinned line naming one asks pip for
/// nothing more (it answers "already satisfied"), so it needs no environment of its own.
const WITH_GRADIO: [&str; 6] = [
    "numpy",
    "huggingface_hub",
    "fastapi",
    "uvicorn",
    "pillow",
    "pandas",
];

/// Whether a (trimmed) `requirements.txt` line asks for nothing a local Space lacks: the
/// `spaces` package, in any version (every local Space gets it from the hub,
/// [`crate::zerogpu`], as Spaces on the Hub have it preinstalled), or, unpinned, a package
/// every Gradio install already has.
fn already_provided(line: &str) -> bool {
    let name: String = line
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    let unpinned = name.len() == line.len();
    let name = name.to_lowercase().replace('-', "_");
    name == "spaces" || (unpinned && WITH_GRADIO.contains(&name.as_str()))
}

fn space_id(ns: &str, name: &str) -> String {
    format!("{ns}/{name}")
}

async fn runtime(
    State(s): State<AppState>,
    MaybeCaller(c): MaybeCaller,
    Path((ns, name)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let id = space_id(&ns, &name);
    repos::find(&s, RepoKind::Space, &id, c.as_ref())?;
    Ok(Json(s.spaces.runtime_json(&id)))
}

/// Body of `POST /api/spaces/{id}/hardware`.
#[derive(Debug, Deserialize)]
struct HardwareReq {
    flavor: String,
    #[serde(rename = "sleepTimeSeconds")]
    sleep_time_seconds: Option<i64>,
}

async fn set_hardware(
    State(s): State<AppState>,
    Authed(c): Authed,
    Path((ns, name)): Path<(String, String)>,
    Json(b): Json<HardwareReq>,
) -> ApiResult<Json<Value>> {
    let id = space_id(&ns, &name);
    scopes::user_token_only(&c)?;
    let space = repos::find_writable(&s, RepoKind::Space, &id, &c)?;
    if !is_known_hardware(&b.flavor) {
        return Err(unknown_hardware(&b.flavor));
    }
    let payer = s.accounts.payer(&ns);
    let zero_now = s.spaces.count_on(&ns, crate::plans::ZERO_GPU, &id);
    crate::plans::check_space(
        payer,
        space.sdk.as_deref().unwrap_or("gradio"),
        Some(&b.flavor),
        zero_now,
    )?;
    s.spaces.with(&id, |rt| {
        rt.hardware = b.flavor;
        if b.sleep_time_seconds.is_some() {
            rt.sleep = b.sleep_time_seconds;
        }
    });
    Ok(Json(s.spaces.runtime_json(&id)))
}

async fn sleeptime(
    State(s): State<AppState>,
    Authed(c): Authed,
    Path((ns, name)): Path<(String, String)>,
    Json(b): Json<Value>,
) -> ApiResult<Json<Value>> {
    let id = space_id(&ns, &name);
    scopes::user_token_only(&c)?;
    repos::find_writable(&s, RepoKind::Space, &id, &c)?;
    s.spaces.with(&id, |rt| rt.sleep = b["seconds"].as_i64());
    Ok(Json(s.spaces.runtime_json(&id)))
}

async fn restart(
    State(s): State<AppState>,
    Authed(c): Authed,
    Path((ns, name)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let id = space_id(&ns, &name);
    scopes::user_token_only(&c)?;
    repos::find_writable(&s, RepoKind::Space, &id, &c)?;
    s.spaces.on_commit(&s, &id);
    Ok(Json(s.spaces.runtime_json(&id)))
}

async fn pause(
    State(s): State<AppState>,
    Authed(c): Authed,
    Path((ns, name)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let id = space_id(&ns, &name);
    repos::find_writable(&s, RepoKind::Space, &id, &c)?;
    s.spaces.with(&id, |rt| {
        rt.generation += 1;
        if let Some(pid) = rt.pid.take() {
            signal_group(pid, Stop::Ask);
        }
        rt.port = None;
        rt.stage = "PAUSED".into();
    });
    Ok(Json(s.spaces.runtime_json(&id)))
}

/// A `{key, value, description?}` entry.
#[derive(Debug, Deserialize)]
struct KeyValue {
    key: String,
    value: Option<String>,
}

async fn upsert(
    s: AppState,
    c: crate::auth::Caller,
    id: String,
    kv: KeyValue,
    secret: bool,
) -> ApiResult<Json<Value>> {
    scopes::require(
        &c,
        scopes::WRITE_REPO,
        "change a Space's secrets or variables",
    )?;
    repos::find_writable(&s, RepoKind::Space, &id, &c)?;
    s.spaces.with(&id, |rt| {
        let map = rt.key_values(secret);
        map.insert(kv.key, kv.value.unwrap_or_default());
    });
    Ok(Json(json!({})))
}

async fn remove(
    s: AppState,
    c: crate::auth::Caller,
    id: String,
    kv: KeyValue,
    secret: bool,
) -> ApiResult<Json<Value>> {
    scopes::require(
        &c,
        scopes::WRITE_REPO,
        "change a Space's secrets or variables",
    )?;
    repos::find_writable(&s, RepoKind::Space, &id, &c)?;
    s.spaces.with(&id, |rt| {
        let map = rt.key_values(secret);
        map.remove(&kv.key);
    });
    Ok(Json(json!({})))
}

/// `GET`/`POST`/`DELETE` on a Space's secrets (`secret`) or variables: the same shapes,
/// except that a secret's value is write-only.
fn key_value_routes(secret: bool) -> MethodRouter<AppState> {
    get(
        move |State(s): State<AppState>,
              Authed(c): Authed,
              Path((ns, name)): Path<(String, String)>| async move {
            list_entries(s, c, space_id(&ns, &name), secret)
        },
    )
    .post(
        move |State(s): State<AppState>,
              Authed(c): Authed,
              Path((ns, name)): Path<(String, String)>,
              Json(kv): Json<KeyValue>| upsert(s, c, space_id(&ns, &name), kv, secret),
    )
    .delete(
        move |State(s): State<AppState>,
              Authed(c): Authed,
              Path((ns, name)): Path<(String, String)>,
              Json(kv): Json<KeyValue>| remove(s, c, space_id(&ns, &name), kv, secret),
    )
}

fn list_entries(
    s: AppState,
    c: crate::auth::Caller,
    id: String,
    secret: bool,
) -> ApiResult<Json<Value>> {
    repos::find_writable(&s, RepoKind::Space, &id, &c)?;
    let entries = s.spaces.with(&id, |rt| {
        if secret {
            rt.secrets.clone()
        } else {
            rt.variables.clone()
        }
    });
    let now = now_iso();
    Ok(Json(Value::Object(
        entries
            .into_iter()
            .map(|(k, v)| {
                let meta = if secret {
                    json!({"updatedAt": now})
                } else {
                    json!({"value": v, "updatedAt": now})
                };
                (k, meta)
            })
            .collect(),
    )))
}

/// A Space log stream as the Hub sends it: a keep-alive comment and a non-JSON `data:`
/// event first ([`crate::log_stream`]), then one JSON event a line.
fn sse_of(
    lines: Vec<CapturedLogLine>,
) -> Sse<impl futures_core_stream::Stream<Item = Result<Event, Infallible>>> {
    let events = crate::log_stream::noise()
        .into_iter()
        .chain(lines.into_iter().map(|l| {
            Event::default().data(json!({"data": l.data, "timestamp": l.timestamp}).to_string())
        }));
    Sse::new(futures_core_stream::iter(events.map(Ok))).keep_alive(KeepAlive::default())
}

/// Tiny adapter so we need no extra stream crate.
mod futures_core_stream {
    pub use futures_util::stream::{iter, Stream};
}

async fn logs(
    State(s): State<AppState>,
    Authed(c): Authed,
    Path((ns, name, which)): Path<(String, String, String)>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let id = space_id(&ns, &name);
    repos::find(&s, RepoKind::Space, &id, Some(&c))?;
    let lines = s.spaces.with(&id, |rt| match which.as_str() {
        "build" => Ok(rt.build_log.clone()),
        "run" => Ok(rt.run_log.clone()),
        _ => Err(ApiError::new(StatusCode::NOT_FOUND, "unknown log kind")),
    })?;
    Ok(sse_of(lines).into_response())
}

/// The hardware flavors with prices (shared with Jobs).
/// Whether `flavor` is hardware the Hub offers (a name `hardware_list` lists): the Hub
/// refuses any other for a Space or a Job.
pub fn is_known_hardware(flavor: &str) -> bool {
    hardware_list()
        .as_array()
        .is_some_and(|rows| rows.iter().any(|row| row["name"] == flavor))
}

/// 400 for hardware the Hub does not offer.
pub fn unknown_hardware(flavor: &str) -> ApiError {
    ApiError::bad_request(format!(
        "Invalid hardware flavor {flavor:?}: see GET /api/jobs/hardware for the flavors"
    ))
}

/// Stops a Space's app and forgets its runtime (the repo was deleted).
pub fn forget(s: &AppState, id: &str) {
    s.proxies.forget(id);
    let mut m = s.spaces.records.lock().expect("spaces");
    if let Some(rt) = m.remove(id) {
        if let Some(pid) = rt.pid {
            signal_group(pid, Stop::Force);
        }
    }
}

/// The Space hardware list with the Hub's prices per minute (`GET /api/spaces/hardware`):
/// CPU basic and ZeroGPU are free for a Space.
pub fn hardware_list() -> Value {
    priced_list(0)
}

/// The Job hardware list (`GET /api/jobs/hardware`): the same machines, but a Job pays for
/// CPU basic too (USD 0.01 an hour, as the Hub bills it).
pub fn jobs_hardware_list() -> Value {
    priced_list(167)
}

fn priced_list(cpu_basic_micro_usd: u64) -> Value {
    type Row = (
        &'static str,
        &'static str,
        u32,
        &'static str,
        Option<(&'static str, &'static str, &'static str)>,
        u64,
    );
    let rows: &[Row] = &[
        (
            "cpu-basic",
            "CPU basic",
            2,
            "16 GB",
            None,
            cpu_basic_micro_usd,
        ),
        ("cpu-upgrade", "CPU upgrade", 8, "32 GB", None, 8_333),
        (
            "cpu-performance",
            "CPU performance",
            32,
            "256 GB",
            None,
            19_167,
        ),
        ("cpu-xl", "CPU XL", 16, "124 GB", None, 16_667),
        (
            "zero-a10g",
            "ZeroGPU",
            2,
            "16 GB",
            Some(("gpu", "A10G", "24 GB")),
            0,
        ),
        (
            "t4-small",
            "Nvidia T4 - small",
            4,
            "15 GB",
            Some(("gpu", "T4", "16 GB")),
            6_667,
        ),
        (
            "t4-medium",
            "Nvidia T4 - medium",
            8,
            "30 GB",
            Some(("gpu", "T4", "16 GB")),
            10_000,
        ),
        (
            "l4x1",
            "1x Nvidia L4",
            8,
            "30 GB",
            Some(("gpu", "L4", "24 GB")),
            13_333,
        ),
        (
            "a10g-small",
            "Nvidia A10G - small",
            4,
            "15 GB",
            Some(("gpu", "A10G", "24 GB")),
            16_667,
        ),
        (
            "a10g-large",
            "Nvidia A10G - large",
            12,
            "46 GB",
            Some(("gpu", "A10G", "24 GB")),
            25_000,
        ),
        (
            "a100-large",
            "Nvidia A100 - large",
            12,
            "142 GB",
            Some(("gpu", "A100", "80 GB")),
            41_667,
        ),
        (
            "h200",
            "1x Nvidia H200",
            23,
            "256 GB",
            Some(("gpu", "H200", "141 GB")),
            83_333,
        ),
    ];
    Value::Array(
        rows.iter()
            .map(|(name, pretty, cpu, ram, acc, micro)| {
                json!({
                    "name": name, "prettyName": pretty, "cpu": format!("{cpu} vCPU"), "ram": ram, "ephemeralStorage": "50 GB",
                    "accelerator": acc.map(|(t, m, v)| json!({"type": t, "model": m, "quantity": "1", "vram": v, "manufacturer": "Nvidia"})),
                    "unitCostMicroUSD": micro, "unitCostUSD": *micro as f64 / 1e6, "unitLabel": "minute",
                })
            })
            .collect(),
    )
}

/// Space-specific routes.
pub fn routes() -> Router<AppState> {
    let p = "/api/spaces/{ns}/{name}";
    Router::new()
        .route(
            "/api/spaces/hardware",
            get(|| async { Json(hardware_list()) }),
        )
        .route(&format!("{p}/runtime"), get(runtime))
        .route(&format!("{p}/hardware"), post(set_hardware))
        .route(&format!("{p}/sleeptime"), post(sleeptime))
        .route(&format!("{p}/restart"), post(restart))
        .route(&format!("{p}/pause"), post(pause))
        .route(&format!("{p}/logs/{{which}}"), get(logs))
        .route(&format!("{p}/secrets"), key_value_routes(true))
        .route(&format!("{p}/variables"), key_value_routes(false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn torch_is_recognised_in_its_spellings_and_through_packages_that_need_it() {
        for yes in [
            "torch",
            "torch==2.15.0",
            "Torch>=2",
            "torchvision",
            "sentence_transformers",
            "accelerate ; python_version > '3.8'",
            "transformers[torch]>=5",
            "transformers[sentencepiece, torch]",
        ] {
            assert!(pulls_torch(yes), "{yes}");
        }
        for no in [
            "transformers>=5,<6",
            "sentencepiece",
            "torchmetrics-lite",
            "numpy",
            "gradio",
        ] {
            assert!(!pulls_torch(no), "{no}");
        }
    }

    #[test]
    fn a_torch_space_builds_only_when_prepared_or_enabled() {
        let torch = space_env("transformers>=5,<6\ntorch\n");
        let refusal = install_refusal(&torch, false, None).expect("refused");
        assert!(refusal.starts_with("Build failed:"), "{refusal}");
        assert!(refusal.contains("(torch)"), "{refusal}");
        assert!(
            refusal.contains("SPACE_FACTORY_LIVE_TORCH=1 scripts/run.sh"),
            "{refusal}"
        );
        assert!(install_refusal(&torch, false, Some("if-installed")).is_some());
        assert!(install_refusal(&torch, false, Some("0")).is_some());
        assert_eq!(install_refusal(&torch, false, Some("1")), None);
        assert_eq!(install_refusal(&torch, true, None), None);
        let plain = space_env("numpy\n");
        assert_eq!(install_refusal(&plain, false, None), None);
    }

    #[test]
    fn requirements_pick_a_shared_venv() {
        assert_eq!(space_env("").name, "gradio-6");
        assert_eq!(space_env("spaces\nspaces==0.40.1\n").name, "gradio-6");
        assert_eq!(space_env("# only\ngradio==5.0\n\n").name, "gradio-6");
        let a = space_env("transformers>=5,<6\ntorch\n");
        assert_eq!(
            a.requirements,
            ["gradio==6.31.0", "transformers>=5,<6", "torch"]
        );
        assert_eq!(a, space_env("  transformers>=5,<6\n# comment\ntorch"));
        assert_ne!(a.name, space_env("torch\n").name);
        assert_eq!(
            space_env("numpy\nhuggingface-hub\nuvicorn\n").name,
            "gradio-6"
        );
        assert_ne!(space_env("numpy==1.26.4\n").name, "gradio-6");
        assert!(a.name.starts_with("space-") && a.name.len() == 18);
    }
}
