//! `hub`'s integration tests, one binary: one module per area, and [`kit`], what they
//! share (a localhub stand, a scripted stand-in server, real Gradio apps).

mod kit;

mod faults;
mod gradio_apps;
mod localhub;
mod models;
mod stand_in_flows;
