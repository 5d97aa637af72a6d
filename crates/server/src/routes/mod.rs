//! HTTP routes outside the Leptos pages, one module each.

pub mod auth;
pub mod health;
pub mod stream;
pub mod stream_frame;
pub mod stream_slots;
pub mod stream_upstream;
