//! `sf-site-tools`: the steps of building and checking the site that need more than cargo,
//! on the libraries the upstream command-line tools are built on.
//!
//! - `split <input.wasm> <pkg dir> <main out.wasm> <output name>`: splits the wasm at its
//!   lazy routes, as `cargo leptos build --split` does;
//! - `bindgen <input.wasm> <out dir> <output name>`: the JS glue and the final wasm, as
//!   `wasm-bindgen --target web --no-typescript --keep-lld-exports --no-demangle` does;
//! - `fmt [--check] <file or dir>...`: formats the `view!` blocks in place, as `leptosfmt`
//!   does with its default settings (`--check`: changes nothing, fails if any would change).
//! - `--version`: this tool's version and the wasm-bindgen version it speaks.

mod bindgen;
mod fmt;
mod split;

use std::path::Path;
use std::process::ExitCode;

const USAGE: &str =
    "usage: sf-site-tools split <input.wasm> <pkg dir> <main out.wasm> <output name>
       sf-site-tools bindgen <input.wasm> <out dir> <output name>
       sf-site-tools fmt [--check] <file or dir>...
       sf-site-tools --version";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let outcome = match args.as_slice() {
        ["--version"] => {
            println!(
                "sf-site-tools {} (wasm-bindgen {})",
                env!("CARGO_PKG_VERSION"),
                bindgen::WASM_BINDGEN_VERSION
            );
            Ok(true)
        }
        ["split", input, pkg_dir, main_out, output_name] => split::split(
            Path::new(input),
            Path::new(pkg_dir),
            Path::new(main_out),
            output_name,
        )
        .map(|()| true),
        ["bindgen", input, out_dir, output_name] => {
            bindgen::generate(Path::new(input), Path::new(out_dir), output_name).map(|()| true)
        }
        ["fmt", "--check", paths @ ..] if !paths.is_empty() => fmt::run(paths, fmt::Mode::Check),
        ["fmt", paths @ ..] if !paths.is_empty() => fmt::run(paths, fmt::Mode::Write),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("sf-site-tools: {e}");
            ExitCode::FAILURE
        }
    }
}

/// What every step may fail with: its message is printed as is.
pub type Error = Box<dyn std::error::Error>;
