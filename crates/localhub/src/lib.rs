//! The embedded local Hub: the Hugging Face HTTP API served from one process on loopback.
//!
//! `localhub` answers the parts of the Hub API that Space Factory, the official Python
//! client `huggingface_hub` and our Rust client (`crates/hub`) use: an OIDC provider,
//! `whoami-v2`, repos with NDJSON commits and `resolve` (model repos described from their
//! card, config and safetensors headers, as the Hub does), Spaces that really run their
//! `app.py` with Gradio, buckets as folders (a Job's mount publishes a file once it is closed,
//! as the Hub's does: [`mount`]), Jobs as local processes, an OpenAI-compatible
//! chat endpoint, and fault injection for tests. Errors have the Hub's shape
//! (`{"error"}` + `X-Error-Code` / `X-Error-Message`).
//!
//! Embed it in tests:
//! ```no_run
//! # async fn demo() {
//! let dir = std::env::temp_dir().join("lh-demo");
//! let hub = localhub::LocalHub::builder().data_dir(&dir).users(["alice", "bob"]).start().await.unwrap();
//! let _url = hub.url();
//! let _token = hub.token_for("alice").unwrap();
//! hub.shutdown().await;
//! # }
//! ```
//!
//! Access rules: repos and buckets belong to the namespace they are in (a user's, or an
//! org's, whose members may write there); private ones answer 404 `RepoNotFound` to
//! everybody else, like the Hub. A gated repo's files (all but its card) answer 401/403
//! `GatedRepo` to everybody but its owner ([`gating`]).
//!
//! Every hub serves tiny demo models under `space-factory-demo/` ([`demo_models`]: one per
//! text pipeline of the model-card recipe, a gated one, one without a pipeline), written into
//! the data folder at the first start and listed by `GET /api/models?author=…`
//! ([`model_list`]). `space-factory-demo` is no user's name, so they are read-only;
//! `demo_models(false)` leaves them out.
//!
//! Spaces are reached through the Spaces proxy ([`space_proxy`]): each Space's `host` in
//! `GET /api/spaces/{id}` is a loopback port of its own, in front of the app's port.
//!
//! **Strict by default.** Accounts: alice (PRO, can pay), bob (free, can pay), carol (free,
//! cannot pay), the paid org `alice-org` with alice and carol ([`User::plan`],
//! [`User::can_pay`], [`Org`]). Dev tokens ([`RunningHub::token_for`]) are user access tokens with every right;
//! OAuth tokens come only from the OIDC flow and carry exactly the granted scopes. Rules of
//! huggingface.co this hub enforces, each with a test, with where it comes from:
//! - a Space is created with its `sdk` (gradio, docker, static, streamlit: huggingface_hub's
//!   `SPACES_SDK_TYPES`) and only with hardware the Hub lists (`GET /api/jobs/hardware`;
//!   the same names for `POST /api/spaces/{id}/hardware`): 400 otherwise;
//! - **plans** ([`plans`]): a Gradio/Docker Space on CPU needs PRO or a paid org, else 402
//!   "Static Spaces are free for everyone, but hosting Gradio and Docker Spaces on free
//!   cpu-basic requires a PRO subscription…" (the server's text quoted in
//!   ed-donner/agents#1469 and huggingface/agents-course#733; huggingface_hub `create_repo`
//!   docs; hub-docs `spaces-overview.md`); ZeroGPU (`zero-a10g`, Gradio only) up to 2 Spaces
//!   free, 10 PRO, 50 paid org (hub-docs `spaces-zerogpu.md`, huggingface/skills PR #218),
//!   then 402 (status and wording ours: not recorded anywhere we could read); a Job needs an
//!   account that can pay, else 402 (hub-docs `jobs-pricing.md`; wording ours);
//! - **ZeroGPU** ([`zerogpu`]): every Space can `import spaces` (our shim, first on
//!   `PYTHONPATH`); a ZeroGPU app that registers no `@spaces.GPU` function ends in
//!   RUNTIME_ERROR "No @spaces.GPU function detected" (hub-docs `spaces-zerogpu.md`,
//!   huggingface/agents-course#733);
//! - **OAuth tokens are not user access tokens** ([`auth::scopes`]): `POST
//!   /api/spaces/{id}/hardware`, `/restart`, `/sleeptime` answer 401 "Invalid username or
//!   password." to them (huggingface_hub issue #4972, observed); `jobs` gates Jobs,
//!   `manage-repos`/`contribute-repos` repo creation, `manage-repos` deletion,
//!   `write-repos`/`manage-repos` commits and settings, `inference-api` the router,
//!   `gated-repos` gated files (hub-docs `oauth.md` scope list; chat-ui PR #2453 for the 403
//!   on Jobs); `whoami-v2` and userinfo leave `canPay` out without `read-billing`;
//! - **the OAuth provider checks its clients** ([`auth::clients`], [`auth::oidc`]): only
//!   registered apps (the factory's public PKCE app `space-factory-local` on loopback
//!   `/login/callback`, any port; confidential apps added with
//!   [`LocalHubBuilder::oauth_client`]), registered redirect URIs (exact, but any port on
//!   `http` loopback: hub-docs `oauth.md`) and known scopes get a code; anything else is a
//!   400 page with no redirect; a confidential app authenticates at the token endpoint;
//!   access tokens expire (8 h, [`LocalHubBuilder::oauth_token_ttl`]; hub-docs
//!   `spaces-oauth.md`) and answer 401 after; no refresh tokens (the Hub issues none to
//!   Space apps);
//! - a Job runs exactly one image, `dockerImage` or `spaceId` (the Jobs API's create body), a `spaceId`
//!   names a Docker Space the caller can read (404 / 400), and its flavor is a listed one;
//! - **the Spaces proxy** ([`space_proxy`]): a private Space's app answers only a request
//!   carrying a token that may read it, as `X-HF-Authorization: Bearer` or
//!   `Authorization: Bearer` (else 404); `X-HF-Authorization` is stripped before the app,
//!   `Authorization` reaches the app's code (gradio PR #11700; hub-docs
//!   `spaces-api-endpoints.md`); the 404 and 503 bodies are ours;
//! - a new Space still shows `NO_APP_FILE` for a moment after its first commit before it
//!   builds (docs/HUB.md, Spaces: seen just after an upload; 1.5 s here,
//!   [`LocalHubBuilder::first_commit_lag`]), so a client must keep waiting through it;
//! - `DELETE /api/repos/delete` deletes the caller's repo (huggingface_hub's `delete_repo`);
//! - **log streams** ([`log_stream`]) start with a `: keep-alive` comment and a non-JSON
//!   `data:` event, as the Hub's carry (huggingface_hub's `fetch_job_logs` /
//!   `fetch_space_logs` comments);
//! - a Job's bucket mount publishes a file only once it is closed ([`mount`]);
//! - `repos/create` may act even when its answer is lost (the `lost_answers` fault).
//!
//! Not yet: a running Space keeps serving its old app while it rebuilds
//! (`RUNNING_BUILDING`; here it stops at once), ZeroGPU `duration=` quotas, OAuth
//! `read-repos` for private reads, Job label rules, Jobs in an org's namespace, rate
//! limits.

