//! The test kit: the server under test with its embedded local hub, started the way
//! `scripts/run.sh` starts it (nothing configured, the real `worker` as the Job image),
//! either in this process ([`TestApp`]) or as the real binary ([`ServerProcess`]); and a
//! [`Browser`] to talk to it.

mod browser;
mod worker;

pub use browser::{location, Browser};
pub use worker::worker_binary;

use clap::Parser;
use server::config::Config;
use server::Factory;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

/// The environment variables that would point the server at a real Hub, a Space or a
/// bucket of someone's: cleared for [`ServerProcess`] (and their settings unset for
/// [`TestApp`]) so every test gets its own embedded hub.
const OUTSIDE_SETTINGS: [&str; 6] = [
    "HF_ENDPOINT",
    "SPACE_HOST",
    "OAUTH_CLIENT_ID",
    "OAUTH_CLIENT_SECRET",
    "OPENID_PROVIDER_URL",
    "SPACE_FACTORY_BUCKET_SOURCE",
];

/// The server running in this process on a free loopback port, with its embedded hub
/// keeping its data in a folder of its own; stopped when dropped.
pub struct TestApp {
    /// The server as `main` sets it up (router, services, embedded hub).
    pub factory: Arc<Factory>,
    /// Where it listens.
    pub addr: SocketAddr,
    /// The embedded hub's data folder, removed with the app.
    _data: tempfile::TempDir,
    task: tokio::task::JoinHandle<()>,
}

impl TestApp {
    /// A server as `scripts/run.sh` starts it, with nothing configured.
    pub async fn start() -> TestApp {
        TestApp::start_with(|_| {}).await
    }

    /// A server whose configuration `tweak` adjusts first.
    pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
        // The server's and the hub's logs, as `RUST_LOG` asks, in the test's own output
        // (shown when it fails).
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::try_parse_from(["space-factory"]).unwrap();
        // The settings `OUTSIDE_SETTINGS` name, whatever the environment says.
        config.hub_endpoint = None;
        config.space_host = None;
        config.oauth_client_id = None;
        config.oauth_client_secret = None;
        config.openid_provider_url = None;
        config.bucket_source = None;
        config.localhub_data = Some(dir.path().join("hub"));
        config.worker_bin = Some(worker_binary());
        tweak(&mut config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let factory = Arc::new(Factory::start(&config, addr).await.unwrap());
        let router = factory.router.clone();
        let task = tokio::spawn(async move {
            axum::serve(listener, router.into_make_service())
                .await
                .unwrap();
        });
        TestApp {
            factory,
            addr,
            _data: dir,
            task,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The embedded hub.
    pub fn hub(&self) -> &localhub::RunningHub {
        self.factory.embedded_hub.as_ref().unwrap()
    }

    /// A browser with no cookies.
    pub fn browser(&self) -> Browser {
        Browser::new(&self.url())
    }

    /// A browser signed in as `user`, granting every requested scope.
    pub async fn signed_in(&self, user: &str) -> Browser {
        let mut browser = self.browser();
        browser.sign_in(user, None).await;
        browser
    }

    /// The status the server answers a plain `GET` of `path` with.
    pub async fn status_of(&self, path: &str) -> reqwest::StatusCode {
        self.browser().get(path).await.status()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The `space-factory` binary as `scripts/run.sh` starts it (embedded hub, nothing
/// configured), in a process of its own: for what only a process shows (its signals, the
/// processes it leaves).
pub struct ServerProcess {
    /// The running binary; the test stops it.
    pub child: std::process::Child,
    /// `http://127.0.0.1:PORT`, as the server printed it.
    pub url: String,
}

impl ServerProcess {
    /// Starts the binary with its hub's data in `data` and waits for it to print its URL.
    pub fn start(data: &Path) -> ServerProcess {
        use std::io::BufRead;
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_space-factory"));
        for variable in OUTSIDE_SETTINGS {
            command.env_remove(variable);
        }
        let mut child = command
            .args(["--addr", "127.0.0.1:0"])
            .env("SPACE_FACTORY_LOCALHUB_DATA", data)
            .env("SPACE_FACTORY_WORKER_BIN", worker_binary())
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let url = loop {
            let line = lines.next().expect("the server printed its URL").unwrap();
            if let Some(rest) = line.strip_prefix("Space Factory is running at ") {
                break rest.trim_end_matches('/').to_owned();
            }
        };
        // Keep reading, so the server never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        ServerProcess { child, url }
    }
}
