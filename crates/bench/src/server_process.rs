//! The release `space-factory` server as a process of its own (so its memory figures are
//! its own), started as `scripts/run.sh` starts it: nothing configured, the embedded local
//! hub running the release `worker` as the run Job image.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where the release builds are: the folder of this (release) bench binary, which
/// `scripts/bench.sh` fills with `scripts/build-site.sh --release` and `cargo build --release`.
pub struct Builds {
    /// `space-factory`, the server.
    pub server: PathBuf,
    /// `worker`, the run Job image.
    pub worker: PathBuf,
    /// The built site (`LEPTOS_SITE_ROOT`).
    pub site_root: PathBuf,
}

impl Builds {
    /// The binaries beside this one and the site `scripts/bench.sh` names.
    pub fn beside_this_binary() -> Result<Builds, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let dir = exe.parent().ok_or("the bench binary has no folder")?;
        let site_root = std::env::var_os("LEPTOS_SITE_ROOT")
            .map(PathBuf::from)
            .unwrap_or_else(|| dir.join("../site"));
        let builds = Builds {
            server: dir.join("space-factory"),
            worker: dir.join("worker"),
            site_root,
        };
        builds.require(&builds.worker)?;
        Ok(builds)
    }

    /// An error naming `path` unless it is built.
    pub fn require(&self, path: &Path) -> Result<(), String> {
        if path.is_file() {
            Ok(())
        } else {
            Err(format!(
                "no {} (scripts/bench.sh builds it)",
                path.display()
            ))
        }
    }
}

/// A running server; stopped (SIGTERM, so its hub stops its Jobs and Spaces) on drop.
pub struct ServerProcess {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The embedded local hub's address.
    pub hub_url: String,
    _log_dir: tempfile::TempDir,
}

impl ServerProcess {
    /// Starts the server on a free loopback port and waits until it says where it runs.
    pub fn start(builds: &Builds) -> Result<ServerProcess, String> {
        builds.require(&builds.server)?;
        let log_dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let log_path = log_dir.path().join("server.log");
        let log = std::fs::File::create(&log_path).map_err(|e| e.to_string())?;
        let err_log = log.try_clone().map_err(|e| e.to_string())?;
        let child = Command::new(&builds.server)
            .args(["--addr", "127.0.0.1:0", "--site-root"])
            .arg(&builds.site_root)
            .env_remove("HF_ENDPOINT")
            .env_remove("SPACE_ID")
            .env_remove("SPACE_HOST")
            .env_remove("OAUTH_CLIENT_ID")
            .env_remove("OAUTH_CLIENT_SECRET")
            .env_remove("OPENID_PROVIDER_URL")
            .env("SPACE_FACTORY_WORKER_BIN", &builds.worker)
            .env("SPACE_FACTORY_LOCALHUB_DATA", log_dir.path().join("hub"))
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err_log)
            .spawn()
            .map_err(|e| format!("{}: {e}", builds.server.display()))?;
        let mut server = ServerProcess {
            child,
            url: String::new(),
            hub_url: String::new(),
            _log_dir: log_dir,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let mut text = String::new();
            if let Ok(mut file) = std::fs::File::open(&log_path) {
                let _ = file.read_to_string(&mut text);
            }
            let url = after(&text, "running at ").map(|u| u.trim_end_matches('/').to_owned());
            let hub = after(&text, "Embedded local hub at ");
            if let (Some(url), Some(hub)) = (url, hub) {
                server.url = url;
                server.hub_url = hub.to_owned();
                return Ok(server);
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!("the server exited with {status}:\n{text}"));
            }
            if Instant::now() > deadline {
                return Err(format!("the server did not start in 60 s:\n{text}"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's resident memory now, in KiB (`VmRSS`; its embedded hub included).
    pub fn rss_kib(&self) -> u64 {
        proc_status_kib(self.child.id(), "VmRSS:")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The first word after `marker` in `text`, once that line is complete.
fn after<'a>(text: &'a str, marker: &str) -> Option<&'a str> {
    let rest = &text[text.find(marker)? + marker.len()..];
    let end = rest.find('\n')?;
    rest[..end].split_whitespace().next()
}

/// A `kB` field of `/proc/PID/status`.
fn proc_status_kib(pid: u32, field: &str) -> u64 {
    crate::rss::status_field_kib(Path::new(&format!("/proc/{pid}/status")), field)
}
