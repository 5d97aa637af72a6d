#!/usr/bin/env bash
# Builds the web site (the hydrating wasm, its JS glue, the CSS and the public assets) and
# the server binary: what `cargo leptos build` does, with the libraries it drives (cargo,
# wasm-bindgen's and wasm-split's, in sf-site-tools; wasm-opt), so no machine has to compile cargo-leptos (about half an
# hour on 2 cores) to build or test the factory. `[workspace.metadata.leptos]` stays, so
# `cargo leptos watch` works as well for those who have it.
#
# Usage: scripts/build-site.sh [--release | --no-server]
#   debug:       the wasm in the dev profile, the server in debug
#   --release:   the wasm in the `wasm-release` profile, with the standard library rebuilt to
#                abort on a panic with no message and no `Debug` formatting (unstable flags,
#                allowed for this one build by RUSTC_BOOTSTRAP; needs rust-src, else the
#                stock standard library), then `wasm-opt -Oz`; the server in release (what
#                the Docker image holds)
#   --no-server: the debug site only; scripts/test.sh runs the server its `cargo test` build
#                made (building it here with `-p server` alone would compile it and half
#                its dependencies again, with other features)
# Both split the wasm at its lazy routes (crates/app/src/pages/lazy.rs) with `sf-site-tools
# split` (tools/site-tools, what `cargo leptos build --split` does): pkg/ holds the main module,
# one chunk per page or set of pages sharing code, their loader and the manifest the server
# reads to preload a page's chunks.
# The site goes to $LEPTOS_SITE_ROOT (default $CARGO_TARGET_DIR/site), replaced whole.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [ -z "${SPACE_FACTORY_TARGET_DIR:-}" ]; then
  # shellcheck source=scripts/setup.sh
  source scripts/setup.sh
fi

release=0 server=1
case "${1:-}" in
  "") ;;
  --release) release=1 ;;
  --no-server) server=0 ;;
  *) echo "usage: scripts/build-site.sh [--release | --no-server]" >&2; exit 2 ;;
esac

# The names the server's pages ask for: /pkg/<name>.js, /pkg/<name>_bg.wasm (wasm-bindgen's
# own names; leptos expects `_bg` when the server is built by plain cargo) and
# /pkg/<name>.css. Must equal app::OUTPUT_NAME.
name="space-factory"
site="${LEPTOS_SITE_ROOT:-$SPACE_FACTORY_TARGET_DIR/site}"
# The wasm build has its own target folder: its features differ from the server's, and
# sharing one would rebuild the common dependencies on every switch (as cargo-leptos does).
front="$SPACE_FACTORY_TARGET_DIR/front"

if [ "$release" = 1 ]; then
  wasm_profile="wasm-release" server_profile=(--release)
else
  wasm_profile="dev" server_profile=()
fi
wasm_dir="$wasm_profile"
[ "$wasm_profile" = "dev" ] && wasm_dir="debug"

# The wasm build's flags. A RUSTFLAGS replaces .cargo/config.toml's list, so this one
# carries its `--cfg erase_components` (the server's views must match the browser's). The
# linker keeps its relocations in the wasm: the split reads them to find which code each
# lazy route reaches. --target keeps these off build scripts and proc macros.
wasm_flags="${RUSTFLAGS:+$RUSTFLAGS }--cfg erase_components -Clink-args=--emit-relocs"
wasm_std=() bootstrap=()
if [ "$release" = 1 ]; then
  # What a user's browser downloads: no panic messages (a panic traps), no file and line
  # in them, and `{:?}` formats nothing (the app shows no Debug text). The panic strategy
  # needs a standard library built for it, from rust-src.
  wasm_flags+=" -Zlocation-detail=none -Zfmt-debug=none"
  bootstrap=(RUSTC_BOOTSTRAP=1)
  src="$(rustc --print sysroot)/lib/rustlib/src/rust/library/Cargo.lock"
  if [ ! -f "$src" ] && command -v rustup >/dev/null; then
    timeout 120 rustup component add rust-src >/dev/null 2>&1 || true
  fi
  if [ -f "$src" ]; then
    wasm_flags+=" -Zunstable-options -Cpanic=immediate-abort"
    wasm_std=(-Zbuild-std=std,panic_abort)
  else
    echo "[build-site] no rust-src for $(rustc --version): the stock standard library (a larger wasm)" >&2
  fi
fi

echo "[build-site] wasm ($wasm_profile)" >&2
env ${bootstrap[@]+"${bootstrap[@]}"} RUSTFLAGS="$wasm_flags" \
  cargo build --locked -p app --lib --target wasm32-unknown-unknown \
  --no-default-features --features hydrate --profile "$wasm_profile" --target-dir "$front" \
  ${wasm_std[@]+"${wasm_std[@]}"}

pkg_new="$site/pkg.new"
rm -rf "$pkg_new"
mkdir -p "$pkg_new"
echo "[build-site] wasm split at the lazy routes" >&2
main_wasm="$front/wasm32-unknown-unknown/$wasm_dir/app_split.wasm"
sf-site-tools split "$front/wasm32-unknown-unknown/$wasm_dir/app.wasm" "$pkg_new" "$main_wasm" "$name"
# The JS glue for browsers' ES modules; the chunks import the main module's own (linker)
# exports, so those stay.
sf-site-tools bindgen "$main_wasm" "$pkg_new" "$name"
if [ "$release" = 1 ]; then
  echo "[build-site] wasm-opt -Oz (main module and chunks)" >&2
  # Two at a time: wasm-opt is single-threaded here (npm's Binaryen runs in Node).
  find "$pkg_new" -name '*.wasm' -print0 | xargs -0 -P 2 -I{} \
    wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-reference-types --enable-multivalue -o {} {}
fi
cp style/main.css "$pkg_new/$name.css"
cp -R public/. "$site/"
rm -rf "$site/pkg"
mv "$pkg_new" "$site/pkg"

if [ "$server" = 1 ]; then
  echo "[build-site] server" >&2
  cargo build --locked -p server --bin space-factory "${server_profile[@]}"
fi
echo "[build-site] site in $site" >&2
