//! Running Pi once on a task: in the run's workspace, under a wall-clock and a turn limit,
//! with every tool call and assistant message recorded as a run event while it happens.
//!
//! Pi has no limit flags of its own, so the runner enforces both: it counts `turn_start`
//! events and watches the clock, and on a breach stops Pi (SIGTERM to its process group;
//! SIGKILL if Pi does not go) and records why. However Pi ended, whatever it started is then
//! killed ([`jail::sweep`]), and Pi ran contained ([`jail::spawn`]). The agent's
//! success is judged from the stream (`stopReason`), never from the exit code: JSON mode
//! exits 0 even when the model failed.

use super::gateway::{Gateway, GatewayConfig, HubGrant};
use super::install::PiBinary;
use super::jail;
use super::provider::{AgentDir, AgentModel};
use super::stream::{excerpt, AssistantMessage, Seen, StreamVerdict, StreamWatch};
use super::traces;
use crate::engine::recorder::{Recorder, StepFailure};
use crate::engine::Redactor;
use runs::{Agent, AgentEvent, Containment, Level};
use serde::Serialize;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};

/// How long Pi gets to stop after SIGTERM before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(10);
/// How often the traces in the bucket are brought up to date while Pi runs.
const TRACE_FLUSH_EVERY: Duration = Duration::from_secs(15);
/// Environment variables Pi and its tools inherit from the worker (nothing secret).
const INHERITED_ENV: [&str; 7] = ["PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER", "TERM"];

/// A key for the model provider; its value is never printed.
#[derive(Clone)]
pub struct AgentKey(String);

impl AgentKey {
    /// Wraps the key.
    pub fn new(key: impl Into<String>) -> AgentKey {
        AgentKey(key.into())
    }

    /// The key, for the one place that sends it (the gateway).
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for AgentKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AgentKey([REDACTED])")
    }
}

/// What the runner needs besides the task: which Pi, which model, the key, and where the
/// private agent folder goes.
#[derive(Debug, Clone)]
pub struct AgentSetup {
    /// The Pi binary.
    pub pi: PiBinary,
    /// The model and provider.
    pub model: AgentModel,
    /// The provider's key (the user's token for Inference Providers).
    pub key: AgentKey,
    /// The private agent folder (created; must be outside the workspace).
    pub agent_dir: PathBuf,
}

/// The limits one agent run must stay within.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgentLimits {
    /// Wall-clock time from start to exit.
    pub wall_clock: Duration,
    /// Model turns (one model call and the tool calls it asks for).
    pub max_turns: u32,
}

/// One piece of work for Pi.
#[derive(Debug, Clone)]
pub struct AgentTask {
    /// The folder Pi works in (its current directory).
    pub workspace: PathBuf,
    /// The task, as Markdown; given to Pi as a file.
    pub prompt: String,
    /// The limits.
    pub limits: AgentLimits,
    /// More environment for Pi and the commands it runs (e.g. `HF_ENDPOINT` for the `hf`
    /// CLI). Values that are secrets must also be known to the recorder's redactor.
    pub env: Vec<(String, String)>,
    /// More values to remove from the redacted traces (the user's email).
    pub redact_also: Vec<String>,
    /// The Hub calls Pi may make, through the gateway (which is then its `HF_ENDPOINT`).
    pub hub: Option<HubGrant>,
}

/// How an agent run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum AgentOutcome {
    /// The model gave its final answer and Pi ended normally.
    Completed,
    /// A model call failed; Pi gave up (whatever its exit code said).
    ModelError {
        /// The provider's error.
        message: String,
    },
    /// Pi aborted the work itself.
    Aborted,
    /// Pi began more turns than allowed and was stopped.
    TurnLimit {
        /// The limit.
        max_turns: u32,
    },
    /// Pi ran out of wall-clock time and was stopped.
    TimedOut {
        /// The limit, in seconds.
        after_secs: u64,
    },
    /// Pi's stream ended before its work did (a crash, or an exit without an answer).
    Unfinished {
        /// What was seen.
        detail: String,
    },
}

impl AgentOutcome {
    /// Whether the agent finished its work (which says nothing yet about the work itself).
    pub fn is_completed(&self) -> bool {
        matches!(self, AgentOutcome::Completed)
    }

