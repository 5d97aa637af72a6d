#!/usr/bin/env bash
# Runs every check and test of Space Factory: formatting, clippy's lints, the Rust unit and
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

# Clippy lints the workspace as its tests compile, rather than in a check build of its own:
# clippy-driver compiles the workspace's crates (the two variables `cargo clippy` sets for
# it), so the dependencies are compiled once, for the tests, where `cargo clippy` compiled
# them all again (192 of a new machine's 1010 s). The same lints, denied the same way, on
# the same targets: `cargo test --no-run` builds every lib, test and the binaries the tests
# run, and `cargo build --bins` the rest (`bench`), as `cargo clippy --all-targets` did.
clippy_driver="$(rustup which clippy-driver 2>/dev/null || command -v clippy-driver)" || {
  echo "no clippy-driver for $(rustc --version): install the toolchain's clippy" >&2
  exit 1
}
linted() {
  RUSTC_WORKSPACE_WRAPPER="$clippy_driver" CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__" "$@"
}

# Compiled once, first: every test and the binaries the tests run (`worker`, the Job image
# of the embedded hub; `localhub`; `space-factory`, which the browser tests run too), with
# the workspace's features, so nothing below compiles them again.
step "cargo test --no-run with clippy's lints, -D warnings (every test, and the worker, localhub and server binaries)"
linted cargo test --workspace --locked --no-run
step "cargo build --bins with clippy's lints (the binaries no test runs)"
linted cargo build --workspace --bins --locked

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

# PyPI downloads in the background while the wasm keeps both cores busy.
step "Python venvs the tests look up (localhub prepare-venvs, in the background: installs only what is missing)"
in_background "$SPACE_FACTORY_TARGET_DIR/debug/localhub" prepare-venvs
venvs=$started

# The wasm after the tests' build, not beside it: on two cores, two compilers side by side
# took no less time than the two in turn (measured on a new machine's CI; so did
# sf-site-tools' install beside the tests' build).
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
linted cargo test --workspace --locked --no-fail-fast || rust_status=$?

step "end2end browser tests (run beside cargo test; their output)"
finish "$e2e"
if [ "$rust_status" != 0 ] || [ "$status" != 0 ]; then
  echo "failed: cargo test exited $rust_status, the end2end browser tests $status" >&2
  exit 1
fi
