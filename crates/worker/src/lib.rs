//! The worker: what a Hugging Face Job runs to carry out one factory run.
//!
//! It reads its [`runs::RunSpec`], executes the phase as named steps, and records every
//! step twice — as a marked JSON line on stdout (the Job's live log stream) and as whole
//! files under `runs/<id>/` in the mounted bucket — redacting every secret on the way out.
//! Whatever happens, the run ends with a `state.json` that says so and a `report.md`.

pub mod engine;
pub mod generate;
pub mod model;
pub mod phases;
