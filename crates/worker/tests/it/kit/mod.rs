//! The worker tests' kit: one [`stand::Stand`] (a local Hub with the worker as its Job
//! image), one tree walk and secret search ([`files`]), what set-up prepares and the tests
//! only find ([`prepared`]: the pinned Pi, the `hf` CLI's venv, the replay scripts), and the
//! shared limit on tests that start Pi or a Gradio app ([`limit`]), and a model endpoint
//! that records what it is sent ([`recording`]).

pub mod agent;
pub mod files;
pub mod limit;
pub mod models;
pub mod prepared;
pub mod recording;
pub mod stand;

/// The run id of the tests that run one run per bucket.
pub const RUN_ID: &str = "01JDQ7ZK3G8X5V2N4M6P8R0T2W";

/// The spec JSON of a run of `phase` with `params`, owned by alice, recorded in her runs
/// bucket.
pub fn spec_json(run_id: &str, phase: &str, params: serde_json::Value) -> String {
    serde_json::json!({
        "version": 1,
        "run_id": run_id,
        "phase": phase,
        "owner": "alice",
        "bucket": BUCKET,
        "params": params,
    })
    .to_string()
}

/// Alice's runs bucket, where every run of the tests is recorded.
pub const BUCKET: &str = "alice/space-factory-runs";
