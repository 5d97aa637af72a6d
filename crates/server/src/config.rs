//! Server configuration from the command line and the environment.
//!
//! Every setting has a default that works on a fresh machine; the README's configuration
//! table lists them.

use clap::Parser;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

/// The default port when neither `--addr` nor `PORT` says otherwise.
pub const DEFAULT_PORT: u16 = 3000;

/// What the server needs to start.
#[derive(Debug, Clone, Parser)]
#[command(name = "space-factory", version, about = "Space Factory web server")]
pub struct Config {
    /// Address to listen on. Defaults to HOST:PORT, i.e. 127.0.0.1:3000.
    #[arg(long, env = "SPACE_FACTORY_ADDR", default_value_t = default_addr())]
    pub addr: SocketAddr,

    /// Folder holding the built site (`pkg/` with the wasm, JS and CSS, plus `public/`).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,

    /// The Hub to speak to. Unset: the server starts the embedded local hub and uses it.
    #[arg(long = "hub-endpoint", env = "HF_ENDPOINT")]
    pub hub_endpoint: Option<String>,

    /// Where the embedded local hub keeps its repos, buckets and Spaces (default: a fresh
    /// folder under the system temp dir for each start).
    #[arg(long, env = "SPACE_FACTORY_LOCALHUB_DATA")]
    pub localhub_data: Option<PathBuf>,

    /// Port cargo-leptos' live reload listens on during `cargo leptos watch`.
    #[arg(long, env = "LEPTOS_RELOAD_PORT", default_value_t = 3001)]
    pub reload_port: u32,
}

/// `HOST` (default 127.0.0.1) and `PORT` (default 3000), as hosting platforms set them.
fn default_addr() -> SocketAddr {
    let host = std::env::var("HOST")
        .ok()
        .and_then(|h| h.parse::<IpAddr>().ok())
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let port = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse::<u16>().ok())
        .unwrap_or(DEFAULT_PORT);
    SocketAddr::new(host, port)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addr_flag_wins_and_bad_addresses_are_refused() {
        let config = Config::try_parse_from(["space-factory", "--addr", "127.0.0.1:8123"]).unwrap();
        assert_eq!(config.addr, "127.0.0.1:8123".parse().unwrap());
        let err =
            Config::try_parse_from(["space-factory", "--addr", "not-an-address"]).unwrap_err();
        assert!(err.to_string().contains("invalid value"), "{err}");
    }
}
