#!/usr/bin/env bash
# Builds and runs Space Factory locally: the web server with the embedded local hub.
# Installs what is missing first (scripts/setup.sh). Arguments go to the server
# (e.g. `scripts/run.sh --addr 127.0.0.1:8080`); SPACE_FACTORY_RELEASE=1 builds optimized.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/setup.sh
source scripts/setup.sh

# build-site.sh builds the site and the server only; the embedded local hub runs launched
# runs with the `worker` binary next to it, so that is built too, in the same profile.
profile=debug
if [ "${SPACE_FACTORY_RELEASE:-0}" = "1" ]; then
  scripts/build-site.sh --release
  cargo build -p worker --bin worker --release
  profile=release
else
  scripts/build-site.sh
  cargo build -p worker --bin worker
fi
export LEPTOS_SITE_ROOT
exec "$SPACE_FACTORY_TARGET_DIR/$profile/space-factory" "$@"
