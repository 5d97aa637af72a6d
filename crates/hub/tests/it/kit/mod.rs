//! The test kit: `hub` clients against a running localhub ([`LocalStand`]) or a scripted
//! stand-in server ([`stand_in`]), an authenticating proxy ([`auth_proxy`]) and real
//! Gradio apps ([`gradio_app`], at most two at a time).
#![allow(dead_code)]

pub mod auth_proxy;
pub mod gradio_app;
pub mod stand_in;

use std::path::Path;
use std::time::Duration;

use hub::{HubClient, HubConfig, RetryConfig, Token};
use localhub::{LocalHub, LocalHubBuilder, RunningHub};

pub use gradio_app::TempDir;

/// A client for `url` (its inference router at `{url}/v1`) retrying up to `max_retries`
/// times with millisecond delays, so fault tests run fast.
pub fn fast_client(url: &str, max_retries: usize) -> HubClient {
    let cfg = HubConfig::new(url)
        .unwrap()
        .with_retry(RetryConfig {
            max_retries,
            min_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
        })
        .with_inference_url(&format!("{url}/v1"))
        .unwrap();
    HubClient::new(cfg).unwrap()
}

/// A running localhub with users alice and bob, a fast-retrying client for it and their
/// tokens.
pub struct LocalStand {
    pub hub: RunningHub,
    pub client: HubClient,
    pub alice: Token,
    pub bob: Token,
    _dir: TempDir,
}

impl LocalStand {
    /// The default stand.
    pub async fn start() -> LocalStand {
        Self::start_with(|b, _| b).await
    }

    /// A stand with more localhub options; `configure` also gets the test's temp folder
    /// (the hub's data is in its `data/`) for files the options name.
    pub async fn start_with(
        configure: impl FnOnce(LocalHubBuilder, &Path) -> LocalHubBuilder,
    ) -> LocalStand {
        let dir = TempDir::new("localhub");
        let builder = LocalHub::builder()
            .data_dir(dir.0.join("data"))
            .users(["alice", "bob"]);
        let hub = configure(builder, &dir.0).start().await.unwrap();
        LocalStand {
            alice: Token::new(hub.token_for("alice").unwrap()),
            bob: Token::new(hub.token_for("bob").unwrap()),
            client: fast_client(&hub.url(), 5),
            hub,
            _dir: dir,
        }
    }
}
