//! Which model Pi drives, and the private agent folder that tells Pi so.
//!
//! Three ways to reach a model: Pi's built-in `huggingface` provider (Inference Providers
//! through the public router, key from `HF_TOKEN`), the same through another router
//! (`HF_INFERENCE_URL`, e.g. the embedded hub's), or any OpenAI-compatible base URL; the
//! last two are declared as a custom provider in `models.json`. Either way the key reaches Pi only through its
//! environment: `models.json` names the variable, never the value, and nothing goes on the
//! command line.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The model the agent phases use unless the run names another.
pub const DEFAULT_MODEL: &str = "Qwen/Qwen3-Coder-Next";

/// The name `models.json` gives a custom OpenAI-compatible provider.
pub const CUSTOM_PROVIDER: &str = "space-factory";

/// The environment variable Pi reads the custom provider's key from.
pub const CUSTOM_KEY_ENV: &str = "SPACE_FACTORY_AGENT_API_KEY";

/// The environment variable Pi's built-in `huggingface` provider reads its key from.
pub const HF_KEY_ENV: &str = runs::job::TOKEN_SECRET;

/// Where the model is served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provider {
    /// Pi's built-in `huggingface` provider (Inference Providers router).
    HuggingFace,
    /// Inference Providers at a router other than the public one (`HF_INFERENCE_URL`: the
    /// embedded hub plays the router for its local Jobs). Reached as a custom provider, with
    /// the user's token, which belongs to the Hub it goes to.
    Router {
        /// The router's base URL ending in `/v1`.
        base_url: String,
    },
    /// Any OpenAI-compatible API, e.g. `http://127.0.0.1:4321/v1`.
    OpenAiCompatible {
        /// Base URL ending in `/v1` (Pi posts to `<base>/chat/completions`).
        base_url: String,
    },
}

/// The model Pi drives, where it is served, and how eagerly Pi retries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentModel {
    /// Where.
    pub provider: Provider,
    /// The model id, e.g. `Qwen/Qwen3-Coder-Next`.
    pub model: String,
    /// Pi's own retries of a failed model call (0 turns them off).
    pub max_retries: u32,
}

impl AgentModel {
    /// `model` through the built-in `huggingface` provider, or through `base_url` when given.
    pub fn new(model: Option<&str>, base_url: Option<&str>) -> AgentModel {
        let model = model
            .filter(|m| !m.trim().is_empty())
            .unwrap_or(DEFAULT_MODEL)
            .to_owned();
        let provider = match base_url.filter(|u| !u.trim().is_empty()) {
            Some(url) => Provider::OpenAiCompatible {
                base_url: url.trim_end_matches('/').to_owned(),
            },
            None => Provider::HuggingFace,
        };
        AgentModel {
            provider,
            model,
            max_retries: 3,
        }
    }

    /// The same model, through `router` (the Job's `HF_INFERENCE_URL`) instead of the public
    /// router when it names another one. A custom base URL is left as it is.
    pub fn via_router(mut self, router: Option<&str>) -> AgentModel {
        let router = router
            .map(|u| u.trim().trim_end_matches('/'))
            .filter(|u| !u.is_empty() && *u != hub::DEFAULT_INFERENCE_URL);
        if let (Provider::HuggingFace, Some(url)) = (&self.provider, router) {
            self.provider = Provider::Router {
                base_url: url.to_owned(),
            };
        }
        self
    }

    /// The provider's OpenAI-compatible base URL, ending in `/v1` (what the worker's
    /// gateway forwards Pi's model calls to).
    pub fn base_url(&self) -> &str {
        match &self.provider {
            Provider::HuggingFace => hub::DEFAULT_INFERENCE_URL,
            Provider::Router { base_url } | Provider::OpenAiCompatible { base_url } => base_url,
        }
    }

    /// The same model as Pi reaches it: through the gateway at `base_url` (a custom
    /// provider; the key Pi holds is the gateway's).
    pub fn through(&self, base_url: &str) -> AgentModel {
        AgentModel {
            provider: Provider::OpenAiCompatible {
                base_url: base_url.trim_end_matches('/').to_owned(),
            },
            ..self.clone()
        }
    }

    /// The provider name Pi is given with `--provider`.
    pub fn provider_name(&self) -> &str {
        match self.provider {
            Provider::HuggingFace => "huggingface",
            Provider::OpenAiCompatible { .. } | Provider::Router { .. } => CUSTOM_PROVIDER,
        }
    }

    /// The environment variable that must carry the key for this provider.
    pub fn key_env(&self) -> &'static str {
        match self.provider {
            Provider::HuggingFace => HF_KEY_ENV,
            Provider::OpenAiCompatible { .. } | Provider::Router { .. } => CUSTOM_KEY_ENV,
        }
    }

    /// `--provider … --model …`.
    pub fn cli_args(&self) -> Vec<String> {
        vec![
            "--provider".into(),
            self.provider_name().into(),
            "--model".into(),
            self.model.clone(),
        ]
    }

    /// `models.json`: the custom provider when there is one, else nothing to add.
    pub fn models_json(&self) -> Option<serde_json::Value> {
        let (Provider::OpenAiCompatible { base_url } | Provider::Router { base_url }) =
            &self.provider
        else {
            return None;
        };
        Some(serde_json::json!({
            "providers": {
                CUSTOM_PROVIDER: {
                    "baseUrl": base_url,
                    "api": "openai-completions",
                    // The name of the variable, resolved by Pi from its environment.
                    "apiKey": CUSTOM_KEY_ENV,
                    "compat": {
                        "supportsDeveloperRole": false,
                        "supportsReasoningEffort": false,
                        "supportsStore": false,
                        "maxTokensField": "max_tokens"
                    },
                    "models": [{
                        "id": self.model,
                        "name": self.model,
                        "contextWindow": 128000,
                        "maxTokens": 8192
                    }]
                }
            }
        }))
    }

    /// `settings.json`: Pi's retry policy for model calls.
    pub fn settings_json(&self) -> serde_json::Value {
        serde_json::json!({
            "retry": {
                "enabled": self.max_retries > 0,
                "maxRetries": self.max_retries,
                "provider": { "maxRetries": self.max_retries.min(2) }
            }
        })
    }
}

