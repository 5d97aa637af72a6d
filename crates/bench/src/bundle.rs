//! Item 5, first half: the site's wasm bundle, raw and gzipped (what a browser downloads).

use std::io::Write;
use std::path::PathBuf;

use flate2::write::GzEncoder;
use flate2::Compression;

use crate::report::Row;

/// Sizes of `$LEPTOS_SITE_ROOT/pkg/space-factory_bg.wasm`. The seed had no wasm UI, so there
/// is no reference figure.
pub fn measure() -> Vec<Row> {
    let site = std::env::var_os("LEPTOS_SITE_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/site"));
    let wasm = site.join("pkg/space-factory_bg.wasm");
    let bytes = match std::fs::read(&wasm) {
        Ok(b) => b,
        Err(e) => {
            return vec![Row::missing(
                "5",
                "wasm bundle size",
                &format!(
                    "no {} ({e}): run `scripts/build-site.sh --release` first",
                    wasm.display()
                ),
            )]
        }
    };
    let mut gz = GzEncoder::new(Vec::new(), Compression::best());
    let gzipped = gz
        .write_all(&bytes)
        .and_then(|()| gz.finish())
        .map(|v| v.len())
        .unwrap_or(0);
    // Which build this is: scripts/bench.sh builds the release site and says so.
    let build = std::env::var("SPACE_FACTORY_BENCH_SITE_BUILD")
        .unwrap_or_else(|_| "build profile not stated".into());
    let origin = format!("{} ({build})", wasm.display());
    vec![
        Row::ours_only(
            "5",
            "wasm bundle, raw (KiB)",
            bytes.len() as f64 / 1024.0,
            &origin,
        ),
        Row::ours_only(
            "5",
            "wasm bundle, gzip -9 (KiB)",
            gzipped as f64 / 1024.0,
            &origin,
        ),
    ]
}
