//! The server's integration tests, one binary (one link, whatever changed): each module
//! covers one part of the server over real HTTP, on a [`kit::TestApp`] (the server with its
//! embedded local hub, as `scripts/run.sh` starts it).
//!
//! Set-up: the `worker` binary the embedded hub runs as the Job image must be built first
//! (`cargo build -p worker --bin worker`; `scripts/test.sh` builds it with every test, in
//! `cargo test --workspace --no-run`).

mod cost;
mod deploy_settings;
mod finished_pages;
mod health;
mod kit;
mod live;
mod org_runs;
mod publish;
mod runs;
mod signin;
