//! The Gradio HTTP API of a running app (a Space or a local Gradio process), as the worker
//! uses it to validate a deployed Space: `/config`, `{api_prefix}/info`, `/call/{api}` with
//! its SSE result, `/run/{api}` (which carries the `gr.Error` text on Gradio 4/5), and file
//! outputs. Gradio 4 (no prefix) and 5/6 (`/gradio_api`) are both handled.
//!
//! A private Space needs a token on every request to its host: the app keeps its
//! [`crate::apps::AppTarget`], which sends it as `X-HF-Authorization` (the Spaces proxy
//! strips that header; `Authorization` would reach the app's code).

mod call;
mod types;

pub use call::GradioApp;
pub use types::{ApiInfo, Endpoint, EndpointParam, FileData, GradioConfig};
