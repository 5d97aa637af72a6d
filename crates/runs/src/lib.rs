//! The run vocabulary of Space Factory.
//!
//! Pure data and validation, shared by the server, the worker and the browser (this crate
//! compiles to wasm): which recipes ("phases") exist, how a repository id is checked, and
//! the names the rest of the system agrees on. No I/O lives here.

pub mod containment;
pub mod cost;
pub mod demo;
pub mod event;
pub mod gate;
pub mod hardware;
pub mod job;
pub mod layout;
pub mod phase;
pub mod proof;
pub mod recipe;
#[cfg(feature = "redact")]
pub mod redact;
pub mod repo_id;
pub mod routes;
pub mod run_id;
pub mod spec;
pub mod stage;
pub mod state;

pub use containment::{Containment, MountAccess, Privileges};
pub use cost::{CostTerms, RunSpend, Stopped};
pub use event::{Agent, AgentEvent, Event, Level, EVENT_MARKER};
pub use gate::{GateStatus, InferenceGate};
pub use layout::RunPaths;
pub use phase::{Phase, PhaseStatus};
pub use proof::InferenceProof;
pub use recipe::{ImplementationMode, Recipe};
pub use repo_id::{RepoId, RepoIdError};
pub use run_id::{RunId, RunIdError};
pub use spec::{FieldError, RunSpec, SpecErrors, RUN_SPEC_ENV};
pub use stage::{JobStage, SpaceStage};
pub use state::{RunLinks, RunState, RunStatus, StepRecord, StepStatus};