pub mod auth;
pub mod buckets;
pub mod demo_agent;
pub mod demo_models;
pub mod errors;
pub mod faults;
pub mod gating;
pub mod inference;
pub mod jobs;
pub mod log_stream;
pub mod model_list;
pub mod models;
pub mod mount;
pub mod plans;
pub mod process;
pub mod python_env;
pub mod repos;
pub mod routes;
pub mod space_proxy;
pub mod spaces;
pub mod store;
pub mod traffic;
pub mod zerogpu;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub use auth::clients::RegisteredClient;
pub use auth::{SecretToken, User};
pub use faults::{Burst, FaultConfig};
pub use plans::{Org, Plan};

/// Shared state of a running hub, handed to every handler.
pub type AppState = Arc<HubState>;

/// Everything a running hub knows.
#[derive(Debug)]
pub struct HubState {
    base_url: String,
    data_dir: PathBuf,
    /// Users and tokens.
    pub accounts: auth::Accounts,
    /// The OAuth provider: registered apps, token lifetime, codes in flight.
    pub oidc: auth::oidc::OidcState,
    /// Repo and bucket records.
    pub store: Mutex<store::Store>,
    /// Active faults.
    pub faults: faults::Faults,
    /// Running Spaces.
    pub spaces: spaces::Spaces,
    /// Each Space's host, in front of its app ([`space_proxy`]).
    pub proxies: space_proxy::SpaceProxies,
    /// The proxies' client to the apps: no redirects followed, nothing decoded.
    proxy_client: reqwest::Client,
    /// Jobs.
    pub jobs: jobs::Jobs,
    /// Chat completions backend.
    pub chat: inference::ChatBackend,
    /// What clients asked, by route and answer.
    pub traffic: traffic::Traffic,
}

