//! The one client through which the server and the worker speak the Hugging Face Hub's
//! HTTP API (huggingface.co, or the embedded `localhub`).

pub use runs::RepoId;