    /// One sentence for the run's record.
    pub fn describe(&self) -> String {
        match self {
            AgentOutcome::Completed => "Pi finished with a final answer".into(),
            AgentOutcome::ModelError { message } => {
                format!("the model failed and Pi gave up: {message}")
            }
            AgentOutcome::Aborted => "Pi aborted the work".into(),
            AgentOutcome::TurnLimit { max_turns } => {
                format!("Pi exceeded its limit of {max_turns} turns and was stopped")
            }
            AgentOutcome::TimedOut { after_secs } => {
                format!("Pi exceeded its wall-clock limit of {after_secs} s and was stopped")
            }
            AgentOutcome::Unfinished { detail } => format!("Pi stopped before finishing: {detail}"),
        }
    }
}

/// What one agent run did, as recorded.
#[derive(Debug, Clone, Serialize)]
pub struct AgentReport {
    /// How it ended.
    #[serde(flatten)]
    pub outcome: AgentOutcome,
    /// Turns begun.
    pub turns: u32,
    /// Tool calls begun.
    pub tool_calls: u32,
    /// Tool calls Pi reported as failed.
    pub tool_errors: u32,
    /// Pi's final text answer, if it gave one (redacted).
    pub final_text: Option<String>,
    /// Pi's exit code (`None` when a signal ended it).
    pub exit_code: Option<i32>,
    /// The signal that ended Pi, if one did.
    pub exit_signal: Option<i32>,
    /// Wall-clock time.
    pub duration_ms: u64,
    /// Pi's session id.
    pub session_id: Option<String>,
    /// The Pi version used.
    pub pi_version: Option<String>,
    /// The model, as `provider/model`.
    pub model: String,
    /// The layers that held Pi in.
    pub containment: Containment,
}

/// Why the runner stopped Pi early.
#[derive(Debug, Clone, Copy)]
enum Breach {
    Turns,
    Time,
}

