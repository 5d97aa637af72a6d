//! The agent never holds a secret and is contained: a scripted model that makes Pi hunt
//! for the user's token (its environment, every `/proc/*/environ`, `env | base64`), forge
//! another run's record in the bucket mount and leave a `setsid` process behind learns no
//! form of the token, changes nothing and leaves nothing running; and phase 4's `hf` CLI,
//! whose Hub is the worker's gateway, is refused deleting a repo that is not the run's.

use crate::kit::agent;
use crate::kit::files::{assert_no_form_of, assert_not_in_files, secret_forms};
use crate::kit::recording::RecordingEndpoint;
use crate::kit::stand::{assert_failed_at, assert_job_stage};
use crate::kit::{limit, prepared};
use localhub::FaultConfig;

const RUN: &str = "01JDQ7ZK3G8X5V2N4M6P8R0J91";
/// The run whose record Pi tries to forge (`tests/replays/phase3_escape.json` names it).
const OTHER_RUN: &str = "01JDQ7ZK3G8X5V2N4M6P8R0J99";
const DELETE_RUN: &str = "01JDQ7ZK3G8X5V2N4M6P8R0J92";
/// The key the worker is given for the recording endpoint (not the user's token).
const ENDPOINT_KEY: &str = "endpoint-key-of-the-recording-endpoint";

/// The processes alive now whose command line is `sleep 6007` (what the script detaches).
fn escaped_sleepers() -> Vec<String> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
        .filter_map(|e| {
            let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
            let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
            let zombie = stat.rsplit(')').next()?.trim_start().starts_with('Z');
            (cmdline == b"sleep\x006007\x00" && !zombie)
                .then(|| e.file_name().to_string_lossy().into_owned())
        })
        .collect()
}

