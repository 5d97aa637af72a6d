//! Everything the worker reads from its environment, read once at start-up into a
//! [`WorkerConfig`] that `main` passes down: the Job contract's variables (see the crate
//! docs) and the overrides a developer or test may set. Nothing else in the worker reads
//! the environment.

use crate::agent::install::{PI_BIN_ENV, PI_PREFIX_ENV};
use crate::phases::agent_step::{API_KEY_ENV, MAX_TURNS_ENV, ROUTER_ENV, TIMEOUT_ENV};
use crate::space::access::TOKEN_ENV;
use crate::space::WaitPolicy;
use hub::HubConfig;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Overrides the Space build budget, in seconds.
pub const BUILD_TIMEOUT_ENV: &str = "SPACE_FACTORY_BUILD_TIMEOUT_SECS";
/// Overrides the Space start-up budget, in seconds.
pub const START_TIMEOUT_ENV: &str = "SPACE_FACTORY_START_TIMEOUT_SECS";

/// What the worker was told through its environment.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// The run spec JSON ([`runs::RUN_SPEC_ENV`]), when set.
    pub run_spec: Option<String>,
    /// The user's token ([`TOKEN_ENV`], a Job secret), trimmed; `None` when unset or blank.
    pub token: Option<String>,
    /// The Hub endpoint and inference URL (`HF_ENDPOINT`, [`hub::INFERENCE_URL_ENV`]), or
    /// why they cannot be used (reported by the step that needs the Hub).
    pub hub: Result<HubConfig, String>,
    /// When the token expires, Unix seconds as text ([`runs::job::TOKEN_EXPIRES_ENV`]).
    pub token_expires_at: Option<String>,
    /// The Inference Providers router the agent's model is reached through
    /// ([`ROUTER_ENV`]), when set and not blank.
    pub agent_router: Option<String>,
    /// The key for an OpenAI-compatible agent provider ([`API_KEY_ENV`], a Job secret), when
    /// set and not blank; one of [`WorkerConfig::secrets`] whatever its name.
    pub agent_api_key: Option<String>,
    /// The agent's turn limit override ([`MAX_TURNS_ENV`]) as given; checked by the phase.
    pub agent_max_turns: Option<String>,
    /// The agent's wall-clock limit override ([`TIMEOUT_ENV`]) as given; checked by the
    /// phase.
    pub agent_timeout: Option<String>,
    /// A `pi` binary to use as-is ([`PI_BIN_ENV`]).
    pub pi_bin: Option<PathBuf>,
    /// The npm prefix Pi is found in or installed into ([`PI_PREFIX_ENV`], else
    /// `$XDG_CACHE_HOME/space-factory/pi`, else `~/.cache/space-factory/pi`).
    pub pi_prefix: PathBuf,
    /// The `hf` executable to give Pi ([`crate::phases::pi_recipe::HF_CLI_ENV`]).
    pub hf_cli: Option<PathBuf>,
    /// The worker's `PATH`, searched for `hf` and put behind it in Pi's environment.
    pub path: Option<OsString>,
    /// A folder whose files replace the generated app's ([`crate::generate::APP_OVERRIDE_ENV`]).
    pub app_override: Option<PathBuf>,
    /// The Space start-up budgets ([`BUILD_TIMEOUT_ENV`], [`START_TIMEOUT_ENV`] override the
    /// defaults).
    pub wait: WaitPolicy,
    /// The values of every variable whose name ends in TOKEN, SECRET, KEY, PASSWORD or
    /// CREDENTIALS, and of the Job's secrets ([`TOKEN_ENV`], [`API_KEY_ENV`]): what the
    /// redactor removes.
    pub secrets: Vec<String>,
}

impl WorkerConfig {
    /// Reads the process environment (once, in `main`).
    pub fn from_env() -> WorkerConfig {
        WorkerConfig::from_vars(std::env::vars_os())
    }

