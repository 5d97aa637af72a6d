//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod gradio_app;
pub mod stand_in;
