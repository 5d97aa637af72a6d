//! `bench`: measures Space Factory side by side with the reference approach and writes
//! `bench/RESULTS.md`. Run it with `scripts/bench.sh` (release build, loopback only).
//!
//! Items (numbered as in `bench/README.md`): 2, one live Gradio call through `hub`'s
//! client vs Python `gradio_client`; 5, the site's wasm bundle size. The others are listed
//! in the results as not measured yet, with what they need.
//!
//! `bench gradio-client URL N` is the child the Gradio item measures: N calls from a fresh
//! process, reporting its own peak RSS.

mod bundle;
mod gradio_call;
mod report;
mod rss;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match args.first().map(String::as_str) {
        Some("gradio-client") => {
            let (Some(url), Some(n)) = (args.get(1), args.get(2).and_then(|n| n.parse().ok()))
            else {
                eprintln!("usage: bench gradio-client URL N");
                return ExitCode::from(2);
            };
            match runtime.block_on(gradio_call::client_child(url, n)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("bench gradio-client: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        None | Some("all") => {
            let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
            let mut rows = Vec::new();
            match runtime.block_on(gradio_call::measure(50)) {
                Ok(mut r) => rows.append(&mut r),
                Err(e) => rows.push(report::Row::missing(
                    "2",
                    "Gradio call",
                    &format!("failed: {e}"),
                )),
            }
            rows.append(&mut bundle::measure());
            rows.extend(report::not_measured_yet());
            report::print(&rows);
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
        Some(other) => {
            eprintln!("unknown command {other}; usage: bench [all | gradio-client URL N]");
            ExitCode::from(2)
        }
    }
}