    /// The configuration these variables give (the environment, or a test's).
    pub fn from_vars(vars: impl IntoIterator<Item = (OsString, OsString)>) -> WorkerConfig {
        let vars: Vec<(String, OsString)> = vars
            .into_iter()
            .filter_map(|(name, value)| Some((name.into_string().ok()?, value)))
            .collect();
        let os = |name: &str| {
            vars.iter()
                .find(|(n, _)| n == name)
                .map(|(_, value)| value.clone())
        };
        let text = |name: &str| os(name).and_then(|v| v.into_string().ok());
        let non_empty = |name: &str| {
            text(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let secs = |name: &str| {
            text(name)
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs)
        };
        let mut wait = WaitPolicy::default();
        if let Some(d) = secs(BUILD_TIMEOUT_ENV) {
            wait.build_timeout = d;
        }
        if let Some(d) = secs(START_TIMEOUT_ENV) {
            wait.start_timeout = d;
        }
        let pi_prefix = os(PI_PREFIX_ENV).map(PathBuf::from).unwrap_or_else(|| {
            os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| os("HOME").map(|home| Path::new(&home).join(".cache")))
                .unwrap_or_else(std::env::temp_dir)
                .join("space-factory")
                .join("pi")
        });
        let token = non_empty(TOKEN_ENV);
        let agent_api_key = non_empty(API_KEY_ENV);
        let mut secrets: Vec<String> = vars
            .iter()
            .filter(|(name, _)| crate::sealed::is_secret_name(name.as_bytes()))
            .filter_map(|(_, value)| value.clone().into_string().ok())
            .collect();
        for secret in token.iter().chain(&agent_api_key) {
            if !secrets.contains(secret) {
                secrets.push(secret.clone());
            }
        }
        WorkerConfig {
            run_spec: text(runs::RUN_SPEC_ENV),
            token,
            hub: hub_config(
                non_empty("HF_ENDPOINT").as_deref(),
                non_empty(hub::INFERENCE_URL_ENV).as_deref(),
            ),
            token_expires_at: text(runs::job::TOKEN_EXPIRES_ENV),
            agent_router: non_empty(ROUTER_ENV),
            agent_api_key,
            agent_max_turns: non_empty(MAX_TURNS_ENV),
            agent_timeout: non_empty(TIMEOUT_ENV),
            pi_bin: os(PI_BIN_ENV).map(PathBuf::from),
            pi_prefix,
            hf_cli: os(crate::phases::pi_recipe::HF_CLI_ENV).map(PathBuf::from),
            path: os("PATH"),
            app_override: os(crate::generate::APP_OVERRIDE_ENV).map(PathBuf::from),
            wait,
            secrets,
        }
    }
}

/// The Hub's configuration: `endpoint`, else huggingface.co; `inference_url`, else the
/// public router.
fn hub_config(endpoint: Option<&str>, inference_url: Option<&str>) -> Result<HubConfig, String> {
    let cfg = HubConfig::new(endpoint.unwrap_or(hub::DEFAULT_ENDPOINT));
    let cfg = match inference_url {
        Some(url) => cfg.and_then(|cfg| cfg.with_inference_url(url)),
        None => cfg,
    };
    cfg.map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> WorkerConfig {
        WorkerConfig::from_vars(vars.iter().map(|(k, v)| ((*k).into(), (*v).into())))
    }

    #[test]
    fn blank_values_count_as_unset_and_values_are_trimmed() {
        let c = config(&[
            (runs::job::TOKEN_SECRET, "  hf_abc \n"),
            (API_KEY_ENV, "  "),
        ]);
        assert_eq!(c.token.as_deref(), Some("hf_abc"));
        assert_eq!(c.agent_api_key, None);
        assert_eq!(c.hub.unwrap().endpoint.as_str(), "https://huggingface.co/");
    }

    #[test]
    fn budgets_and_secrets_come_from_their_variables() {
        let c = config(&[
            (START_TIMEOUT_ENV, " 300 "),
            (BUILD_TIMEOUT_ENV, "soon"),
            ("MY_API_KEY", "k1"),
            ("PLAIN", "v"),
        ]);
        assert_eq!(c.wait.start_timeout, Duration::from_secs(300));
        assert_eq!(c.wait.build_timeout, WaitPolicy::default().build_timeout);
        assert_eq!(c.secrets, ["k1"]);
    }

    #[test]
    fn the_job_secrets_are_secrets_for_the_redactor() {
        let c = config(&[
            (runs::job::TOKEN_SECRET, "hf_user_token"),
            (API_KEY_ENV, " sk-endpoint "),
        ]);
        assert_eq!(c.agent_api_key.as_deref(), Some("sk-endpoint"));
        assert!(
            c.secrets.iter().any(|s| s == "hf_user_token"),
            "{:?}",
            c.secrets.len()
        );
        assert!(
            c.secrets.iter().any(|s| s == "sk-endpoint"),
            "{:?}",
            c.secrets.len()
        );
    }

    #[test]
    fn pi_lives_in_the_cache_unless_a_prefix_is_named() {
        let c = config(&[("HOME", "/home/a")]);
        assert_eq!(c.pi_prefix, Path::new("/home/a/.cache/space-factory/pi"));
        let c = config(&[(PI_PREFIX_ENV, "/opt/pi"), ("XDG_CACHE_HOME", "/c")]);
        assert_eq!(c.pi_prefix, Path::new("/opt/pi"));
    }
}