#[test]
fn the_secret_forms_find_a_token_in_base64_at_any_offset() {
    use base64::Engine;
    let token = localhub::auth::SecretToken::random("hf_");
    let token = token.expose();
    for before in ["", "a", "ab", "HOME=/root\nHF_TOKEN="] {
        let text = format!("{before}{token}\nPATH=/bin\n");
        let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
        assert!(
            secret_forms(token).iter().any(|f| encoded.contains(f)),
            "{before:?}"
        );
    }
    let plain = format!("x{}", token.trim_start_matches("hf_"));
    assert!(secret_forms(token).iter().any(|f| plain.contains(f)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_agent_learns_no_token_forges_no_record_and_leaves_nothing_running() {
    let _slot = limit::slot().await;
    let stand = agent::stand("phase3_escape", FaultConfig::default()).await;
    let token = stand.token.expose().to_owned();
    let endpoint = RecordingEndpoint::start(&format!("{}/v1", stand.hub.url()), &token).await;
    let other = stand.run_dir(OTHER_RUN).join("state.json");
    std::fs::create_dir_all(other.parent().unwrap()).unwrap();
    let original = r#"{"status": "running", "note": "another run's record"}"#;
    std::fs::write(&other, original).unwrap();

    let mut params = agent::params(serde_json::json!({"target_space": "escape"}));
    params["agent_base_url"] = endpoint.url().into();
    let env = [(
        worker::phases::agent_step::API_KEY_ENV.to_owned(),
        ENDPOINT_KEY.to_owned(),
    )];
    let (job, log) = agent::run_job(&stand, RUN, "3", params, &env).await;
    assert_job_stage(&job, &log, "ERROR");
    assert_failed_at(
        &stand.state(RUN),
        "check_edit",
        "Pi changed nothing, whatever it said",
    );

    // Pi ran every command and the model was sent what they printed.
    let requests = endpoint.requests();
    assert!(requests.len() >= 2, "{requests:#?}");
    let last = requests.last().unwrap();
    // `ps -o sid=,args=` of the sleeper: it ran, in a session of its own.
    assert!(
        regex::Regex::new(r"escaped: +[0-9]+ sleep 6007")
            .unwrap()
            .is_match(last),
        "the sleeper ran detached: {last}"
    );
    assert!(last.contains("write exit"), "{last}");
    assert!(last.contains("SPACE_FACTORY_AGENT_API_KEY"), "{last}");
    // ... and no form of the token, in any request, headers included.
    for (i, request) in requests.iter().enumerate() {
        assert_no_form_of(&token, request, &format!("request {i}"));
    }
    assert!(
        requests
            .iter()
            .all(|r| r.contains(&format!("authorization: Bearer {ENDPOINT_KEY}"))),
        "the endpoint got its own key"
    );

    // The other run's record is as it was; nothing Pi started is alive.
    assert_eq!(std::fs::read_to_string(&other).unwrap(), original);
    assert_eq!(escaped_sleepers(), Vec::<String>::new());

    // The run says what held Pi in.
    let events = std::fs::read_to_string(stand.run_dir(RUN).join("events.jsonl")).unwrap();
    let contained = runs::Event::parse_jsonl(&events)
        .into_iter()
        .find_map(|e| match runs::AgentEvent::of(&e) {
            Some((_, runs::AgentEvent::Contained { containment })) => Some(containment),
            _ => None,
        })
        .expect("a contained event");
    assert!(contained.mount.is_hidden(), "{contained:?}");
    assert!(contained.process_group && contained.subreaper && contained.gateway);
    assert!(contained.worker_non_dumpable);
    assert_eq!(contained.privileges, runs::Privileges::CapabilitiesDropped);
    assert_not_in_files(&stand.bucket_dir(), &token);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phase_4s_hf_cli_is_refused_deleting_a_repo_that_is_not_the_runs_space() {
    let _slot = limit::slot().await;
    let venv = prepared::hf_client_venv();
    let env = [(
        worker::phases::pi_recipe::HF_CLI_ENV.to_owned(),
        venv.bin_dir().join("hf").to_string_lossy().into_owned(),
    )];
    let stand = agent::stand("phase4_delete_other", FaultConfig::default()).await;
    let kept = stand
        .model("keep-me", vec![("README.md", b"kept".to_vec())])
        .await;
    let params = agent::params(serde_json::json!({"target_space": "pi-delete"}));
    let (job, log) = agent::run_job(&stand, DELETE_RUN, "4", params, &env).await;
    assert_job_stage(&job, &log, "ERROR");

    let kept: hub::RepoId = kept.parse().unwrap();
    assert!(
        stand
            .client
            .repo_exists(hub::repos::RepoType::Model, &kept, Some(&stand.token))
            .await
            .unwrap(),
        "the other repo is still there"
    );
    let events = std::fs::read_to_string(stand.run_dir(DELETE_RUN).join("events.jsonl")).unwrap();
    let events = runs::Event::parse_jsonl(&events);
    let refused: Vec<_> = events
        .iter()
        .filter(|e| e.data["kind"] == "refused")
        .collect();
    assert!(
        refused
            .iter()
            .any(|e| e.data["method"] == "DELETE" && e.data["path"] == "/api/repos/delete"),
        "{refused:#?}"
    );
    let failed_call = events
        .iter()
        .find(|e| e.data["kind"] == "tool_result" && e.data["tool"] == "bash")
        .unwrap();
    assert_eq!(failed_call.data["is_error"], true, "{failed_call:?}");
    assert!(failed_call.data["output"].as_str().unwrap().contains("403"));
    let state = stand.state(DELETE_RUN);
    assert_eq!(
        state.steps.last().unwrap().name,
        "check_space",
        "{state:#?}"
    );
    assert_not_in_files(&stand.bucket_dir(), stand.token.expose());
}

/// `/proc/<pid>/environ` of a process, as text (empty when it cannot be read).
fn environ(pid: u32) -> String {
    String::from_utf8_lossy(&std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default())
        .into_owned()
}

/// Where the file descriptors of a process point.
fn fd_targets(pid: u32) -> Vec<String> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|fd| std::fs::read_link(fd.path()).ok())
        .map(|target| target.to_string_lossy().into_owned())
        .collect()
}

#[tokio::test]
async fn the_worker_keeps_its_secrets_out_of_its_environment() {
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let sealed_token = localhub::auth::SecretToken::random("hf_")
        .expose()
        .to_owned();
    // `--spec /dev/stdin` holds the worker at its start until stdin closes.
    let mut worker = tokio::process::Command::new(env!("CARGO_BIN_EXE_worker"))
        .args(["run", "--spec", "/dev/stdin", "--output"])
        .arg(dir.path())
        .env(runs::job::TOKEN_SECRET, &sealed_token)
        .env("SOME_API_KEY", "sealed-api-key-value")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = worker.id().unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    // Re-executed once it names the sealed descriptor; then the secrets are read back and
    // the memory file closed.
    while !environ(pid).contains(worker::sealed::SEALED_FD_ENV)
        || fd_targets(pid)
            .iter()
            .any(|t| t.contains("space-factory-secrets"))
    {
        assert!(Instant::now() < deadline, "the worker never re-executed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let env = environ(pid);
    assert!(env.contains("HOME=") || env.contains("PATH="), "{env}");
    assert!(!env.contains(&sealed_token), "{env}");
    assert!(!env.contains("sealed-api-key-value"), "{env}");
    assert!(!env.contains(runs::job::TOKEN_SECRET), "{env}");

    // The worker still knows them: a spec that quotes the key has it redacted (the
    // token's `hf_` shape would be redacted anyway).
    use tokio::io::AsyncWriteExt;
    let mut stdin = worker.stdin.take().unwrap();
    stdin
        .write_all(b"{\"version\": \"sealed-api-key-value\"}")
        .await
        .unwrap();
    drop(stdin);
    let out = worker.wait_with_output().await.unwrap();
    assert_eq!(out.status.code(), Some(runs::job::EXIT_SPEC_REFUSED));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains(&sealed_token), "{stderr}");
}
