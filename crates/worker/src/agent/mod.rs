//! The Pi coding agent, driven headless for the agent phases.
//!
//! - [`install`]: find the pinned Pi, or install it with npm;
//! - [`provider`]: which model Pi drives, and the private agent folder that says so;
//! - [`gateway`]: the loopback server through which Pi reaches the model (and the Hub), keyless;
//! - [`jail`]: Pi's process group, the bucket mount hidden, privileges dropped, leftovers killed;
//! - [`stream`]: reading Pi's JSON event stream and judging how the work ended;
//! - [`runner`]: one run of Pi on a task, under limits, recorded live;
//! - [`traces`]: Pi's stream and session file in the run folder, raw and redacted.

pub mod gateway;
pub mod install;
pub mod jail;
pub mod provider;
pub mod runner;
pub mod stream;
pub mod traces;

pub use gateway::HubGrant;
pub use install::{PiBinary, PiInstall};
pub use provider::{AgentModel, Provider};
pub use runner::{
    run_agent, AgentKey, AgentLimits, AgentOutcome, AgentReport, AgentSetup, AgentTask,
};
