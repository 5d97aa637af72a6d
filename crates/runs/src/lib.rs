//! The run vocabulary of Space Factory.
//!
//! Pure data and validation, shared by the server, the worker and the browser (this crate
//! compiles to wasm): which recipes ("phases") exist, how a repository id is checked, and
//! the names the rest of the system agrees on. No I/O lives here.

pub mod phase;
pub mod repo_id;

pub use phase::{Phase, PhaseStatus};
pub use repo_id::{RepoId, RepoIdError};
