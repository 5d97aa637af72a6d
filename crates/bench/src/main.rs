//! `bench`: measures Space Factory side by side with the reference approach and writes
//! `bench/RESULTS.md`. Run it with `scripts/bench.sh` (release builds, loopback only).
//!
//! Items (numbered as in `bench/README.md`): 1, Job start overhead vs a pip-installing
//! Python Job; 2, one live Gradio call through `hub`'s client vs Python `gradio_client`;
//! 3, the server's SSR latency and throughput and its memory with 200 live viewers; 4, worker
//! event → SSE client latency; 5, the site's wasm (each page's first load and all of it)
//! and the run page's time to interactive in Chromium; 6, the server's Hub requests while
//! 1, 10 and 200 viewers watch a live run.
//!
//! `bench [ITEM ...]` runs some items (all by default); `RESULTS.md` is written only for a
//! run of all of them. `bench gradio-client URL N` is the child the Gradio item measures:
//! N calls from a fresh process, reporting its own peak RSS.

mod baseline;
mod bundle;
mod gradio_call;
mod hub_requests;
mod job_start;
mod live;
mod live_latency;
mod report;
mod rss;
mod server_load;
mod server_process;
mod stats;
mod tti;
mod viewer;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use report::Row;
use server_process::{Builds, ServerProcess};

/// Every item, in order.
const ITEMS: [&str; 6] = ["1", "2", "3", "4", "5", "6"];

/// An item's rows, or one row saying why it could not be measured.
async fn rows_of(
    item: &'static str,
    what: &str,
    run: impl Future<Output = Result<Vec<Row>, String>>,
) -> Vec<Row> {
    match run.await {
        Ok(rows) => rows,
        Err(e) => {
            eprintln!("item {item} ({what}) failed: {e}");
            vec![Row::missing(item, what, &format!("failed: {e}"))]
        }
    }
}

/// Items 3, 4 and 6 share one server process and one signed-in viewer.
async fn server_items(builds: &Builds, items: &[&str]) -> Result<Vec<Row>, String> {
    let server = ServerProcess::start(builds)?;
    let viewer = viewer::Viewer::sign_in(&server.url, "alice").await?;
    let mut rows = Vec::new();
    if items.contains(&"4") {
        rows.extend(
            rows_of(
                "4",
                "worker event → SSE client latency",
                live_latency::measure(&server, &viewer),
            )
            .await,
        );
    }
    if items.contains(&"3") {
        rows.extend(
            rows_of(
                "3",
                "server SSR and memory",
                server_load::measure(&server, &viewer),
            )
            .await,
        );
    }
    if items.contains(&"6") {
        rows.extend(
            rows_of(
                "6",
                "Hub requests while viewers watch",
                hub_requests::measure(&server, &viewer),
            )
            .await,
        );
    }
    Ok(rows)
}

async fn run_items(root: &Path, items: &[&str]) -> Vec<Row> {
    let builds = Builds::beside_this_binary();
    let mut rows = Vec::new();
    if items.contains(&"1") {
        let run = async { job_start::measure(builds.as_ref().map_err(Clone::clone)?, 5).await };
        rows.extend(rows_of("1", "Job start overhead", run).await);
    }
    if items.contains(&"2") {
        rows.extend(rows_of("2", "Gradio call", gradio_call::measure(50)).await);
    }
    if ["3", "4", "6"].iter().any(|i| items.contains(i)) {
        let run = async { server_items(builds.as_ref().map_err(Clone::clone)?, items).await };
        rows.extend(rows_of("3", "server items 3, 4 and 6", run).await);
    }
    if items.contains(&"5") {
        let run = async {
            let builds = builds.as_ref().map_err(Clone::clone)?;
            let server = ServerProcess::start(builds)?;
            bundle::measure(&server, &builds.site_root).await
        };
        rows.extend(rows_of("5", "wasm sizes", run).await);
        let run = async { tti::measure(root, builds.as_ref().map_err(Clone::clone)?) };
        rows.extend(rows_of("5", "run page time to interactive", run).await);
    }
    rows.sort_by_key(|r| r.item);
    rows
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    if args.first().map(String::as_str) == Some("gradio-client") {
        let (Some(url), Some(n)) = (args.get(1), args.get(2).and_then(|n| n.parse().ok())) else {
            eprintln!("usage: bench gradio-client URL N");
            return ExitCode::from(2);
        };
        return match runtime.block_on(gradio_call::client_child(url, n)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("bench gradio-client: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let all = args.is_empty() || args == ["all"];
    let items: Vec<&str> = if all {
        ITEMS.to_vec()
    } else {
        match args
            .iter()
            .map(|a| ITEMS.iter().find(|i| *i == a).copied())
            .collect::<Option<Vec<_>>>()
        {
            Some(items) => items,
            None => {
                eprintln!(
                    "usage: bench [all | ITEM ...] (items 1 to 6) | bench gradio-client URL N"
                );
                return ExitCode::from(2);
            }
        }
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut rows = runtime.block_on(run_items(&root, &items));
    if all {
        rows.extend(baseline::setup_rows(&root));
    }
    report::print(&rows);
    if !all {
        println!("\nnot all items ran: bench/RESULTS.md left as it was");
        return ExitCode::SUCCESS;
    }
    let path = root.join("bench/RESULTS.md");
    match report::write(&path, &rows, &root) {
        Ok(()) => {
            println!("\nwritten to {}", path.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cannot write {}: {e}", path.display());
            ExitCode::FAILURE
        }
    }
}
