//! The one client through which the server and the worker speak the Hugging Face Hub's
//! HTTP API (huggingface.co, or the embedded `localhub`).
//!
//! Start with [`HubClient::from_env`] (reads `HF_ENDPOINT`) or [`HubClient::with_endpoint`];
//! every call takes the user's [`Token`] explicitly, since the token belongs to the
//! session, not to the client.

pub mod buckets;
pub mod client;
pub mod commit;
pub mod error;
pub mod gradio;
pub mod inference;
pub mod jobs;
pub mod oauth;
pub mod repos;
pub mod spaces;
pub mod sse;
pub mod token;

pub use client::{HubClient, HubConfig, RetryConfig, DEFAULT_ENDPOINT, DEFAULT_INFERENCE_URL};
pub use error::{HubError, HubResult};
pub use runs::RepoId;
pub use token::Token;
