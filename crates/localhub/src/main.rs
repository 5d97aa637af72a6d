//! `localhub --addr 127.0.0.1:PORT --data DIR`: the local Hub as a program.
//! `localhub prepare-venvs`: the set-up step that creates the Python venvs the tests use.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

/// Command line.
#[derive(Debug, Parser)]
#[command(
    name = "localhub",
    about = "The Hugging Face Hub API served locally",
    subcommand_negates_reqs = true
)]
struct Args {
    /// A set-up task instead of serving.
    #[command(subcommand)]
    command: Option<Task>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:7860")]
    addr: SocketAddr,
    /// Data folder (repos, buckets, Spaces, Jobs).
    #[arg(long, required = true)]
    data: Option<PathBuf>,
    /// Users, comma-separated.
    #[arg(long, default_value = "alice,bob", value_delimiter = ',')]
    users: Vec<String>,
    /// Fixed dev tokens as `user=hf_...` (random otherwise).
    #[arg(long)]
    token: Vec<String>,
    /// Job image mapping `IMAGE=PREFIX` (PREFIX split on spaces); unmapped images run as-is.
    #[arg(long = "job-image")]
    job_image: Vec<String>,
    /// Scripted conversation file for `/v1/chat/completions`.
    #[arg(long, conflicts_with = "chat_upstream")]
    chat_script: Option<PathBuf>,
    /// OpenAI-compatible upstream base URL (ending in /v1); key from env LOCALHUB_UPSTREAM_KEY.
    #[arg(long)]
    chat_upstream: Option<String>,
    /// Initial faults as JSON (see `FaultConfig`).
    #[arg(long)]
    faults: Option<String>,
}

/// Set-up tasks.
#[derive(Debug, clap::Subcommand)]
enum Task {
    /// Creates every Python venv the test suites look up (installs only what is missing).
    PrepareVenvs,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    if let Some(Task::PrepareVenvs) = args.command {
        for env in localhub::python_env::prepare_test_venvs()? {
            println!("prepared {}", env.dir().display());
        }
        return Ok(());
    }
    let data = args.data.ok_or("--data is required")?;
    let mut b = localhub::LocalHub::builder()
        .addr(args.addr)
        .data_dir(&data);
    for u in &args.users {
        let mut user = localhub::User::new(u);
        if let Some(t) = args
            .token
            .iter()
            .find_map(|t| t.strip_prefix(&format!("{u}=")))
        {
            user = user.with_token(t);
        }
        b = b.user(user);
    }
    for m in &args.job_image {
        let (image, prefix) = m.split_once('=').ok_or("--job-image wants IMAGE=PREFIX")?;
        b = b.job_image(image, prefix.split_whitespace().map(String::from).collect());
    }
    if let Some(p) = args.chat_script {
        b = b.chat(localhub::inference::ChatBackend::Script(p));
    } else if let Some(u) = args.chat_upstream {
        let api_key = std::env::var("LOCALHUB_UPSTREAM_KEY")
            .ok()
            .map(localhub::SecretToken::new);
        b = b.chat(localhub::inference::ChatBackend::Upstream {
            base_url: u,
            api_key,
        });
    }
    if let Some(f) = &args.faults {
        b = b.faults(serde_json::from_str(f)?);
    }
    let hub = b.start().await?;
    // Printed on stdout on purpose (never logged): the operator needs the dev tokens.
    println!("localhub at {}", hub.url());
    for u in hub.users() {
        println!("  {u}: {}", hub.token_for(&u).unwrap_or_default());
    }
    // Stop on Ctrl-C or SIGTERM alike, so the Spaces and Jobs it started stop with it.
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r?,
        _ = term.recv() => {}
    }
    hub.shutdown().await;
    Ok(())
}