/// Runs Pi on `task`, recording its progress into the step under way, and writes its
/// traces and final answer into the run folder. Errors only when Pi cannot be started or
/// the record cannot be written; everything Pi does, including failing, is an
/// [`AgentReport`].
pub async fn run_agent(
    rec: &mut Recorder,
    setup: &AgentSetup,
    task: &AgentTask,
) -> Result<AgentReport, StepFailure> {
    let step = rec
        .state()
        .current_step
        .clone()
        .unwrap_or_else(|| "agent".into());
    let fail = |why: String| StepFailure {
        step: step.clone(),
        message: why,
    };
    let gateway = Gateway::start(GatewayConfig {
        model_base_url: setup.model.base_url().to_owned(),
        model_key: setup.key.clone(),
        hub: task.hub.clone(),
    })
    .await
    .map_err(|e| fail(format!("cannot start the agent's gateway: {e}")))?;
    // The gateway's key is worthless elsewhere, but it is the only key Pi holds: the
    // traces show it no more than a real one.
    let raw = rec.redactor().with_values([gateway.key().to_owned()]);
    let strict = rec.redactor().with_values(
        task.redact_also
            .iter()
            .cloned()
            .chain([gateway.key().to_owned()]),
    );
    let pi_model = setup.model.through(&gateway.model_base_url());
    let dir = AgentDir::create(&setup.agent_dir, &pi_model)
        .map_err(|e| fail(format!("cannot prepare the agent folder: {e}")))?;
    let task_file = dir
        .write_task("TASK", &task.prompt)
        .map_err(|e| fail(format!("cannot write the task file: {e}")))?;
    let events_path = dir.root().join("pi-events.jsonl");
    let stderr_path = dir.root().join("pi-stderr.txt");
    let mut events_file = std::fs::File::create(&events_path)
        .map_err(|e| fail(format!("cannot create {}: {e}", events_path.display())))?;
    let stderr_file = std::fs::File::create(&stderr_path)
        .map_err(|e| fail(format!("cannot create {}: {e}", stderr_path.display())))?;

    let started = Instant::now();
    let mount = rec.mount().to_owned();
    let spawned = jail::spawn(
        || {
            let mut command = pi_command(setup, &pi_model, &gateway, &dir, &task_file, task);
            command.stderr(Stdio::piped());
            command
        },
        Some(&mount),
        &task.workspace,
    );
    let (mut child, mut containment) = spawned.map_err(|e| {
        fail(format!(
            "cannot start Pi ({}): {e}",
            setup.pi.path.display()
        ))
    })?;
    let pid = child.id();
    containment.gateway = true;
    // Pi's stderr is a pipe read here, never the Job's log: nothing Pi starts can forge a
    // line of the record.
    let stderr = child.stderr.take().expect("stderr is piped");
    let stderr_copy = tokio::spawn(async move {
        let mut file = tokio::fs::File::from_std(stderr_file);
        let _ = tokio::io::copy(&mut BufReader::new(stderr), &mut file).await;
    });
    let model_name = format!("{}/{}", setup.model.provider_name(), setup.model.model);
    record(
        rec,
        &step,
        Level::Info,
        &format!(
            "Pi {} started on {model_name} (limits: {} turns, {} s)",
            setup.pi.version.as_deref().unwrap_or(""),
            task.limits.max_turns,
            task.limits.wall_clock.as_secs()
        ),
        AgentEvent::Start {
            model: model_name.clone(),
            max_turns: task.limits.max_turns,
            wall_clock_secs: task.limits.wall_clock.as_secs(),
        },
    )?;
    record(
        rec,
        &step,
        Level::Info,
        &jail::describe(&containment),
        AgentEvent::Contained {
            containment: containment.clone(),
        },
    )?;

    let stdout = child.stdout.take().expect("stdout is piped");
    let mut reader = BufReader::new(stdout);
    let deadline = tokio::time::Instant::now() + task.limits.wall_clock;
    let mut watch = StreamWatch::default();
    let mut breach = None;
    let mut last_flush = Instant::now();
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = tokio::time::timeout_at(deadline, reader.read_until(b'\n', &mut line)).await;
        let n = match read {
            Err(_) => {
                breach = Some(Breach::Time);
                break;
            }
            Ok(Err(e)) => return Err(fail(format!("reading Pi's output: {e}"))),
            Ok(Ok(n)) => n,
        };
        if n == 0 {
            break;
        }
        let _ = events_file.write_all(&line);
        let text = String::from_utf8_lossy(&line);
        if let Some(seen) = watch.observe(&text) {
            if matches!(seen, Seen::TurnStarted(n) if n > task.limits.max_turns) {
                breach = Some(Breach::Turns);
                break;
            }
            record_seen(rec, &step, &strict, &watch, seen)?;
        }
        record_refusals(rec, &step, &gateway)?;
        if last_flush.elapsed() >= TRACE_FLUSH_EVERY {
            let _ = events_file.flush();
            traces::write_all(rec, &raw, &strict, &events_path, None, &stderr_path)?;
            last_flush = Instant::now();
        }
    }

    if breach.is_some() {
        stop(&mut child).await;
        // Keep what Pi wrote while stopping, for the trace.
        let mut rest = Vec::new();
        let _ = tokio::time::timeout(
            STOP_GRACE,
            tokio::io::AsyncReadExt::read_to_end(&mut reader, &mut rest),
        )
        .await;
        let _ = events_file.write_all(&rest);
    }
    let status = match tokio::time::timeout(STOP_GRACE, child.wait()).await {
        Ok(Ok(status)) => Some(status),
        _ => {
            stop(&mut child).await;
            child.try_wait().ok().flatten()
        }
    };
    // Whatever Pi started and left (in its group, or escaped with `setsid`) goes too.
    jail::sweep(pid).await;
    record_refusals(rec, &step, &gateway)?;
    drop(gateway);
    let _ = tokio::time::timeout(STOP_GRACE, stderr_copy).await;
    let _ = events_file.flush();
    drop(events_file);

    let outcome = match breach {
        Some(Breach::Turns) => AgentOutcome::TurnLimit {
            max_turns: task.limits.max_turns,
        },
        Some(Breach::Time) => AgentOutcome::TimedOut {
            after_secs: task.limits.wall_clock.as_secs(),
        },
        None => outcome_of(&watch, status),
    };
    let final_text = watch.last_text.as_deref().map(|t| strict.redact(t));
    let report = AgentReport {
        outcome,
        turns: watch.turns,
        tool_calls: watch.tool_calls,
        tool_errors: watch.tool_errors,
        final_text: final_text.clone(),
        exit_code: status.and_then(|s| s.code()),
        exit_signal: status.and_then(|s| std::os::unix::process::ExitStatusExt::signal(&s)),
        duration_ms: started.elapsed().as_millis() as u64,
        session_id: watch.session_id.clone(),
        pi_version: setup.pi.version.clone(),
        model: model_name,
        containment,
    };

    let session = dir.session_files().pop();
    traces::write_all(
        rec,
        &raw,
        &strict,
        &events_path,
        session.as_deref(),
        &stderr_path,
    )?;
    let output = match &final_text {
        Some(text) if report.outcome.is_completed() => text.clone(),
        Some(text) => format!("{text}\n\n({})", report.outcome.describe()),
        None => format!("(no final answer: {})", report.outcome.describe()),
    };
    traces::write_output(rec, &strict, &output)?;
    let level = if report.outcome.is_completed() {
        Level::Info
    } else {
        Level::Error
    };
    let data = serde_json::to_value(&report).expect("the report serializes");
    record(
        rec,
        &step,
        level,
        &report.outcome.describe(),
        AgentEvent::End { report: data },
    )?;
    Ok(report)
}

