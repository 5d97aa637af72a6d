//! Server configuration from the command line and the environment.
//!
//! Every setting has a default that works on a fresh machine; the README's configuration
//! table lists them. In a Hugging Face Space the platform injects the OAuth settings
//! (`OAUTH_CLIENT_ID`, `OAUTH_CLIENT_SECRET`, `OAUTH_SCOPES`, `OPENID_PROVIDER_URL`) and
//! `SPACE_HOST`; locally none is needed, because the embedded local hub accepts any client.

use clap::Parser;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// The default port when neither `--addr` nor `PORT` says otherwise.
pub const DEFAULT_PORT: u16 = 3000;

/// The OAuth client id used with the embedded local hub when none is configured.
pub const LOCAL_CLIENT_ID: &str = "space-factory-local";

/// The Job image run Jobs use unless `SPACE_FACTORY_JOB_IMAGE` says otherwise; the embedded
/// hub maps it to the local `worker` binary.
pub const DEFAULT_JOB_IMAGE: &str = "space-factory-worker";

/// The dedicated GPUs a run may ask for unless `SPACE_FACTORY_ALLOWED_GPUS` says otherwise:
/// the small ones, so no wizard can start a multi-GPU machine by a slip.
pub const DEFAULT_ALLOWED_GPUS: &str = "t4-small t4-medium l4x1 a10g-small";

/// What the server needs to start.
#[derive(Debug, Clone, Parser)]
#[command(name = "space-factory", version, about = "Space Factory web server")]
pub struct Config {
    /// Address to listen on. Defaults to HOST:PORT, i.e. 127.0.0.1:3000.
    #[arg(long, env = "SPACE_FACTORY_ADDR", default_value_t = default_addr())]
    pub addr: SocketAddr,

    /// Folder holding the built site (`pkg/` with the wasm, JS and CSS, plus `public/`).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,

    /// The Hub to speak to. Unset: the server starts the embedded local hub and uses it.
    #[arg(long = "hub-endpoint", env = "HF_ENDPOINT")]
    pub hub_endpoint: Option<String>,

    /// Where the embedded local hub keeps its repos, buckets and Spaces (default: a fresh
    /// folder under the system temp dir for each start).
    #[arg(long, env = "SPACE_FACTORY_LOCALHUB_DATA")]
    pub localhub_data: Option<PathBuf>,

    /// The `worker` binary the embedded hub runs as the Job image (default: `worker` next
    /// to this server's binary).
    #[arg(long, env = "SPACE_FACTORY_WORKER_BIN")]
    pub worker_bin: Option<PathBuf>,

    /// The npm prefix holding the pinned Pi that the embedded hub's Jobs get where the Job
    /// image has `/opt/pi` (default: the repository's `tools/pi`, which `scripts/setup.sh`
    /// installs).
    #[arg(long, env = runs::job::PI_PREFIX_ENV)]
    pub pi_prefix: Option<PathBuf>,

    /// An OpenAI-compatible base URL (ending in `/v1`, e.g. a local llama.cpp or Ollama
    /// server) that the embedded hub's router forwards agent models to; unset, it serves
    /// only its built-in demo agent.
    #[arg(long, env = "SPACE_FACTORY_CHAT_UPSTREAM")]
    pub chat_upstream: Option<String>,

    /// The key sent to `--chat-upstream`, if it needs one.
    #[arg(long, env = "SPACE_FACTORY_CHAT_UPSTREAM_KEY", hide_env_values = true)]
    pub chat_upstream_key: Option<Secret>,

    /// Origins allowed to frame the app besides itself and huggingface.co (space-separated,
    /// e.g. a Hub of your own that shows the factory as a Space).
    #[arg(long, env = "SPACE_FACTORY_FRAME_ANCESTORS")]
    pub frame_ancestors: Option<String>,

    /// The dedicated GPUs (space-separated flavor names) a run may ask for, for its Job or
    /// its Space; others are refused. CPU flavors and ZeroGPU are always allowed.
    #[arg(long, env = "SPACE_FACTORY_ALLOWED_GPUS", default_value = DEFAULT_ALLOWED_GPUS)]
    pub allowed_gpus: String,

