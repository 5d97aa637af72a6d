//! `worker`: the program a Hugging Face Job runs to carry out one factory run.
//!
//! `worker run` reads the spec from `SPACE_FACTORY_RUN_SPEC` (or `--spec FILE`), records
//! into the bucket mounted at `--output` (`/output` in a Job), and exits 0 on success,
//! 1 when the run failed, 2 when the spec was refused, 143 after SIGTERM.
//!
//! `worker validate --space OWNER/NAME | --url URL [--api NAME] [--inputs JSON]` checks a
//! live app and prints a JSON verdict: exit 0 passed, 1 failed, 2 bad arguments.

use clap::{Parser, Subcommand};
use runs::job;
use std::path::PathBuf;
use std::process::ExitCode;
use worker::config::WorkerConfig;
use worker::engine::{self, output::Output, Recorder, Redactor, RunOutcome};

#[derive(Debug, Parser)]
#[command(name = "worker", version, about = "Space Factory run worker")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Carry out one run and record it in the bucket.
    Run(RunArgs),
    /// Validate a live Space or Gradio app: find an endpoint, call it, check the output
    /// types, measure latency. Prints a JSON verdict; exits 0 when it passed, 1 otherwise.
    Validate(ValidateArgs),
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["space", "url"])))]
struct ValidateArgs {
    /// The Space, `owner/name` (its host is read from the Hub at HF_ENDPOINT).
    #[arg(long)]
    space: Option<runs::RepoId>,
    /// The app's base URL. The token (HF_TOKEN) is only sent to `*.hf.space` hosts.
    #[arg(long)]
    url: Option<String>,
    /// The endpoint to call, e.g. `/predict`; chosen from the API schema when absent.
    #[arg(long)]
    api: Option<String>,
    /// The inputs as a JSON array; the schema's examples when absent.
    #[arg(long)]
    inputs: Option<String>,
}

#[derive(Debug, clap::Args)]
struct RunArgs {
    /// Read the spec from this file instead of SPACE_FACTORY_RUN_SPEC.
    #[arg(long)]
    spec: Option<PathBuf>,
    /// The bucket's mount point.
    #[arg(long, env = "SPACE_FACTORY_OUTPUT", default_value = "/output")]
    output: PathBuf,
}

fn main() -> ExitCode {
    // Before anything else, while the process has one thread: the secrets leave the
    // environment (the worker re-executes itself without them) and the worker becomes
    // non-dumpable and the subreaper of whatever the agent detaches.
    let vars = worker::sealed::environment();
    if let Err(err) = worker::agent::jail::adopt_orphans() {
        eprintln!("worker: cannot adopt the agent's orphans (they may outlive it): {err}");
    }
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("worker: cannot start the async runtime: {err}");
            return exit(job::EXIT_FAILED);
        }
    };
    // The one read of the environment; everything below is told what it needs.
    let config = WorkerConfig::from_vars(vars);
    match cli.command {
        Command::Run(args) => runtime.block_on(run(args, config)),
        Command::Validate(args) => runtime.block_on(validate(args, config)),
    }
}

async fn run(args: RunArgs, config: WorkerConfig) -> ExitCode {
    // First of all: a cancel in the Job's first milliseconds must still be recorded.
    let stop = termination_signal();
    let redactor = Redactor::new(config.secrets.clone());
    let text = match read_spec_text(&args, &config) {
        Ok(text) => text,
        Err(message) => {
            eprintln!("worker: {}", redactor.redact(&message));
            return exit(job::EXIT_SPEC_REFUSED);
        }
    };
    let spec = match runs::RunSpec::from_json(&text) {
        Ok(spec) => spec,
        Err(errors) => return refuse_spec(&text, &errors.to_string(), &args, redactor),
    };

    let output = Output::new(&args.output, local_work_dir(&spec.run_id.to_string()));
    let mut recorder = Recorder::new(spec.run_id, spec.phase(), output, redactor);
    let outcome = engine::execute(&spec, &config, &mut recorder, stop).await;
    // Nothing the agent started outlives the worker (a cancel drops Pi mid-run).
    worker::agent::jail::sweep(None).await;
    // One plain line for people reading the Job's log (the events before it are JSON).
    if let Ok(outcome) = &outcome {
        let how = match outcome {
            RunOutcome::Succeeded => "succeeded",
            RunOutcome::Failed => "failed",
            RunOutcome::Interrupted => "was cancelled",
            RunOutcome::BudgetReached => "was stopped: its budget was reached",
        };
        eprintln!(
            "worker: run {} (phase {}) {how}; its record is {}/ in the runs bucket",
            spec.run_id,
            spec.phase().id(),
            runs::RunPaths::new(spec.run_id).dir()
        );
    }
    match outcome {
        Ok(RunOutcome::Succeeded) => exit(job::EXIT_SUCCEEDED),
        Ok(RunOutcome::Failed | RunOutcome::BudgetReached) => exit(job::EXIT_FAILED),
        Ok(RunOutcome::Interrupted) => exit(job::EXIT_TERMINATED),
        Err(err) => {
            eprintln!("worker: cannot record the run: {err}");
            exit(job::EXIT_FAILED)
        }
    }
}

