//! localhub's integration tests, one binary (a change to `localhub` relinks one test
//! program): one module per area of the served API, and [`kit`], what they share.

mod kit;

mod auth;
mod buckets;
mod chat;
mod demo_models;
mod demo_models_python;
mod faults;
mod jobs;
mod model_prices;
mod models;
mod oauth_rules;
mod plans;
mod public_datasets;
mod python_client;
mod repos;
mod space_proxy;
mod spaces;
mod zerogpu;