/// A private folder for Pi's configuration, sessions and the task file, outside the
/// workspace (the workspace may be uploaded whole; this folder never is).
#[derive(Debug)]
pub struct AgentDir {
    root: PathBuf,
}

impl AgentDir {
    /// Creates `root` readable by this user only and writes Pi's configuration into it.
    pub fn create(root: impl Into<PathBuf>, model: &AgentModel) -> std::io::Result<AgentDir> {
        let root = root.into();
        create_private_dir(&root)?;
        let dir = AgentDir { root };
        create_private_dir(&dir.sessions())?;
        if let Some(models) = model.models_json() {
            write_private(&dir.root.join("models.json"), &pretty(&models))?;
        }
        write_private(
            &dir.root.join("settings.json"),
            &pretty(&model.settings_json()),
        )?;
        Ok(dir)
    }

    /// The folder (`PI_CODING_AGENT_DIR`).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where Pi writes its session file (`--session-dir`).
    pub fn sessions(&self) -> PathBuf {
        self.root.join("sessions")
    }

    /// Writes the task as a file and returns its path (given to Pi as `@<path>`).
    pub fn write_task(&self, name: &str, task: &str) -> std::io::Result<PathBuf> {
        let path = self.root.join(format!("{name}.md"));
        write_private(&path, task.as_bytes())?;
        Ok(path)
    }

    /// The session files Pi wrote, oldest first.
    pub fn session_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.sessions())
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "jsonl"))
            .collect();
        files.sort();
        files
    }
}

fn pretty(value: &serde_json::Value) -> Vec<u8> {
    serde_json::to_vec_pretty(value).expect("JSON values serialize")
}

fn create_private_dir(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_to_the_builtin_huggingface_provider_and_qwen_coder() {
        let model = AgentModel::new(None, None);
        assert_eq!(model.provider, Provider::HuggingFace);
        assert_eq!(
            model.cli_args(),
            ["--provider", "huggingface", "--model", DEFAULT_MODEL]
        );
        assert_eq!(model.key_env(), "HF_TOKEN");
        assert!(model.models_json().is_none());
    }

    #[test]
    fn a_base_url_becomes_a_custom_provider_that_names_its_key_variable() {
        let model = AgentModel::new(Some("scripted"), Some("http://127.0.0.1:9/v1/"));
        let json = model.models_json().unwrap();
        let provider = &json["providers"][CUSTOM_PROVIDER];
        assert_eq!(provider["baseUrl"], "http://127.0.0.1:9/v1");
        assert_eq!(provider["apiKey"], CUSTOM_KEY_ENV);
        assert_eq!(provider["models"][0]["id"], "scripted");
        assert_eq!(model.cli_args()[1], CUSTOM_PROVIDER);
    }

    #[test]
    fn another_router_is_a_custom_provider_and_the_public_one_stays_builtin() {
        let model = AgentModel::new(None, None).via_router(Some("http://127.0.0.1:9/v1/"));
        assert_eq!(
            model.provider,
            Provider::Router {
                base_url: "http://127.0.0.1:9/v1".into()
            }
        );
        assert_eq!(model.key_env(), CUSTOM_KEY_ENV);
        assert_eq!(
            model.models_json().unwrap()["providers"][CUSTOM_PROVIDER]["baseUrl"],
            "http://127.0.0.1:9/v1"
        );
        let public = AgentModel::new(None, None).via_router(Some(hub::DEFAULT_INFERENCE_URL));
        assert_eq!(public.provider, Provider::HuggingFace);
        let custom = AgentModel::new(Some("m"), Some("http://10.0.0.1/v1"))
            .via_router(Some("http://127.0.0.1:9/v1"));
        assert_eq!(
            custom.provider,
            Provider::OpenAiCompatible {
                base_url: "http://10.0.0.1/v1".into()
            }
        );
    }

    #[test]
    fn through_the_gateway_the_model_stays_and_the_provider_is_the_gateway() {
        let model = AgentModel::new(Some("m"), None);
        assert_eq!(model.base_url(), hub::DEFAULT_INFERENCE_URL);
        let routed = model.clone().via_router(Some("http://127.0.0.1:9/v1"));
        assert_eq!(routed.base_url(), "http://127.0.0.1:9/v1");
        let pi = model.through("http://127.0.0.1:7/v1/");
        assert_eq!(pi.model, "m");
        assert_eq!(pi.key_env(), CUSTOM_KEY_ENV);
        assert_eq!(
            pi.models_json().unwrap()["providers"][CUSTOM_PROVIDER]["baseUrl"],
            "http://127.0.0.1:7/v1"
        );
    }

    #[test]
    fn the_agent_dir_is_private_and_holds_the_configuration() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let model = AgentModel::new(Some("m"), Some("http://127.0.0.1:9/v1"));
        let dir = AgentDir::create(tmp.path().join("agent"), &model).unwrap();
        let mode = std::fs::metadata(dir.root()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        let settings: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.root().join("settings.json")).unwrap())
                .unwrap();
        assert_eq!(settings["retry"]["maxRetries"], 3);
        assert!(dir.root().join("models.json").is_file());
        let task = dir.write_task("task", "do it").unwrap();
        assert_eq!(std::fs::read_to_string(task).unwrap(), "do it");
        assert!(dir.session_files().is_empty());
    }
}