impl HubState {
    /// The base URL, e.g. `http://127.0.0.1:4321`.
    pub fn url(&self) -> String {
        self.base_url.clone()
    }
    /// The folder of a repo's current files.
    pub fn repo_dir(&self, kind: store::RepoKind, id: &str) -> PathBuf {
        self.data_dir.join("repos").join(kind.plural()).join(id)
    }
    /// The folder holding a bucket's files.
    pub fn bucket_dir(&self, id: &str) -> PathBuf {
        self.data_dir.join("buckets").join(id)
    }
    /// Where files bound for a bucket are written before their rename into it (the same
    /// file system as the buckets, outside every bucket).
    pub fn incoming_dir(&self) -> PathBuf {
        self.data_dir.join("incoming")
    }
    /// The data folder.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }
    /// The client the Spaces proxy reaches apps with.
    pub fn proxy_client(&self) -> &reqwest::Client {
        &self.proxy_client
    }
}

/// Why the hub could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Binding the address or creating the data folder failed.
    #[error("localhub start: {0}")]
    Io(#[from] std::io::Error),
    /// The configuration is unusable.
    #[error("localhub config: {0}")]
    Config(String),
}

/// Builder for an in-process hub.
#[derive(Debug, Default)]
pub struct LocalHubBuilder {
    addr: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    users: Vec<User>,
    orgs: Vec<Org>,
    oauth_clients: Vec<RegisteredClient>,
    oauth_ttl: Option<std::time::Duration>,
    first_commit_lag: Option<std::time::Duration>,
    faults: FaultConfig,
    images: jobs::ImageMap,
    chat: inference::ChatBackend,
    without_demo_models: bool,
}

/// Entry point: `LocalHub::builder()`.
#[derive(Debug)]
pub struct LocalHub;

impl LocalHub {
    /// A builder with defaults: `127.0.0.1:0`, users alice (PRO), bob (free, can pay) and
    /// carol (free, cannot pay), the org `alice-org` (paid, alice and carol members), the factory's
    /// OAuth app `space-factory-local`, OAuth tokens living 8 h.
    pub fn builder() -> LocalHubBuilder {
        LocalHubBuilder::default()
    }
}

