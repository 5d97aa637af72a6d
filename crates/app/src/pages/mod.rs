//! One module per page.

pub mod home;
pub mod lazy;
pub mod not_found;
pub mod run;
pub mod runs;
pub mod wizard;