    /// The most runs one user may have under way at once (Jobs not yet ended); a launch
    /// past it is refused with a 429 that says so.
    #[arg(long, env = "SPACE_FACTORY_MAX_RUNS_UNDER_WAY", default_value_t = 3)]
    pub max_runs_under_way: usize,

    /// The most sessions the server keeps in memory; past it, sign-ins in progress and
    /// then the sessions closest to expiry are dropped first.
    #[arg(long, env = "SPACE_FACTORY_MAX_SESSIONS", default_value_t = crate::session::store::MAX_SESSIONS)]
    pub max_sessions: usize,

    /// Port cargo-leptos' live reload listens on during `cargo leptos watch`.
    #[arg(long, env = "LEPTOS_RELOAD_PORT", default_value_t = 3001)]
    pub reload_port: u32,

    /// The OAuth app's client id (injected in a Space; a fixed local id otherwise).
    #[arg(long, env = "OAUTH_CLIENT_ID")]
    pub oauth_client_id: Option<String>,

    /// The OAuth app's client secret (injected in a Space; none for the local hub).
    #[arg(long, env = "OAUTH_CLIENT_SECRET", hide_env_values = true)]
    pub oauth_client_secret: Option<Secret>,

    /// Extra scopes to request on top of the factory's own (space-separated).
    #[arg(long, env = "OAUTH_SCOPES")]
    pub oauth_scopes: Option<String>,

    /// The OpenID provider (default: the Hub endpoint).
    #[arg(long, env = "OPENID_PROVIDER_URL")]
    pub openid_provider_url: Option<String>,

    /// The Space's public host name; when set the server is behind HTTPS in an iframe:
    /// the OAuth redirect is `https://SPACE_HOST/login/callback` and cookies are
    /// `Secure; SameSite=None`.
    #[arg(long, env = "SPACE_HOST")]
    pub space_host: Option<String>,

    /// The bucket runs record into, `owner/name` (default `<user>/space-factory-runs`).
    #[arg(long, env = "SPACE_FACTORY_BUCKET_SOURCE")]
    pub bucket_source: Option<String>,

    /// Where the Job mounts the bucket.
    #[arg(long, env = "SPACE_FACTORY_BUCKET_MOUNT", default_value = runs::job::OUTPUT_MOUNT)]
    pub bucket_mount: String,

    /// The Job hardware flavor when the wizard does not pick one.
    #[arg(long, env = "SPACE_FACTORY_JOB_FLAVOR", default_value = "cpu-basic")]
    pub job_flavor: String,

    /// The Job timeout when the wizard does not pick one: seconds, or with a unit
    /// (`90m`, `2h`).
    #[arg(long, env = "SPACE_FACTORY_JOB_TIMEOUT", default_value = "1h", value_parser = parse_duration)]
    pub job_timeout: Duration,

    /// The budget the wizard starts from, USD: the worker stops a run whose estimated spend
    /// reaches its budget. `0`: runs start with no budget.
    #[arg(long, env = "SPACE_FACTORY_DEFAULT_BUDGET_USD", default_value_t = 5.0)]
    pub default_budget_usd: f64,

    /// The Job image with `worker` on its `PATH`. Left at its default inside a Space, run
    /// Jobs use the Space's own image instead (see [`Config::run_job_image`]).
    #[arg(long, env = "SPACE_FACTORY_JOB_IMAGE", default_value = DEFAULT_JOB_IMAGE)]
    pub job_image: String,

    /// The Space this server runs in, `owner/name` (injected in every Space).
    #[arg(long, env = "SPACE_ID")]
    pub space_id: Option<String>,
}

impl Config {
    /// The image run Jobs use. In a Space, unless `SPACE_FACTORY_JOB_IMAGE` names another
    /// image, the Space's own (`spaceId` = `SPACE_ID`): the factory's Docker image is also
    /// the Job image, with the worker and Pi installed. Elsewhere the Docker image
    /// `SPACE_FACTORY_JOB_IMAGE` names (the embedded hub maps the default to `worker`).
    pub fn run_job_image(&self) -> Result<hub::jobs::JobImage, String> {
        match &self.space_id {
            Some(space) if self.job_image == DEFAULT_JOB_IMAGE => space
                .parse()
                .map(hub::jobs::JobImage::Space)
                .map_err(|e| format!("SPACE_ID `{space}`: {e}")),
            _ => Ok(hub::jobs::JobImage::Docker(self.job_image.clone())),
        }
    }

