#!/usr/bin/env bash
# Runs the benchmarks (crates/bench) and writes bench/RESULTS.md. Not part of scripts/test.sh:
# figures are reported, never asserted. Loopback only; needs what scripts/setup.sh installs.
# Usage: scripts/bench.sh [ITEM ...]   (items 1 to 6; all by default, and only a run of all
# of them rewrites bench/RESULTS.md)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/setup.sh
source scripts/setup.sh

# Release builds, as the Docker image holds them: the server and its site (item 5 measures
# its wasm), and the worker the local Jobs run (items 1, 3, 4, 6).
scripts/build-site.sh --release
cargo build --release --locked -p worker --bin worker
export LEPTOS_SITE_ROOT SPACE_FACTORY_BENCH_SITE_BUILD="release: scripts/build-site.sh --release"
cargo run --release --locked -p bench -- "$@"
