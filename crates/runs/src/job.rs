//! The contract between the server that launches a run's Job and the worker inside it:
//! the command, where the bucket is mounted, the secret that carries the token, the
//! environment and the labels. One place, so both sides agree.
//!
//! | what | value |
//! |---|---|
//! | image | the server's configured worker image: `worker` on its `PATH` |
//! | command | [`JOB_COMMAND`] (`worker run`) |
//! | environment | [`crate::RUN_SPEC_ENV`] = the `RunSpec` JSON; `HF_ENDPOINT` when the Hub is not huggingface.co |
//! | secrets | [`TOKEN_SECRET`] (`HF_TOKEN`) = the user's token, never an argument or plain env |
//! | volume | the user's bucket, read-write, at [`OUTPUT_MOUNT`] (`/output`) |
//! | labels | [`LABEL_APP`] = [`LABEL_APP_VALUE`], [`LABEL_RUN_ID`] = run id, [`LABEL_PHASE`] = phase id |
//! | exit code | [`EXIT_SUCCEEDED`], [`EXIT_FAILED`], [`EXIT_SPEC_REFUSED`], [`EXIT_TERMINATED`] |

/// The Job's command: the worker, told to carry out the run in its environment.
pub const JOB_COMMAND: [&str; 2] = ["worker", "run"];

/// Where the Job mounts the user's bucket; the worker writes `runs/<id>/…` under it.
pub const OUTPUT_MOUNT: &str = "/output";

/// The Job secret holding the user's token (what `huggingface_hub` and Pi read too).
pub const TOKEN_SECRET: &str = "HF_TOKEN";

/// Label naming the program that owns the Job, so run Jobs can be listed apart from others.
pub const LABEL_APP: &str = "app";

/// The value of [`LABEL_APP`] on every run Job.
pub const LABEL_APP_VALUE: &str = "space-factory";

/// Label carrying the run id.
pub const LABEL_RUN_ID: &str = "run_id";

/// Label carrying the phase id (`1`, `2.1`, `validate`, …).
pub const LABEL_PHASE: &str = "phase";

/// Exit code: every check passed.
pub const EXIT_SUCCEEDED: i32 = 0;
/// Exit code: a step failed (`state.json` says which).
pub const EXIT_FAILED: i32 = 1;
/// Exit code: the spec was refused before any step ran.
pub const EXIT_SPEC_REFUSED: i32 = 2;
/// Exit code: stopped by SIGTERM (cancel or timeout) after recording the final state.
pub const EXIT_TERMINATED: i32 = 143;
