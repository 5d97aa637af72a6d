//! The JS glue and final wasm of the site's main module (what the wasm-bindgen CLI does).

use std::path::Path;

/// The wasm-bindgen version this tool's library speaks: the app must be built against the
/// same one (the library refuses a wasm whose schema differs, naming both versions).
pub const WASM_BINDGEN_VERSION: &str = "0.2.130";

/// Writes `<output name>.js` and `<output name>_bg.wasm` into `out_dir` for browsers' ES
/// modules. The split chunks import the main module's own linker exports, so those stay;
/// names stay mangled (smaller, and nothing reads them).
pub fn generate(input: &Path, out_dir: &Path, output_name: &str) -> Result<(), super::Error> {
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(input)
        .out_name(output_name)
        .web(true)?
        .typescript(false)
        .keep_lld_exports(true)
        .demangle(false)
        .generate(out_dir)
        .map_err(|e| format!("wasm-bindgen on {}: {e:#}", input.display()).into())
}
