//! Shared pieces of the agent tests: the real Pi (pinned, from the repository's
//! `tools/pi`, installed there if missing), a local hub replaying a scenario's script as
//! the model, and a recorder writing into a temporary bucket folder.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use worker::agent::{AgentKey, AgentModel, AgentSetup, PiBinary, PiInstall};
use worker::engine::output::Output;
use worker::engine::{Recorder, Redactor};

pub const RUN_ID: &str = "01JDQ7ZK3G8X5V2N4M6P8R0T2W";
pub const EMAIL: &str = "alice@example.test";

static PI: tokio::sync::OnceCell<PiBinary> = tokio::sync::OnceCell::const_new();

/// The pinned Pi from `tools/pi`, installed with npm on first use.
pub async fn pi() -> PiBinary {
    PI.get_or_init(|| async {
        let prefix = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/pi");
        PiInstall::pinned(prefix)
            .find_or_install()
            .await
            .expect("Pi is installed or installable with npm")
    })
    .await
    .clone()
}

/// The replay script of a scenario, `tests/replays/<name>.json`.
pub fn replay(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/replays")
        .join(format!("{name}.json"))
}

/// A local hub with user alice whose chat model replays `script`.
pub async fn hub_replaying(dir: &Path, script: &str) -> localhub::RunningHub {
    localhub::LocalHub::builder()
        .data_dir(dir.join("hub"))
        .user(localhub::User::new("alice"))
        .chat(localhub::inference::ChatBackend::Script(replay(script)))
        .start()
        .await
        .expect("localhub starts")
}

/// Temp folders of one test: the bucket mount, the working copies, the workspace, and the
/// private agent folder.
pub struct Dirs {
    pub root: tempfile::TempDir,
}

impl Dirs {
    pub fn new() -> Dirs {
        let root = tempfile::tempdir().unwrap();
        for sub in ["bucket", "local", "workspace"] {
            std::fs::create_dir_all(root.path().join(sub)).unwrap();
        }
        Dirs { root }
    }
    pub fn bucket(&self) -> PathBuf {
        self.root.path().join("bucket")
    }
    pub fn workspace(&self) -> PathBuf {
        self.root.path().join("workspace")
    }
    pub fn agent(&self) -> PathBuf {
        self.root.path().join("agent")
    }
    /// The run folder inside the bucket.
    pub fn run(&self) -> PathBuf {
        self.bucket().join("runs").join(RUN_ID)
    }
    pub fn recorder(&self, phase: runs::Phase, token: &str) -> Recorder {
        Recorder::new(
            RUN_ID.parse().unwrap(),
            phase,
            Output::new(self.bucket(), self.root.path().join("local")),
            Redactor::new([token.to_owned()]),
        )
    }
}

/// Pi against the hub's scripted model, keyed with alice's token.
pub async fn setup(hub: &localhub::RunningHub, dirs: &Dirs) -> AgentSetup {
    AgentSetup {
        pi: pi().await,
        model: AgentModel::new(Some("scripted"), Some(&format!("{}/v1", hub.url()))),
        key: AgentKey::new(hub.token_for("alice").unwrap()),
        agent_dir: dirs.agent(),
    }
}

/// Every file under `dir`.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// Fails if `needle` is in any file under `dir`; returns how many files were searched.
pub fn assert_nowhere(dir: &Path, needle: &str) -> usize {
    let files = walk(dir);
    for file in &files {
        let text = String::from_utf8_lossy(&std::fs::read(file).unwrap()).into_owned();
        assert!(!text.contains(needle), "secret found in {}", file.display());
    }
    files.len()
}

/// The run's events as recorded in `events.jsonl`.
pub fn events(dirs: &Dirs) -> Vec<runs::Event> {
    let text = std::fs::read_to_string(dirs.run().join("events.jsonl")).unwrap();
    runs::Event::parse_jsonl(&text)
}

pub fn read(dirs: &Dirs, relative: &str) -> String {
    std::fs::read_to_string(dirs.run().join(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}
