//! The run engine: recording, redaction, steps, and the final report.

pub mod clock;
pub mod meter;
pub mod output;
pub mod prices;
pub mod recorder;
pub mod redact;
pub mod report;
pub mod run;
pub mod step;

pub use meter::Meter;
pub use recorder::{Recorder, StepFailure};
pub use redact::Redactor;
pub use run::{execute, RunOutcome};
