#!/usr/bin/env bash
# Runs every check and test of Space Factory: formatting, clippy, the Rust unit and
# integration tests, then the site build and the end2end browser tests.
# Installs what is missing first (scripts/setup.sh). Usage: scripts/test.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/setup.sh
source scripts/setup.sh

step() { printf '\n==> %s\n' "$*" >&2; }

step "cargo fmt --check"
cargo ${SPACE_FACTORY_FMT_TOOLCHAIN:+"+$SPACE_FACTORY_FMT_TOOLCHAIN"} fmt --all --check

step "sf-site-tools fmt --check (the view! blocks, as leptosfmt formats them)"
sf-site-tools fmt --check crates/app/src

step "cargo clippy --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

# The worker the embedded hub runs as the Job image: the server's tests and the browser
# tests use it, and no test builds it.
step "cargo build -p worker (the worker the local Jobs run)"
cargo build -p worker --bin worker --locked

step "Python venvs the tests look up (localhub prepare-venvs: installs only what is missing)"
cargo run -q -p localhub --bin localhub --locked -- prepare-venvs

step "cargo test (unit + integration)"
cargo test --workspace --locked --no-fail-fast

step "scripts/build-site.sh (server + wasm site)"
scripts/build-site.sh

step "end2end browser tests"
export LEPTOS_SITE_ROOT
export SPACE_FACTORY_SERVER_BIN="$SPACE_FACTORY_TARGET_DIR/debug/space-factory"
(cd end2end && node --test --test-concurrency=1 tests/)
