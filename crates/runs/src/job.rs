//! The contract between the server that launches a run's Job and the worker inside it:
//! the command, where the bucket is mounted, the secret that carries the token, the
//! environment and the labels. One place, so both sides agree.
//!
//! | what | value |
//! |---|---|
//! | image | the server's configured worker image: `worker` on its `PATH`, Pi at [`IMAGE_PI_PREFIX`], the `hf` CLI in [`IMAGE_HF_CLI_BIN`] |
//! | command | [`JOB_COMMAND`] (`worker run`) |
//! | environment | [`crate::RUN_SPEC_ENV`] = the `RunSpec` JSON; `HF_ENDPOINT` when the Hub is not huggingface.co |
//! | secrets | [`TOKEN_SECRET`] (`HF_TOKEN`) = the user's token, never an argument or plain env; [`ENDPOINT_KEY_SECRET`] = a custom model endpoint's own key, when the run names one |
//! | volume | the user's bucket, read-write, at [`OUTPUT_MOUNT`] (`/output`) |
//! | labels | [`LABEL_APP`] = [`LABEL_APP_VALUE`], [`LABEL_RUN_ID`] = run id, [`LABEL_PHASE`] = phase id |
//! | exit code | [`EXIT_SUCCEEDED`], [`EXIT_FAILED`], [`EXIT_SPEC_REFUSED`], [`EXIT_TERMINATED`] |

use crate::stage::JobStage;

/// The Job's command: the worker, told to carry out the run in its environment.
pub const JOB_COMMAND: [&str; 2] = ["worker", "run"];

/// Where the Job mounts the user's bucket; the worker writes `runs/<id>/…` under it.
pub const OUTPUT_MOUNT: &str = "/output";

/// The Job secret holding the user's token (what `huggingface_hub` and Pi read too).
pub const TOKEN_SECRET: &str = "HF_TOKEN";

/// The Job secret holding a custom model endpoint's own API key ([`EndpointKey`]), set only
/// when the run's agent talks to an `agent_base_url`: the user's token goes to the Hub's own
/// hosts only, never to an endpoint someone typed.
pub const ENDPOINT_KEY_SECRET: &str = "SPACE_FACTORY_AGENT_API_KEY";

/// Why a run with a custom model endpoint and no key of its own is refused (by the server,
/// on the wizard's key field) or fails (in the worker, when its Job has no
/// [`ENDPOINT_KEY_SECRET`]): one sentence for both.
pub const ENDPOINT_KEY_NEEDED: &str =
    "this endpoint needs its own API key; the Hugging Face token is never sent to other hosts";

/// A custom model endpoint's own API key, as the wizard sends it and the server passes it to
/// the Job ([`ENDPOINT_KEY_SECRET`]). A launch-only value: never part of a recipe or a
/// [`crate::RunSpec`], so never recorded or shown back. `Debug` hides it.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EndpointKey(String);

impl EndpointKey {
    /// The key as typed, trimmed; `None` when blank.
    pub fn new(key: &str) -> Option<EndpointKey> {
        let key = key.trim();
        (!key.is_empty()).then(|| EndpointKey(key.to_owned()))
    }

    /// The key itself, for the Job's encrypted secrets.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for EndpointKey {
    type Error = &'static str;

    fn try_from(key: String) -> Result<EndpointKey, &'static str> {
        EndpointKey::new(&key).ok_or("an endpoint key may not be blank")
    }
}

impl From<EndpointKey> for String {
    fn from(key: EndpointKey) -> String {
        key.0
    }
}

impl std::fmt::Debug for EndpointKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EndpointKey(***)")
    }
}

/// The variable telling the worker when the user's token expires (Unix seconds), when the
/// server knows: a step that fails after it is told as an expired sign-in.
pub const TOKEN_EXPIRES_ENV: &str = "SPACE_FACTORY_TOKEN_EXPIRES_AT";

/// The variable naming the npm prefix that holds the pinned Pi coding agent.
pub const PI_PREFIX_ENV: &str = "SPACE_FACTORY_PI_PREFIX";

/// The Job image, as the `Dockerfile` builds it: Pi's prefix there ([`PI_PREFIX_ENV`]).
/// The embedded hub's Jobs get the repository's `tools/pi` in its place.
pub const IMAGE_PI_PREFIX: &str = "/opt/pi";

