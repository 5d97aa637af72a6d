//! `space-factory`: the web server binary. All behaviour lives in the library.

use clap::Parser;
use server::config::Config;
use server::Factory;
use tracing_subscriber::EnvFilter;

/// mimalloc rather than glibc's allocator: a page render or a stream's connect allocates
/// and frees many small strings on whichever worker thread runs it, which glibc's per-thread
/// arenas answer slower and keep (the server's memory grew with every viewer who had come
/// and gone); mimalloc gives freed pages back.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (its `mi_option_e`, whose numbering mimalloc keeps
/// stable by leaving retired options in place; libmimalloc-sys names no constant for it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Freed pages go back to the system at once rather than a second later, and not only when
/// the thread that freed them allocates again: a worker thread that served a sign-in or a
/// stream's connect and then idles would otherwise keep that memory, which counted as each
/// idle session's (bench item 3: ≈ 20 KiB per signed-in session with the delay, ≈ 10 with
/// none; the page loads' throughput the same).
fn release_freed_memory_at_once() {
    // SAFETY: sets one of the allocator's options to a value it documents (0: purge at
    // once); reading and setting options is thread-safe in mimalloc.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    release_freed_memory_at_once();
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
    match factory.embedded_hub_url() {
        Some(url) => println!("Embedded local hub at {url}"),
        None => println!("Using the Hub at {}", factory.services.api.hub_url),
    }
    println!("Space Factory is running at http://{addr}/");
    // SIGTERM (a Space stopping, `kill`, the test harness) and Ctrl-C alike: stop taking
    // requests, give open ones a moment (a live run stream never ends by itself), then stop
    // the embedded hub, whose Spaces and Jobs stop with it.
    let (stopping, stop_requested) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        termination().await;
        let _ = stopping.send(true);
    });
    let requested = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    // Made into a service once: served as a plain `Router`, axum rebuilds its whole route
    // table for every connection (`Router::with_state`), which every open run stream then
    // holds (tens of KiB each).
    let serve = axum::serve(listener, factory.router.clone().into_make_service())
        .with_graceful_shutdown(requested(stop_requested.clone()));
    let drained = async {
        requested(stop_requested.clone()).await;
        tokio::time::sleep(DRAIN_GRACE).await;
    };
    let outcome = tokio::select! {
        served = serve => served,
        () = drained => Ok(()),
    };
    drop(factory);
    if let Err(err) = outcome {
        eprintln!("space-factory: server stopped: {err}");
        return std::process::ExitCode::FAILURE;
    }
    std::process::ExitCode::SUCCESS
}

/// How long open requests may go on once the server was asked to stop.
const DRAIN_GRACE: std::time::Duration = std::time::Duration::from_secs(3);

/// Resolves on SIGTERM or SIGINT (Ctrl-C).
async fn termination() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        Err(err) => {
            eprintln!("space-factory: cannot listen for SIGTERM ({err}); Ctrl-C still stops it");
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_option_set_is_mimallocs_purge_delay() {
        // SAFETY: reads an option, as release_freed_memory_at_once sets it.
        let get = || unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        // Its default (1000 ms in mimalloc 3, 10 in 2) tells this option from its neighbours.
        assert!(
            matches!(get(), 10 | 1000),
            "option {MI_OPTION_PURGE_DELAY} reads {}, not a purge delay's default",
            get()
        );
        release_freed_memory_at_once();
        assert_eq!(get(), 0);
    }
}
