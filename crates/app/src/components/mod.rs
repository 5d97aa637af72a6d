//! Reusable pieces of the UI, one component per module.

pub mod header;
pub mod phase_picker;
pub mod sign_in;
