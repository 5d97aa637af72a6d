//! The worker: what a Hugging Face Job runs to carry out one factory run.
//!
//! It reads its [`runs::RunSpec`], executes the phase as named steps, and records every
//! step twice — as a marked JSON line on stdout (the Job's live log stream) and as whole
//! files under `runs/<id>/` in the mounted bucket — redacting every secret on the way out.
//! Whatever happens, the run ends with a `state.json` that says so and a `report.md`.
//!
//! # The Job contract
//!
//! What the server must give the Job that runs `worker run` (the names are constants in
//! [`runs::job`], so both sides agree):
//!
//! | what | value |
//! |---|---|
//! | image | the configured worker image, with `worker` on its `PATH`; with the embedded local hub, register the binary with `LocalHubBuilder::job_image_with_program(image, path)` |
//! | command | `["worker", "run"]` ([`runs::job::JOB_COMMAND`]) |
//! | environment | `SPACE_FACTORY_RUN_SPEC` = the `RunSpec` JSON (required); `HF_ENDPOINT` = the Hub's URL when it is not huggingface.co (localhub sets it in its Jobs already); optional: `SPACE_FACTORY_BUILD_TIMEOUT_SECS` / `SPACE_FACTORY_START_TIMEOUT_SECS` (Space start-up budgets, default 1200 / 600), `SPACE_FACTORY_APP_DIR` (a folder whose files replace the generated app's, for trying a hand-made app) |
//! | secrets | `HF_TOKEN` = the user's token — as an encrypted Job secret, never in `environment` or the command |
//! | volumes | the user's private bucket, read-write, at `/output` (the worker writes `runs/<run_id>/…` there) |
//! | labels | `app=space-factory`, `run_id=<run id>`, `phase=<phase id>` |
//! | flavor, timeout | from the server's config (`cpu-basic` is enough for phases 1, 2.1, 5, 6, validate) |
//!
//! Exit codes: 0 succeeded, 1 a step failed, 2 the spec was refused (a failed `state.json`
//! is still written when the spec names a valid run id and phase), 143 stopped by SIGTERM
//! (cancel or Job timeout; the final `state.json` says `cancelled` and `report.md` exists).
//! Every event is also a stdout line starting with [`runs::EVENT_MARKER`], so the Job's log
//! stream carries the run live.
//!
//! # Modules
//!
//! - [`config`]: the environment, read once into a [`config::WorkerConfig`].
//! - [`agent`]: running the Pi coding agent.
//! - [`engine`]: recording (events, state, report), redaction, steps.
//! - [`space`]: the Space deploy + validation pipeline the Space-building phases share.
//! - [`phases`]: one module per recipe.
//! - [`sealed`]: the secrets out of the process environment, the worker not dumpable.
//! - [`generate`]: app files from templates.
//! - [`template`]: filling the text templates (generated Python, Pi's prompts).
//! - [`model`]: judging a model from its Hub metadata (size, support, hardware).
//! - [`validate_cli`]: `worker validate`.

pub mod agent;
pub mod config;
pub mod engine;
pub mod generate;
pub mod model;
pub mod phases;
pub mod sealed;
pub mod space;
pub mod template;
pub mod validate_cli;
