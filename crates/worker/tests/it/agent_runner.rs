//! The agent runner with the real Pi against localhub's scripted model: a normal run, the
//! turn limit, the wall-clock limit, and a model error mid-run that Pi exits 0 on.

use crate::kit::agent::{events, read, setup, stand, Dirs, EMAIL};
use crate::kit::files::assert_not_in_files;
use crate::kit::limit;
use localhub::FaultConfig;
use std::time::Duration;
use worker::agent::{run_agent, AgentLimits, AgentOutcome, AgentTask};

fn task(dirs: &Dirs, prompt: &str, limits: AgentLimits) -> AgentTask {
    AgentTask {
        workspace: dirs.workspace(),
        prompt: prompt.into(),
        limits,
        env: Vec::new(),
        redact_also: vec![EMAIL.into()],
        hub: None,
    }
}

const GENEROUS: AgentLimits = AgentLimits {
    wall_clock: Duration::from_secs(300),
    max_turns: 10,
};

#[tokio::test]
async fn a_normal_run_is_recorded_live_and_its_traces_hold_no_secret() {
    let _slot = limit::slot().await;
    let dirs = Dirs::new();
    let stand = stand("agent_normal", FaultConfig::default()).await;
    let token = stand.token.expose().to_owned();
    let mut rec = dirs.recorder(runs::Phase::PiSmokeTest, &token);
    rec.begin_step("agent").unwrap();
    let setup = setup(&stand, &dirs);
    let report = run_agent(&mut rec, &setup, &task(&dirs, "Write hello.txt.", GENEROUS))
        .await
        .unwrap();

    assert_eq!(report.outcome, AgentOutcome::Completed, "{report:?}");
    assert_eq!(
        (report.turns, report.tool_calls, report.tool_errors),
        (3, 2, 0)
    );
    assert_eq!(report.exit_code, Some(0));
    assert_eq!(
        std::fs::read_to_string(dirs.workspace().join("hello.txt")).unwrap(),
        "hello from pi\n"
    );
    // Pi's answer, with the email removed.
    let output = read(&dirs, "logs/pi_output.txt");
    assert!(
        output.contains("Wrote hello.txt for [REDACTED]. Done."),
        "{output}"
    );

    // Each tool call and assistant message became an event of the step, in order.
    let events = events(&dirs);
    let kinds: Vec<(String, String)> = events
        .iter()
        .filter(|e| e.data["agent"] == "pi")
        .map(|e| {
            (
                e.data["kind"].as_str().unwrap().to_owned(),
                e.data["tool"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .filter(|(kind, _)| kind != "tool_result" && kind != "session")
        .collect();
    let expected = [
        ("start", ""),
        ("contained", ""),
        ("assistant_message", ""),
        ("tool_call", "write"),
        ("assistant_message", ""),
        ("tool_call", "bash"),
        ("assistant_message", ""),
        ("end", ""),
    ];
    assert_eq!(
        kinds,
        expected.map(|(k, t)| (k.to_owned(), t.to_owned())),
        "{events:#?}"
    );
    assert!(events.iter().all(|e| e.stage == "agent"));
    assert!(events
        .iter()
        .any(|e| e.message == "Pi runs write: hello.txt (14 bytes)"));

    // Traces: raw and redacted stream and session file. The bash tool printed the key, so
    // the raw stream had it: it must be replaced in both copies. The email stays in raw only.
    for kind in ["raw", "redacted"] {
        for name in ["pi-events.jsonl", "pi-session.jsonl"] {
            let text = read(&dirs, &format!("traces/{kind}/{name}"));
            assert!(text.lines().count() >= 3, "{kind}/{name}");
            assert!(text.contains("key=[REDACTED]"), "{kind}/{name}");
        }
    }
    assert!(read(&dirs, "traces/raw/pi-events.jsonl").contains(EMAIL));
    assert!(!read(&dirs, "traces/redacted/pi-events.jsonl").contains(EMAIL));
    assert!(assert_not_in_files(&dirs.bucket(), &token) >= 6);
    // The key reached Pi through its environment only: not in the agent folder's files.
    assert!(!std::fs::read_to_string(dirs.agent().join("models.json"))
        .unwrap()
        .contains(&token));
}

#[tokio::test]
async fn pi_past_its_turn_limit_is_stopped_and_recorded_as_such() {
    let _slot = limit::slot().await;
    let dirs = Dirs::new();
    let stand = stand("agent_turn_limit", FaultConfig::default()).await;
    let token = stand.token.expose().to_owned();
    let mut rec = dirs.recorder(runs::Phase::PiSmokeTest, &token);
    rec.begin_step("agent").unwrap();
    let limits = AgentLimits {
        wall_clock: Duration::from_secs(300),
        max_turns: 3,
    };
    let setup = setup(&stand, &dirs);
    let report = run_agent(&mut rec, &setup, &task(&dirs, "Loop.", limits))
        .await
        .unwrap();

    assert_eq!(report.outcome, AgentOutcome::TurnLimit { max_turns: 3 });
    assert_eq!(report.turns, 4, "the fourth turn began and was stopped");
    // The three allowed turns ran their commands; Pi was stopped before the sixth.
    let turns = std::fs::read_to_string(dirs.workspace().join("turns.txt")).unwrap();
    assert!(turns.starts_with("turn 1\nturn 2\nturn 3\n"), "{turns}");
    assert!(!turns.contains("turn 6"), "{turns}");
    let end = events(&dirs).into_iter().last().unwrap();
    assert_eq!(end.level, runs::Level::Error);
    assert_eq!(
        end.message,
        "Pi exceeded its limit of 3 turns and was stopped"
    );
    assert_eq!(end.data["report"]["outcome"], "turn_limit");
    assert!(read(&dirs, "logs/pi_output.txt").contains("exceeded its limit of 3 turns"));
    assert_not_in_files(&dirs.bucket(), &token);
}

#[tokio::test]
async fn a_model_error_mid_run_is_a_failure_although_pi_exits_0() {
    let _slot = limit::slot().await;
    let dirs = Dirs::new();
    let stand = stand("agent_model_error", FaultConfig::default()).await;
    let token = stand.token.expose().to_owned();
    let mut rec = dirs.recorder(runs::Phase::PiSmokeTest, &token);
    rec.begin_step("agent").unwrap();
    let setup = setup(&stand, &dirs);
    let report = run_agent(&mut rec, &setup, &task(&dirs, "Start notes.", GENEROUS))
        .await
        .unwrap();

    assert_eq!(
        report.exit_code,
        Some(0),
        "Pi's JSON mode exits 0 on a model error"
    );
    match &report.outcome {
        AgentOutcome::ModelError { message } => {
            assert!(
                message.contains("400") && message.contains("refused the request mid-run"),
                "{message}"
            )
        }
        other => panic!("expected a model error, got {other:?}"),
    }
    assert_eq!(report.tool_calls, 1, "the first turn's write ran");
    assert!(dirs.workspace().join("notes.txt").is_file());
    let events = events(&dirs);
    assert!(events.iter().any(|e| e.level == runs::Level::Error
        && e.data["kind"] == "assistant_message"
        && e.message.starts_with("the model failed: 400")));
    assert_eq!(
        events.last().unwrap().data["report"]["outcome"],
        "model_error"
    );
    assert!(read(&dirs, "logs/pi_output.txt").contains("the model failed and Pi gave up"));
    assert_not_in_files(&dirs.bucket(), &token);
}

#[tokio::test]
async fn pi_past_its_wall_clock_limit_is_stopped_with_its_commands() {
    let _slot = limit::slot().await;
    let dirs = Dirs::new();
    let stand = stand("agent_wall_clock", FaultConfig::default()).await;
    let token = stand.token.expose().to_owned();
    let mut rec = dirs.recorder(runs::Phase::PiSmokeTest, &token);
    rec.begin_step("agent").unwrap();
    // Long enough for Pi to start and reach its bash call on a loaded machine.
    let limits = AgentLimits {
        wall_clock: Duration::from_secs(25),
        max_turns: 10,
    };
    let setup = setup(&stand, &dirs);
    let report = run_agent(&mut rec, &setup, &task(&dirs, "Sleep.", limits))
        .await
        .unwrap();

    assert_eq!(report.outcome, AgentOutcome::TimedOut { after_secs: 25 });
    // Pi handles SIGTERM: it ends the command under way and exits 128 + 15.
    assert_eq!(report.exit_code, Some(143), "{report:?}");
    assert_eq!(processes_in(&dirs.workspace()), Vec::<u32>::new());
    assert!(!dirs.workspace().join("too-late.txt").exists());
    let last = events(&dirs).into_iter().last().unwrap();
    assert_eq!(
        last.message,
        "Pi exceeded its wall-clock limit of 25 s and was stopped"
    );
    // The raw stream shows the bash call that was under way.
    assert!(read(&dirs, "traces/raw/pi-events.jsonl").contains("sleep 300"));
    assert_not_in_files(&dirs.bucket(), &token);
}

/// Processes whose current directory is `dir` (Pi's bash commands run there).
fn processes_in(dir: &std::path::Path) -> Vec<u32> {
    let dir = dir.canonicalize().unwrap();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| std::fs::read_link(format!("/proc/{pid}/cwd")).is_ok_and(|cwd| cwd == dir))
        .collect()
}
