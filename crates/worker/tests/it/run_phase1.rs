//! The worker binary, run as a Job runs it: spec in the environment, bucket at `--output`.

use runs::{Event, RunPaths, RunSpec, RunState, RunStatus, StepStatus, EVENT_MARKER};
use std::path::Path;
use std::process::{Command, Output};

use crate::kit::files::{assert_not_in_files, assert_not_in_output};
use crate::kit::{self, RUN_ID};

/// A token-shaped secret made at run time; it must appear in no artifact.
fn fake_token() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("hf_test{nanos:0>30}")
}

fn run_worker(spec_json: &str, output: &Path, token: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_worker"))
        .args(["run", "--output"])
        .arg(output)
        .env(runs::RUN_SPEC_ENV, spec_json)
        .env(runs::job::TOKEN_SECRET, token)
        .env("TMPDIR", output.parent().unwrap())
        .output()
        .expect("worker starts")
}

fn spec_json(phase: &str, params: serde_json::Value) -> String {
    kit::spec_json(RUN_ID, phase, params)
}

fn read_state(output: &Path) -> RunState {
    let paths = RunPaths::new(RUN_ID.parse().unwrap());
    let bytes = std::fs::read(output.join(paths.state())).expect("state.json exists");
    serde_json::from_slice(&bytes).expect("state.json parses")
}

/// Every file under `dir` plus the process output, searched for `needle`.
fn assert_nowhere(dir: &Path, out: &Output, needle: &str) {
    assert_not_in_files(dir, needle);
    assert_not_in_output(out, needle);
}

#[test]
fn phase1_records_state_events_report_and_leaks_no_secret() {
    let tmp = tempfile::tempdir().unwrap();
    let output = tmp.path().join("bucket");
    let token = fake_token();
    let spec = spec_json("1", serde_json::json!({}));
    let out = run_worker(&spec, &output, &token);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let state = read_state(&output);
    assert_eq!(state.status, RunStatus::Succeeded);
    assert!(state.finished_at.is_some());
    let names: Vec<_> = state.steps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["write_probe", "read_back"]);
    assert!(state
        .steps
        .iter()
        .all(|s| s.status == StepStatus::Passed && s.duration_ms.is_some()));
    assert_eq!(state.links.artifacts, ["roundtrip/probe.json"]);

    let run_dir = output.join("runs").join(RUN_ID);
    let events =
        Event::parse_jsonl(&std::fs::read_to_string(run_dir.join("events.jsonl")).unwrap());
    assert!(events.len() >= 6, "{events:?}");
    assert!(events.iter().enumerate().all(|(i, e)| e.seq == i as u64));
    let marked: Vec<Event> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with(EVENT_MARKER))
        .filter_map(Event::from_log_line)
        .collect();
    assert_eq!(marked, events, "stdout carries exactly the stored events");

    let report = std::fs::read_to_string(run_dir.join("report.md")).unwrap();
    assert!(report.contains("**Verdict: succeeded**"), "{report}");
    assert!(report.contains("| read_back | passed |"), "{report}");

    assert_nowhere(tmp.path(), &out, &token);
}

#[test]
fn a_spec_missing_required_fields_is_recorded_as_a_refused_run() {
    let tmp = tempfile::tempdir().unwrap();
    let output = tmp.path().join("bucket");
    let out = run_worker(
        &spec_json("2.1", serde_json::json!({})),
        &output,
        &fake_token(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("target_space"));

    let state = read_state(&output);
    assert_eq!(state.status, RunStatus::Failed);
    assert!(state.steps.is_empty());
    assert!(state.error.unwrap().contains("a Space name is required"));
    let report =
        std::fs::read_to_string(output.join("runs").join(RUN_ID).join("report.md")).unwrap();
    assert!(report.contains("**Verdict: failed**"));
    assert!(report.contains("refused"));
}

#[test]
fn a_spec_that_names_no_run_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let output = tmp.path().join("bucket");
    let out = run_worker("{ not json", &output, &fake_token());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a valid run spec"));
    assert!(!output.exists(), "nothing half-written");
}

#[test]
fn an_agent_phase_without_a_reachable_hub_fails_truthfully_at_hub_access() {
    let tmp = tempfile::tempdir().unwrap();
    let output = tmp.path().join("bucket");
    let token = fake_token();
    // The token also arrives inside the spec, as a careless user might paste it.
    let spec = spec_json(
        "8",
        serde_json::json!({
            "target_space": "article-app",
            "article_url": format!("https://example.org/post?token={token}"),
            "agent_model": "some/model",
        }),
    );
    // Nothing listens on port 9 of the loopback: the Hub cannot be reached.
    let out = Command::new(env!("CARGO_BIN_EXE_worker"))
        .args(["run", "--output"])
        .arg(&output)
        .env(runs::RUN_SPEC_ENV, &spec)
        .env(runs::job::TOKEN_SECRET, &token)
        .env("HF_ENDPOINT", "http://127.0.0.1:9")
        .env("TMPDIR", tmp.path())
        .output()
        .expect("worker starts");
    assert_eq!(out.status.code(), Some(1));
    let state = read_state(&output);
    assert_eq!(state.status, RunStatus::Failed);
    let step = state.steps.last().unwrap();
    assert_eq!(
        (step.name.as_str(), step.status),
        ("hub_access", StepStatus::Failed)
    );
    assert!(state.error.unwrap().contains("refused by the Hub"));
    let parsed: RunSpec = RunSpec::from_json(&spec).unwrap();
    assert_eq!(state.phase, parsed.phase());
    let report =
        std::fs::read_to_string(output.join("runs").join(RUN_ID).join("report.md")).unwrap();
    assert!(
        report.contains("[REDACTED]"),
        "the pasted token shows as redacted: {report}"
    );
    assert_nowhere(&output, &out, &token);
}