impl LocalHubBuilder {
    /// Address to listen on (default `127.0.0.1:0`, an ephemeral port).
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = Some(addr);
        self
    }
    /// Where repos, buckets, Spaces and Jobs keep their files (required).
    pub fn data_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.data_dir = Some(dir.as_ref().to_path_buf());
        self
    }
    /// Users by name, each with a random dev token.
    pub fn users<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.users
            .extend(names.into_iter().map(|n| User::new(n.as_ref())));
        self
    }
    /// Adds a fully specified user (e.g. with a fixed token).
    pub fn user(mut self, user: User) -> Self {
        self.users.push(user);
        self
    }
    /// Adds an organization (default: `alice-org`, paid, with alice and carol, when alice is
    /// a user).
    pub fn org(mut self, org: Org) -> Self {
        self.orgs.push(org);
        self
    }
    /// Registers an OAuth app besides the factory's own `space-factory-local` (e.g. a
    /// Space's confidential app: [`RegisteredClient::confidential`]).
    pub fn oauth_client(mut self, client: RegisteredClient) -> Self {
        self.oauth_clients.push(client);
        self
    }
    /// How long OAuth access tokens live (default 8 h, the Hub's); expired ones answer 401.
    pub fn oauth_token_ttl(mut self, ttl: std::time::Duration) -> Self {
        self.oauth_ttl = Some(ttl);
        self
    }
    /// How long a new Space still shows `NO_APP_FILE` after its first commit before it
    /// starts building, as on the Hub ([`spaces::FIRST_COMMIT_LAG`] by default).
    pub fn first_commit_lag(mut self, lag: std::time::Duration) -> Self {
        self.first_commit_lag = Some(lag);
        self
    }
    /// Faults active from the start.
    pub fn faults(mut self, faults: FaultConfig) -> Self {
        self.faults = faults;
        self
    }
    /// Maps a Job image to a local command prefix (unmapped images run commands as-is).
    pub fn job_image(mut self, image: impl Into<String>, prefix: Vec<String>) -> Self {
        self.images.0.insert(
            image.into(),
            jobs::LocalImage {
                prefix,
                ..Default::default()
            },
        );
        self
    }
    /// Maps a Job image to one that has `program` (a local build) on its `PATH`, folder
    /// first, so a Job command naming the program (`["worker", "run"]`) runs that file, as
    /// it would in an image that installed it.
    pub fn job_image_with_program(self, image: impl Into<String>, program: &Path) -> Self {
        let folder = program.parent().map(Path::to_path_buf).unwrap_or_default();
        self.job_image_env(image, vec![folder], Vec::new())
    }
    /// Maps a Job image to the environment the image gives its process: `path_first` ahead
    /// of `PATH` (where its programs are) and `vars` (its `ENV`).
    pub fn job_image_env(
        mut self,
        image: impl Into<String>,
        path_first: Vec<PathBuf>,
        vars: Vec<(String, String)>,
    ) -> Self {
        self.images.0.insert(
            image.into(),
            jobs::LocalImage {
                prefix: Vec::new(),
                path_first,
                env: vars,
            },
        );
        self
    }
    /// Where `/v1/chat/completions` answers come from (script file or upstream).
    pub fn chat(mut self, backend: inference::ChatBackend) -> Self {
        self.chat = backend;
        self
    }
    /// Whether the demo models ([`demo_models`]) are served (default: yes). Off, the
    /// namespace `space-factory-demo` is free, and a user may have that name.
    pub fn demo_models(mut self, on: bool) -> Self {
        self.without_demo_models = !on;
        self
    }
    /// Binds, and serves in a background task.
    pub async fn start(self) -> Result<RunningHub, StartError> {
        let data_dir = self
            .data_dir
            .ok_or_else(|| StartError::Config("data_dir is required".into()))?;
        std::fs::create_dir_all(&data_dir)?;
        let data_dir = data_dir.canonicalize()?;
        let users = if self.users.is_empty() {
            vec![User::new("alice"), User::new("bob"), User::new("carol")]
        } else {
            self.users
        };
        let orgs = if self.orgs.is_empty() && users.iter().any(|u| u.name == "alice") {
            vec![Org::new("alice-org").member("alice").member("carol")]
        } else {
            self.orgs
        };
        let mut clients = vec![RegisteredClient::factory()];
        clients.extend(self.oauth_clients);
        let ttl = self
            .oauth_ttl
            .map_or(auth::oidc::ACCESS_TTL_SECS, |d| d.as_secs() as i64);
        if !self.without_demo_models && users.iter().any(|u| u.name == demo_models::NAMESPACE) {
            return Err(StartError::Config(format!(
                "the user name `{}` is reserved for the demo models (or turn them off)",
                demo_models::NAMESPACE
            )));
        }
        let listener = tokio::net::TcpListener::bind(
            self.addr
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0))),
        )
        .await?;
        let local = listener.local_addr()?;
        let state: AppState = Arc::new(HubState {
            base_url: format!("http://{local}"),
            data_dir,
            accounts: auth::Accounts::new(users, orgs),
            oidc: auth::oidc::OidcState::new(clients, ttl),
            store: Mutex::new(store::Store::default()),
            faults: faults::Faults::new(self.faults),
            spaces: spaces::Spaces::new(self.first_commit_lag.unwrap_or(spaces::FIRST_COMMIT_LAG)),
            proxies: space_proxy::SpaceProxies::default(),
            proxy_client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(std::io::Error::other)?,
            jobs: jobs::Jobs::new(self.images),
            chat: self.chat,
            traffic: traffic::Traffic::default(),
        });
        if !self.without_demo_models {
            demo_models::seed(&state)?;
        }
        let app = routes::router(state.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        tracing::info!(url = %state.url(), "localhub listening");
        Ok(RunningHub {
            state,
            shutdown: Some(tx),
            task: Some(task),
        })
    }
}

