//! Splits the site's wasm at its `#[lazy]` split points, as `cargo leptos build --split`
//! does (cargo-leptos calls the same library, `wasm_split_cli_support`).
//!
//! Writes into the pkg dir the split chunks (`<split>.wasm`, `chunk_<n>_*.wasm`), the loader
//! JS under the name Leptos' `HydrationScripts` looks for without file hashing
//! (`__wasm_split.______________________.js`) and the manifest it reads to preload a page's
//! chunks (`__wasm_split_manifest.json`: split → chunk file stems). The main module goes to
//! `<main out.wasm>`, for `bindgen` to process.

use std::path::Path;

/// The loader's name: what Leptos (`HydrationScripts`, no file hashing) imports.
const LINK_NAME: &str = "./__wasm_split.______________________.js";
/// The manifest's name: what Leptos reads to preload the chunks a page needs.
const MANIFEST_NAME: &str = "__wasm_split_manifest.json";

/// Splits `input` into `pkg_dir` (chunks, loader, manifest) and `main_out` (main module).
pub fn split(
    input: &Path,
    pkg_dir: &Path,
    main_out: &Path,
    output_name: &str,
) -> Result<(), super::Error> {
    let wasm = std::fs::read(input)?;
    // The chunks' loader imports `initSync` from the main JS module, relative to itself.
    let main_module = format!("./{output_name}.js");
    let mut opts = wasm_split_cli_support::Options::new(&wasm);
    opts.output_dir = pkg_dir;
    opts.main_out_path = main_out;
    opts.main_module = &main_module;
    opts.link_name = LINK_NAME;
    let split = wasm_split_cli_support::transform(opts)?;
    let manifest = serde_json::to_string_pretty(&split.prefetch_map)?;
    std::fs::write(pkg_dir.join(MANIFEST_NAME), manifest)?;
    Ok(())
}
