//! HTTP routes outside the Leptos pages, one module each.

pub mod health;
