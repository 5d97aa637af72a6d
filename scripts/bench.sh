#!/usr/bin/env bash
# Runs the benchmarks (crates/bench) and writes bench/RESULTS.md. Not part of scripts/test.sh:
# figures are reported, never asserted. Loopback only; needs what scripts/setup.sh installs.
# Usage: scripts/bench.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/setup.sh
source scripts/setup.sh

# The release site, as the Docker image serves it (item 5 measures its wasm).
cargo leptos build --release
export LEPTOS_SITE_ROOT SPACE_FACTORY_BENCH_SITE_BUILD="release: cargo leptos build --release"
cargo run --release --locked -p bench
