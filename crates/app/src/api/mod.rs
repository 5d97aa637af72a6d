//! The app's API: the data the pages show and the server functions that fetch it.
//!
//! Pages call the `#[server]` functions in [`fns`]; on the server their bodies hand the
//! request to the [`Backend`](backend::Backend) the server binary provides as context, so
//! the session, the user's token and every Hub call stay on the server. The live stream of
//! a run is plain SSE (see [`stream`]), because a server function cannot stream events.

#[cfg(feature = "ssr")]
pub mod backend;
pub mod error;
pub mod fns;
pub mod stream;
pub mod types;

pub use error::ApiError;
pub use types::*;
