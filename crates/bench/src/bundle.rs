//! Item 5, first half: the site's wasm, raw and gzipped (what a browser downloads): the
//! first load of each page and all of it together.
//!
//! The wasm is split at the lazy routes (scripts/build-site.sh), and each page's `<head>`
//! asks the browser to preload exactly the wasm files the page needs (the main module and
//! its route's chunks): a page's first load is what its served HTML preloads.

use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use flate2::Compression;
use runs::{routes, Phase};

use crate::report::Row;
use crate::server_process::ServerProcess;

/// The pages measured: what the row calls it, and a path of it. The run page's code is the
/// same for any run, so a run that does not exist does (its page still loads its chunks).
fn pages() -> [(&'static str, String); 4] {
    [
        ("/", "/".to_owned()),
        ("/runs", "/runs".to_owned()),
        (
            "/runs/{id}",
            routes::run_page("alice", "01BX5ZZKBKACTAV9WEVGEMMVRZ"),
        ),
        ("/new/{phase}", routes::new_run_page(Phase::ALL[0])),
    ]
}

/// One wasm file's size as downloaded.
struct Size {
    raw: usize,
    gzip: usize,
}

/// Raw and gzip -9 sizes of a file.
fn size_of(path: &Path) -> Result<Size, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut gz = GzEncoder::new(Vec::new(), Compression::best());
    let gzip = gz
        .write_all(&bytes)
        .and_then(|()| gz.finish())
        .map_err(|e| e.to_string())?
        .len();
    Ok(Size {
        raw: bytes.len(),
        gzip,
    })
}

/// The sum of the sizes of `files`.
fn total(files: &[PathBuf]) -> Result<Size, String> {
    files
        .iter()
        .try_fold(Size { raw: 0, gzip: 0 }, |sum, file| {
            let size = size_of(file)?;
            Ok(Size {
                raw: sum.raw + size.raw,
                gzip: sum.gzip + size.gzip,
            })
        })
}

/// The `href`s of the `<link rel="preload">` tags of `html` that name a `.wasm` file.
pub fn preloaded_wasm(html: &str) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    html.split("<link")
        .skip(1)
        .filter_map(|tag| {
            let tag = &tag[..tag.find('>')?];
            (attribute(tag, "rel")? == "preload").then_some(())?;
            let href = attribute(tag, "href")?;
            href.ends_with(".wasm").then(|| href.to_owned())
        })
        // A file named twice (leptos and the app both preload a page's chunks) loads once.
        .filter(|href| seen.insert(href.clone()))
        .collect()
}

/// The value of attribute `name` in a tag's text.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

/// Two rows (raw, gzip -9) for `what`.
fn rows(what: &str, size: &Size, origin: &str) -> [Row; 2] {
    [
        Row::ours_only(
            "5",
            &format!("{what}, raw (KiB)"),
            size.raw as f64 / 1024.0,
            origin,
        ),
        Row::ours_only(
            "5",
            &format!("{what}, gzip -9 (KiB)"),
            size.gzip as f64 / 1024.0,
            origin,
        ),
    ]
}

/// Every page's first load (read from the pages `server` serves) and all the wasm files of
/// `site_root/pkg` together.
pub async fn measure(server: &ServerProcess, site_root: &Path) -> Result<Vec<Row>, String> {
    // Which build this is: scripts/bench.sh builds the release site and says so.
    let build = std::env::var("SPACE_FACTORY_BENCH_SITE_BUILD")
        .unwrap_or_else(|_| "build profile not stated".into());
    let pkg = site_root.join("pkg");
    let mut all: Vec<PathBuf> = std::fs::read_dir(&pkg)
        .map_err(|e| {
            format!(
                "{}: {e}: run `scripts/build-site.sh --release` first",
                pkg.display()
            )
        })?
        .filter_map(|entry| Some(entry.ok()?.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "wasm"))
        .collect();
    all.sort();
    let http = reqwest::Client::new();
    let mut out = Vec::new();
    for (label, path) in pages() {
        let html = http
            .get(format!("{}{path}", server.url))
            .send()
            .await
            .map_err(|e| e.to_string())?
            .text()
            .await
            .map_err(|e| e.to_string())?;
        let files: Vec<PathBuf> = preloaded_wasm(&html)
            .iter()
            .map(|href| site_root.join(href.trim_start_matches('/')))
            .collect();
        if files.is_empty() {
            return Err(format!("{path} preloads no wasm"));
        }
        let origin = format!("{} files its HTML preloads ({build})", files.len());
        out.extend(rows(
            &format!("wasm first load of {label}"),
            &total(&files)?,
            &origin,
        ));
    }
    let origin = format!(
        "the {} wasm files of {} ({build})",
        all.len(),
        pkg.display()
    );
    out.extend(rows(
        "wasm bundle, all routes together",
        &total(&all)?,
        &origin,
    ));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::preloaded_wasm;

    #[test]
    fn only_the_wasm_a_page_preloads_counts() {
        let head = r#"<link rel="modulepreload" href="/pkg/space-factory.js" crossorigin="">
<link rel="preload" href="/pkg/space-factory_bg.wasm" as="fetch" type="application/wasm" crossorigin="">
<link rel="stylesheet" href="/pkg/space-factory.css">
<link rel="preload" href="/pkg/chunk_3_home.wasm" as="fetch" type="application/wasm"/>
<link rel="preload" href="/pkg/space-factory.css" as="style">
<link as="fetch" href="/pkg/chunk_3_home.wasm" rel="preload" type="application/wasm">"#;
        assert_eq!(
            preloaded_wasm(head),
            ["/pkg/space-factory_bg.wasm", "/pkg/chunk_3_home.wasm"]
        );
    }
}