async fn validate(args: ValidateArgs, config: WorkerConfig) -> ExitCode {
    let redactor = Redactor::new(config.secrets.clone());
    match worker::validate_cli::run(&config, args.space, args.url, args.api, args.inputs).await {
        Ok(result) => {
            let json = serde_json::to_value(&result).expect("results serialize");
            println!(
                "{}",
                serde_json::to_string_pretty(&redactor.redact_json(&json)).expect("JSON")
            );
            if result.passed() {
                exit(job::EXIT_SUCCEEDED)
            } else {
                exit(job::EXIT_FAILED)
            }
        }
        Err(why) => {
            eprintln!("worker validate: {}", redactor.redact(&why));
            exit(job::EXIT_SPEC_REFUSED)
        }
    }
}

fn read_spec_text(args: &RunArgs, config: &WorkerConfig) -> Result<String, String> {
    match &args.spec {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|err| format!("cannot read the spec file {}: {err}", path.display())),
        None => config.run_spec.clone().ok_or_else(|| {
            format!(
                "no run spec: set {} or pass --spec FILE",
                runs::RUN_SPEC_ENV
            )
        }),
    }
}

/// Records a refused spec as a failed run when the run can still be named (its id and
/// phase parse); otherwise only says why on stderr, and nothing is written.
fn refuse_spec(text: &str, why: &str, args: &RunArgs, redactor: Redactor) -> ExitCode {
    eprintln!("worker: {}", redactor.redact(why));
    let value: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
    let run_id = value["run_id"]
        .as_str()
        .and_then(|id| id.parse::<runs::RunId>().ok());
    let phase = value["phase"].as_str().and_then(runs::Phase::from_id);
    let (Some(run_id), Some(phase)) = (run_id, phase) else {
        eprintln!("worker: the spec names no valid run id and phase, so no run was recorded");
        return exit(job::EXIT_SPEC_REFUSED);
    };
    let output = Output::new(&args.output, local_work_dir(&run_id.to_string()));
    let mut recorder = Recorder::new(run_id, phase, output, redactor);
    let recorded = recorder
        .finish(
            runs::RunStatus::Failed,
            "The run spec was refused before any step ran",
            Some(why),
        )
        .and_then(|()| {
            let markdown = engine::report::render(None, recorder.state());
            recorder.write_report(&markdown)
        });
    if let Err(err) = recorded {
        eprintln!("worker: cannot record the refused run: {err}");
    }
    exit(job::EXIT_SPEC_REFUSED)
}

/// The process exit code for one of the Job contract's codes ([`runs::job`]).
fn exit(code: i32) -> ExitCode {
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

/// Where the working copies of the run's files live: local disk, not the mount.
fn local_work_dir(run_id: &str) -> PathBuf {
    std::env::temp_dir().join(format!("space-factory-worker-{run_id}"))
}

/// Starts listening for SIGTERM (how a Job is cancelled or timed out) and Ctrl-C now, not
/// when first awaited: until then either signal would kill the process before it could
/// record the run as cancelled. The future resolves on the first of them.
fn termination_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        // A signal that could not be listened for never arrives.
        let arrival = |kind| {
            let listener = signal(kind).ok();
            async move {
                match listener {
                    Some(mut listener) => _ = listener.recv().await,
                    None => std::future::pending().await,
                }
            }
        };
        let (term, interrupt) = (
            arrival(SignalKind::terminate()),
            arrival(SignalKind::interrupt()),
        );
        async move {
            tokio::select! {
                () = term => {}
                () = interrupt => {}
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
