//! `space-factory`: the web server binary. All behaviour lives in the library.

use clap::Parser;
use server::config::Config;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let config = Config::parse();
    // Kept alive for the server's lifetime: dropping it stops the embedded hub.
    let _embedded_hub = match &config.hub_endpoint {
        Some(endpoint) => {
            println!("Using the Hub at {endpoint}");
            None
        }
        None => match start_embedded_hub(&config).await {
            Ok(hub) => {
                println!("Embedded local hub at {}", hub.url());
                Some(hub)
            }
            Err(err) => {
                eprintln!("space-factory: cannot start the embedded local hub: {err}");
                return std::process::ExitCode::FAILURE;
            }
        },
    };
    let listener = match tokio::net::TcpListener::bind(config.addr).await {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("space-factory: cannot listen on {}: {err}", config.addr);
            return std::process::ExitCode::FAILURE;
        }
    };
    let addr = listener.local_addr().unwrap_or(config.addr);
    println!("Space Factory is running at http://{addr}/");
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    if let Err(err) = axum::serve(listener, server::router(&config))
        .with_graceful_shutdown(shutdown)
        .await
    {
        eprintln!("space-factory: server stopped: {err}");
        return std::process::ExitCode::FAILURE;
    }
    std::process::ExitCode::SUCCESS
}

/// Starts `localhub` in-process on a free loopback port, for running with no Hub account.
async fn start_embedded_hub(config: &Config) -> Result<localhub::RunningHub, String> {
    let data = config.localhub_data.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("space-factory-localhub-{}", std::process::id()))
    });
    localhub::LocalHub::builder()
        .data_dir(&data)
        .start()
        .await
        .map_err(|err| format!("{err} (data folder {})", data.display()))
}
