//! The app's API: the data the pages show and the server functions that fetch it.
//!
//! Each domain's `#[server]` functions sit with their server-only bodies ([`account`],
//! [`runs`], [`launch`]); what the bodies share (the services the server provides as
//! context, the signed-in viewer) is in [`server`]. The session, the user's token and every
//! Hub call stay on the server. Every server function takes JSON: another site's page
//! cannot send that without a CORS preflight, which is never granted, so even past the
//! origin guard a cross-site form cannot reach them. The live stream of a run is plain SSE
//! (see [`stream`]), because a server function cannot stream events.

pub mod account;
pub mod error;
pub mod json_text;
pub mod launch;
pub mod runs;
#[cfg(feature = "ssr")]
pub mod server;
pub mod stream;
pub mod types;

pub use account::{who_am_i, WhoAmI};
pub use error::ApiError;
pub use launch::{
    agent_model_price, check_space_name, hardware, launch_run, space_hardware, wizard_suggestions,
    AgentModelPrice, CheckSpaceName, Hardware, LaunchRun, SpaceHardware, WizardSuggestions,
};
pub use runs::{
    cancel_run, get_run, job_log, list_runs, publish_run, read_artifact, unpublish_run, CancelRun,
    GetRun, JobLog, ListRuns, PublishRun, ReadArtifact, UnpublishRun,
};
pub use types::*;
