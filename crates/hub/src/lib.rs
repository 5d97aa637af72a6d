//! The one client through which the server and the worker speak the Hugging Face Hub's
//! HTTP API (huggingface.co, or the embedded `localhub`).
//!
//! Start with [`HubClient::from_env`] (reads `HF_ENDPOINT`, default
//! `https://huggingface.co`) or [`HubClient::with_endpoint`]; every call takes the user's
//! [`Token`] explicitly, since the token belongs to the session, not to the client.
//! Repo ids are [`RepoId`]s, validated before any request is built.
//!
//! | area | methods |
//! |---|---|
//! | sign-in ([`oauth`]) | `oidc_discovery`, `OAuthApp::authorization_request`, `exchange_code`, `refresh_token`, `userinfo`, `whoami` |
//! | repos ([`repos`], [`commit`]) | `create_repo` (private by default), `repo_info`, `repo_exists`, `space_info`, `download_file`, `upload_files` |
//! | models ([`models`]) | `model_info` (pipeline, library, card data, config, gating, safetensors counts), `set_repo_gated` |
//! | Spaces ([`spaces`]) | `space_runtime`, `wait_for_space`, `spaces_hardware`, `request_space_hardware`, `set_space_sleep_time`, secrets and variables, `space_logs` |
//! | Jobs ([`jobs`]) | `create_job`, `job`, `list_jobs`, `cancel_job`, `job_logs`, `follow_job_logs`, `jobs_hardware` |
//! | buckets ([`buckets`]) | `create_bucket` (always private), `ensure_bucket`, `bucket_info`, `bucket_tree`, `download_bucket_file` |
//! | app routes ([`apps`]) | [`apps::AppTarget`] (where an app is, and its proxy token), `app_get` (a Space's `/health`) |
//! | Gradio apps ([`gradio`]) | `gradio` → [`gradio::GradioApp`]: `info`, `call`, `run`, `predict` (queue), `download` |
//! | Inference Providers ([`inference`]) | `chat_completion`, `inference_models` |
//!
//! Errors are [`HubError`] variants carrying the Hub's own message; 429/5xx/connection
//! failures are retried with jittered exponential backoff ([`RetryConfig`]), 401/402/403/409
//! never are, and creating a Job is never retried.

pub mod apps;
pub mod buckets;
pub mod client;
pub mod commit;
pub mod error;
pub mod gradio;
pub mod inference;
pub mod jobs;
pub mod lenient;
pub mod models;
pub mod oauth;
pub mod repos;
pub mod spaces;
pub mod sse;
pub mod token;

pub use client::{
    HubClient, HubConfig, RetryConfig, DEFAULT_ENDPOINT, DEFAULT_INFERENCE_URL, INFERENCE_URL_ENV,
};
pub use error::{HubError, HubResult};
pub use runs::RepoId;
pub use token::Token;
