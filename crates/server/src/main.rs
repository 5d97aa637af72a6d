//! `space-factory`: the web server binary. All behaviour lives in the library.

use clap::Parser;
use server::config::Config;
use server::Factory;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let config = Config::parse();
    let listener = match tokio::net::TcpListener::bind(config.addr).await {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("space-factory: cannot listen on {}: {err}", config.addr);
            return std::process::ExitCode::FAILURE;
        }
    };
    let addr = listener.local_addr().unwrap_or(config.addr);
    let factory = match Factory::start(&config, addr).await {
        Ok(factory) => factory,
        Err(err) => {
            eprintln!("space-factory: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match &factory.embedded_hub {
        Some(hub) => println!("Embedded local hub at {}", hub.url()),
        None => println!("Using the Hub at {}", factory.services.hub_url),
    }
    println!("Space Factory is running at http://{addr}/");
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    if let Err(err) = axum::serve(listener, factory.router.clone())
        .with_graceful_shutdown(shutdown)
        .await
    {
        eprintln!("space-factory: server stopped: {err}");
        return std::process::ExitCode::FAILURE;
    }
    std::process::ExitCode::SUCCESS
}