/// The `pi` command: print + JSON mode, no project-local extensions, skills, templates or
/// context files (the workspace is not trusted), the task as `@file`, and a clean
/// environment carrying only what Pi needs and no secret: `model` is the gateway's, and so
/// is the only key Pi holds (and, with a Hub grant, its `HF_ENDPOINT` and `HF_TOKEN`).
fn pi_command(
    setup: &AgentSetup,
    model: &AgentModel,
    gateway: &Gateway,
    dir: &AgentDir,
    task_file: &Path,
    task: &AgentTask,
) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(&setup.pi.path);
    command
        .args(["-p", "--mode", "json"])
        .args([
            "--no-extensions",
            "--no-skills",
            "--no-prompt-templates",
            "--no-themes",
        ])
        .arg("--no-context-files")
        .arg("--session-dir")
        .arg(dir.sessions())
        .args(model.cli_args())
        .arg(format!("@{}", task_file.display()))
        .current_dir(&task.workspace)
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .kill_on_drop(true);
    for name in INHERITED_ENV {
        if let Some(value) = std::env::var_os(name) {
            command.env(name, value);
        }
    }
    command
        .env("PI_CODING_AGENT_DIR", dir.root())
        .env("PI_OFFLINE", "1")
        .env("PI_SKIP_VERSION_CHECK", "1")
        .envs(task.env.iter().map(|(k, v)| (k, v)));
    if task.hub.is_some() {
        command
            .env("HF_ENDPOINT", gateway.url())
            .env(runs::job::TOKEN_SECRET, gateway.key());
    }
    command.env(model.key_env(), gateway.key());
    command
}

/// SIGTERM to Pi's process group (Pi and the commands it runs), then SIGKILL to the group
/// if Pi is still there after the grace period.
async fn stop(child: &mut tokio::process::Child) {
    let group = child
        .id()
        .and_then(|id| rustix::process::Pid::from_raw(id as i32));
    if let Some(group) = group {
        let _ = rustix::process::kill_process_group(group, rustix::process::Signal::TERM);
        if tokio::time::timeout(STOP_GRACE, child.wait()).await.is_ok() {
            return;
        }
        let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
    }
    let _ = child.start_kill();
    let _ = child.wait().await;
}

fn outcome_of(watch: &StreamWatch, status: Option<std::process::ExitStatus>) -> AgentOutcome {
    match watch.verdict() {
        StreamVerdict::Completed => AgentOutcome::Completed,
        StreamVerdict::ModelError(message) => AgentOutcome::ModelError { message },
        StreamVerdict::Aborted => AgentOutcome::Aborted,
        StreamVerdict::Unfinished | StreamVerdict::NoAnswer => AgentOutcome::Unfinished {
            detail: format!(
                "the stream ended after {} turns without a final answer (exit {})",
                watch.turns,
                status.map_or_else(|| "unknown".into(), |s| s.to_string())
            ),
        },
    }
}

