#!/usr/bin/env bash
# Runs every check and test of Space Factory: formatting, clippy, the Rust unit and
# integration tests, then the site build and the end2end browser tests.
# Installs what is missing first (scripts/setup.sh). Usage: scripts/test.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/setup.sh
source scripts/setup.sh

# Each step says how many seconds the script had run when it began.
step() { printf '\n==> %s (at %d s)\n' "$*" "$SECONDS" >&2; }

step "cargo fmt --check"
cargo ${SPACE_FACTORY_FMT_TOOLCHAIN:+"+$SPACE_FACTORY_FMT_TOOLCHAIN"} fmt --all --check

step "sf-site-tools fmt --check (the view! blocks, as leptosfmt formats them)"
sf-site-tools fmt --check crates/app/src

# Compiled once, first: every test and the binaries the tests run (`worker`, the Job image
# of the embedded hub; `localhub`; `space-factory`, which the browser tests run too), with
# the workspace's features, so nothing below compiles them again.
step "cargo test --no-run (every test, and the worker, localhub and server binaries)"
cargo test --workspace --locked --no-run

# Steps run in the background: their pids and output files, cleaned up however the script ends.
bg_pids=() bg_logs=()
trap 'for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -f "${bg_logs[@]}"' EXIT
# Starts a command in the background with its output in a file; sets `started` to its index.
in_background() {
  local log
  log="$(mktemp)"
  "$@" >"$log" 2>&1 &
  bg_pids+=("$!") bg_logs+=("$log")
  started=$((${#bg_pids[@]} - 1))
}
# Waits for background step $1, prints its output, and sets `status` to its exit status.
finish() {
  status=0
  wait "${bg_pids[$1]}" || status=$?
  cat "${bg_logs[$1]}" >&2
}

# PyPI downloads in the background while clippy and the wasm keep both cores busy.
step "Python venvs the tests look up (localhub prepare-venvs, in the background: installs only what is missing)"
in_background "$SPACE_FACTORY_TARGET_DIR/debug/localhub" prepare-venvs
venvs=$started

# Clippy and the wasm one after the other: on two cores, two compilers side by side took no
# less time than the two in turn (measured on a new machine's CI; so did sf-site-tools'
# install beside the tests' build).
step "cargo clippy --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "scripts/build-site.sh --no-server (the wasm site)"
scripts/build-site.sh --no-server

step "waiting for the Python venvs"
finish "$venvs"
if [ "$status" != 0 ]; then
  echo "preparing the Python venvs failed (its output is above)" >&2
  exit 1
fi

# The browser tests run beside the Rust tests: both spend much of their time waiting on
# processes they started (servers, Gradio, Chromium), so together they keep the two cores
# busier than one after the other. The browser tests' output follows the Rust tests'.
step "cargo test (unit + integration), the end2end browser tests beside it"
export LEPTOS_SITE_ROOT
export SPACE_FACTORY_SERVER_BIN="$SPACE_FACTORY_TARGET_DIR/debug/space-factory"
in_background sh -c 'cd end2end && exec node --test --test-concurrency=1 tests/'
e2e=$started
rust_status=0
cargo test --workspace --locked --no-fail-fast || rust_status=$?

step "end2end browser tests (run beside cargo test; their output)"
finish "$e2e"
if [ "$rust_status" != 0 ] || [ "$status" != 0 ]; then
  echo "failed: cargo test exited $rust_status, the end2end browser tests $status" >&2
  exit 1
fi
