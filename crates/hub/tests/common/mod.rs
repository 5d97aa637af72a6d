//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod auth_proxy;
pub mod gradio_app;
pub mod stand_in;