    /// The configuration from the environment only, as tests build it.
    pub fn from_env_only() -> Result<Config, clap::Error> {
        Config::try_parse_from(["space-factory"])
    }

    /// The public base URL the browser reaches this server at: `https://SPACE_HOST` in a
    /// Space, else the address the server listens on.
    pub fn public_url(&self, listening: SocketAddr) -> String {
        match &self.space_host {
            Some(host) => format!("https://{}", host.trim_end_matches('/')),
            None => format!("http://{listening}"),
        }
    }
}

/// A configured secret: `Debug` never shows it.
#[derive(Clone)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.to_owned()))
    }
}

/// `HOST` (default 127.0.0.1) and `PORT` (default 3000), as hosting platforms set them.
fn default_addr() -> SocketAddr {
    let host = std::env::var("HOST")
        .ok()
        .and_then(|h| h.parse::<IpAddr>().ok())
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let port = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse::<u16>().ok())
        .unwrap_or(DEFAULT_PORT);
    SocketAddr::new(host, port)
}

/// `3600`, `3600s`, `90m` or `2h` as a duration.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration like 3600, 90m or 2h"))?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return Err(format!("`{text}`: the unit must be s, m or h")),
    };
    if secs == 0 {
        return Err("the timeout must be more than zero".into());
    }
    Ok(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_run_the_space_image_in_a_space_unless_an_image_is_named() {
        let parse = |args: &[&str]| {
            Config::try_parse_from(["space-factory"].iter().chain(args))
                .unwrap()
                .run_job_image()
        };
        assert_eq!(
            parse(&["--space-id", "alice/factory"]),
            Ok(hub::jobs::JobImage::Space("alice/factory".parse().unwrap()))
        );
        assert_eq!(
            parse(&[
                "--space-id",
                "alice/factory",
                "--job-image",
                "ghcr.io/me/worker:1"
            ]),
            Ok(hub::jobs::JobImage::Docker("ghcr.io/me/worker:1".into()))
        );
        assert_eq!(
            parse(&[]),
            Ok(hub::jobs::JobImage::Docker(DEFAULT_JOB_IMAGE.into()))
        );
        assert!(parse(&["--space-id", "not a repo"]).is_err());
    }

    #[test]
    fn addr_flag_wins_and_bad_addresses_are_refused() {
        let config = Config::try_parse_from(["space-factory", "--addr", "127.0.0.1:8123"]).unwrap();
        assert_eq!(config.addr, "127.0.0.1:8123".parse().unwrap());
        let err =
            Config::try_parse_from(["space-factory", "--addr", "not-an-address"]).unwrap_err();
        assert!(err.to_string().contains("invalid value"), "{err}");
    }

    #[test]
    fn durations_take_units_and_refuse_nonsense() {
        assert_eq!(parse_duration("90m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("2h").unwrap(), Duration::from_secs(7200));
        assert_eq!(parse_duration("45").unwrap(), Duration::from_secs(45));
        assert!(parse_duration("0").is_err());
        assert!(parse_duration("10d").is_err());
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn public_url_follows_space_host() {
        let addr: SocketAddr = "127.0.0.1:4000".parse().unwrap();
        let mut config = Config::try_parse_from(["space-factory"]).unwrap();
        config.space_host = None;
        assert_eq!(config.public_url(addr), "http://127.0.0.1:4000");
        config.space_host = Some("alice-factory.hf.space".into());
        assert_eq!(config.public_url(addr), "https://alice-factory.hf.space");
    }

    #[test]
    fn the_client_secret_never_shows_in_debug() {
        let config = Config::try_parse_from([
            "space-factory",
            "--oauth-client-secret",
            "very-secret-value",
        ])
        .unwrap();
        assert!(!format!("{config:?}").contains("very-secret-value"));
    }
}