/// A hub serving in the background; dropping it stops the server, and kills the process
/// groups of its Spaces and Jobs ([`process`]), so nothing it started outlives it.
#[derive(Debug)]
pub struct RunningHub {
    state: AppState,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl RunningHub {
    /// Base URL (`HF_ENDPOINT`), e.g. `http://127.0.0.1:4321`.
    pub fn url(&self) -> String {
        self.state.url()
    }
    /// The dev token of a user (an `hf_...` access token).
    pub fn token_for(&self, user: &str) -> Option<String> {
        self.state
            .accounts
            .user(user)
            .map(|u| u.token.expose().to_string())
    }
    /// The OAuth access tokens sign-ins minted for a user, so tests can search for leaks.
    pub fn oauth_tokens_for(&self, user: &str) -> Vec<String> {
        self.state
            .accounts
            .oauth_tokens_of(user)
            .iter()
            .map(|t| t.expose().to_string())
            .collect()
    }
    /// User names.
    pub fn users(&self) -> Vec<String> {
        self.state
            .accounts
            .users()
            .iter()
            .map(|u| u.name.clone())
            .collect()
    }
    /// Replaces the active faults (same as `POST /_localhub/faults`).
    pub fn set_faults(&self, faults: FaultConfig) {
        self.state.faults.set(faults);
    }
    /// How many requests `METHOD path` (e.g. `POST /api/spaces/alice/s/hardware`) received;
    /// writes only (GET and HEAD are not counted).
    pub fn hits(&self, method: &str, path: &str) -> u32 {
        self.state.faults.hits(method, path)
    }
    /// The folder of a bucket `ns/name` on disk.
    pub fn bucket_dir(&self, id: &str) -> PathBuf {
        self.state.bucket_dir(id)
    }
    /// Every request so far by method, route and status, with the event streams still open
    /// (same as `GET /_localhub/traffic`).
    pub fn traffic(&self) -> Vec<traffic::RouteTraffic> {
        self.state.traffic.snapshot()
    }
    /// Stops serving and stops all Space and Job processes.
    pub async fn shutdown(mut self) {
        self.stop();
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
    fn stop(&mut self) {
        self.state.spaces.stop_all();
        self.state.proxies.stop_all();
        self.state.jobs.stop_all();
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for RunningHub {
    fn drop(&mut self) {
        self.stop();
    }
}
