//! The embedded local Hub: the Hugging Face HTTP API served from one process on loopback.

pub mod python_env;
