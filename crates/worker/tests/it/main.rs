//! The worker's integration tests, one binary: one module per area, all sharing [`kit`].

mod kit;

mod agent_jail;
mod agent_runner;
mod job_article;
mod job_budget;
mod job_endpoint_key;
mod job_failures;
mod job_model_apps;
mod job_pi_recipe;
mod job_pi_smoke;
mod job_secret_scan;
mod job_template_space;
mod job_validate;
mod proof_live;
mod run_phase1;
mod run_phase5;
mod run_phase6;