/// Turns one observation of the stream into a run event.
fn record_seen(
    rec: &mut Recorder,
    step: &str,
    strict: &Redactor,
    watch: &StreamWatch,
    seen: Seen,
) -> Result<(), StepFailure> {
    let turn = watch.turns;
    match seen {
        Seen::Session { id } => record(
            rec,
            step,
            Level::Debug,
            &format!("Pi session {id}"),
            AgentEvent::Session { session_id: id },
        ),
        Seen::TurnStarted(_) | Seen::AgentEnded => Ok(()),
        Seen::ToolStarted { tool, args } => {
            let summary = strict.redact(&tool_summary(&tool, &args));
            record(
                rec,
                step,
                Level::Info,
                &format!("Pi runs {tool}: {summary}"),
                AgentEvent::ToolCall {
                    turn,
                    tool,
                    args: strict.redact(&excerpt(&args.to_string())),
                },
            )
        }
        Seen::ToolEnded {
            tool,
            is_error,
            excerpt,
        } => {
            let (level, message) = if is_error {
                (Level::Warn, format!("Pi's {tool} call failed: {excerpt}"))
            } else {
                (Level::Debug, format!("Pi's {tool} call finished"))
            };
            record(
                rec,
                step,
                level,
                &strict.redact(&message),
                AgentEvent::ToolResult {
                    turn,
                    tool,
                    is_error,
                    output: strict.redact(&excerpt),
                },
            )
        }
        Seen::AssistantEnded(message) => {
            rec.meter()
                .add_tokens(message.usage.input, message.usage.output);
            let (level, text) = assistant_line(&message);
            record(
                rec,
                step,
                level,
                &strict.redact(&text),
                AgentEvent::AssistantMessage {
                    turn,
                    text: strict.redact(&excerpt(&message.text)),
                    error: message.error.as_deref().map(|e| strict.redact(e)),
                    stop_reason: message.stop_reason,
                    tool_calls: message.tool_calls,
                },
            )
        }
        Seen::RetryStarted { attempt, error } => record(
            rec,
            step,
            Level::Warn,
            &strict.redact(&format!(
                "Pi retries the model call (attempt {attempt}): {error}"
            )),
            AgentEvent::Retry { attempt },
        ),
    }
}

fn assistant_line(message: &AssistantMessage) -> (Level, String) {
    if message.stop_reason == "error" {
        let error = message.error.as_deref().unwrap_or("no message");
        return (Level::Error, format!("the model failed: {error}"));
    }
    if !message.tool_calls.is_empty() {
        let said = if message.text.trim().is_empty() {
            String::new()
        } else {
            format!(" ({})", excerpt(&message.text))
        };
        return (
            Level::Info,
            format!("Pi calls {}{said}", message.tool_calls.join(", ")),
        );
    }
    (Level::Info, format!("Pi says: {}", excerpt(&message.text)))
}

/// A one-line account of a tool call: the command for `bash`, the path for file tools.
fn tool_summary(tool: &str, args: &Value) -> String {
    let path = args["path"].as_str().unwrap_or("?");
    match tool {
        "bash" => excerpt(args["command"].as_str().unwrap_or_default()),
        "write" => format!(
            "{path} ({} bytes)",
            args["content"].as_str().map_or(0, str::len)
        ),
        "edit" | "read" | "ls" => path.to_owned(),
        _ => excerpt(&args.to_string()),
    }
}

/// Records the calls the gateway refused since the last time, one event each.
fn record_refusals(rec: &mut Recorder, step: &str, gateway: &Gateway) -> Result<(), StepFailure> {
    for refusal in gateway.take_refusals() {
        record(
            rec,
            step,
            Level::Warn,
            &format!(
                "the gateway refused Pi's {} {}: {}",
                refusal.method, refusal.path, refusal.reason
            ),
            AgentEvent::Refused {
                method: refusal.method,
                path: refusal.path,
                reason: refusal.reason,
            },
        )?;
    }
    Ok(())
}

/// Records what Pi did as an event of the step under way.
fn record(
    rec: &mut Recorder,
    step: &str,
    level: Level,
    message: &str,
    what: AgentEvent,
) -> Result<(), StepFailure> {
    rec.event(level, message, what.to_data(Agent::Pi))
        .map_err(|e| StepFailure {
            step: step.to_owned(),
            message: format!("could not record: {e}"),
        })
}