/// The Job image's folder holding the `hf` CLI, first on its `PATH`. The embedded hub's
/// Jobs get a local virtual environment's `bin/` in its place.
pub const IMAGE_HF_CLI_BIN: &str = "/opt/hf/bin";

/// The package (pinned) the image's `hf` CLI comes from; its local stand-in is the same.
pub const HF_CLI_PACKAGE: &str = "huggingface_hub==2.4.0";

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

/// Where a run stands, from the worker's word (`state.json`'s status, once written) and its
/// Job's stage and message. One rule for the runs list, the run page and the browser:
/// - a final status the worker recorded stands;
/// - a Job that ended while `state.json` still says queued or running ended without the
///   worker's last word (killed, out of memory, or still writing it after a cancel), so the
///   Job's end tells: cancelled, timed out (`ERROR` with "timeout", docs/HUB.md#jobs) or failed;
/// - otherwise the worker's word, or the Job's own progress before it wrote any.
pub fn run_status(
    recorded: Option<crate::RunStatus>,
    stage: Option<&JobStage>,
    message: Option<&str>,
) -> crate::RunStatus {
    use crate::RunStatus;
    if let Some(status) = recorded.filter(|s| s.is_terminal()) {
        return status;
    }
    let timed_out = message.is_some_and(|m| m.to_ascii_lowercase().contains("timeout"));
    match stage {
        Some(JobStage::Canceled | JobStage::Deleted) => RunStatus::Cancelled,
        Some(JobStage::Error) if timed_out => RunStatus::TimedOut,
        Some(JobStage::Error | JobStage::Completed) => RunStatus::Failed,
        Some(JobStage::Running) => recorded.unwrap_or(RunStatus::Running),
        _ => recorded.unwrap_or(RunStatus::Queued),
    }
}

#[cfg(test)]
mod tests {
    use crate::stage::JobStage;
    use crate::RunStatus::{self, *};

    /// [`super::run_status`] with the Job stage as the Hub writes it.
    fn run_status(
        recorded: Option<RunStatus>,
        stage: Option<&str>,
        message: Option<&str>,
    ) -> RunStatus {
        super::run_status(recorded, stage.map(JobStage::from).as_ref(), message)
    }

    #[test]
    fn an_endpoint_key_is_trimmed_blank_is_none_and_debug_hides_it() {
        use super::EndpointKey;
        assert_eq!(EndpointKey::new("  \n"), None);
        let key = EndpointKey::new(" sk-abc123 ").unwrap();
        assert_eq!(key.expose(), "sk-abc123");
        assert_eq!(format!("{key:?}"), "EndpointKey(***)");
        assert_eq!(serde_json::to_string(&key).unwrap(), "\"sk-abc123\"");
        let read: EndpointKey = serde_json::from_str("\" sk-abc123\"").unwrap();
        assert_eq!(read, key);
        assert!(serde_json::from_str::<EndpointKey>("\" \"").is_err());
    }

    #[test]
    fn a_final_word_from_the_worker_stands_whatever_the_job_says() {
        for recorded in [Succeeded, Failed, Cancelled, TimedOut] {
            for stage in ["RUNNING", "COMPLETED", "CANCELED", "ERROR"] {
                assert_eq!(run_status(Some(recorded), Some(stage), None), recorded);
            }
        }
    }

    #[test]
    fn a_job_that_ended_first_tells_how_the_run_ended() {
        for recorded in [None, Some(Queued), Some(Running)] {
            let at = |stage, message| run_status(recorded, Some(stage), message);
            assert_eq!(at("CANCELED", None), Cancelled);
            assert_eq!(at("DELETED", None), Cancelled);
            assert_eq!(at("ERROR", Some("Job timeout")), TimedOut);
            assert_eq!(at("ERROR", Some("exit code 137")), Failed);
            assert_eq!(at("COMPLETED", None), Failed);
        }
    }

    #[test]
    fn a_live_job_goes_by_the_worker_or_else_its_stage() {
        assert_eq!(run_status(None, Some("SCHEDULING"), None), Queued);
        assert_eq!(run_status(None, Some("RUNNING"), None), Running);
        assert_eq!(run_status(Some(Queued), Some("RUNNING"), None), Queued);
        assert_eq!(run_status(Some(Running), Some("UPDATING"), None), Running);
        assert_eq!(run_status(None, None, None), Queued);
        assert_eq!(run_status(Some(Running), None, None), Running);
    }
}
