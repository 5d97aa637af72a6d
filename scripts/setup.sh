#!/usr/bin/env bash
# Idempotent set-up for building and testing Space Factory.
#
# Installs (only what is missing) the wasm32 toolchain, sf-site-tools (tools/site-tools:
# wasm split, wasm-bindgen and view! formatting in one binary), wasm-opt, Chromium and the
# end2end npm packages, and Python with Gradio for local Spaces. The site is built by
# scripts/build-site.sh with those tools, so cargo-leptos is not needed (`cargo leptos watch` still works where it is installed).
# Source it to get the environment the build needs:
#     source scripts/setup.sh
# Seconds when everything is present. See README.md "Development" for the measured times.
#
# Two routes to a wasm32 standard library:
#   1. the normal one (a laptop, the Docker build): rustup's toolchain already has the
#      wasm32-unknown-unknown target, or `rustup target add` can fetch it;
#   2. machines that reach only package registries: Debian's Rust (rustc-web) linked as the
#      rustup toolchain `debian-web`, with std for wasm32 built once from rust-web-src.

_sf_setup() {
  # Option changes stay inside this function (bash >= 4.4), whoever sources the script.
  local -
  set -euo pipefail
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  local log_prefix="[setup]"
  say() { echo "$log_prefix $*" >&2; }
  fail() { echo "$log_prefix error: $*" >&2; return 1; }

  local apt_updated=""
  apt_install() {
    local missing=()
    for pkg in "$@"; do
      dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null || fail "missing packages ${missing[*]} and no apt-get: install them by hand"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    if [ -z "$apt_updated" ]; then
      say "apt-get update"
      $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null
      apt_updated=1
    fi
    say "apt-get install ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >/dev/null
  }

  has_wasm_std() {
    local libdir
    libdir="$(rustc "$@" --print target-libdir --target wasm32-unknown-unknown 2>/dev/null)" || return 1
    compgen -G "$libdir/libcore-*.rlib" >/dev/null
  }

  # Debian's Rust 1.96 as the rustup toolchain `debian-web`, with std for wasm32 built once.
  ensure_debian_toolchain() {
    apt_install rustc-web cargo-web rust-web-src libstd-rust-web-dev lld-22 rust-web-clippy
    if ! rustup toolchain list | grep -q '^debian-web'; then
      say "linking Debian's Rust as rustup toolchain debian-web"
      rustup toolchain link debian-web /usr
    fi
    local libdir stamp version
    libdir="$(rustc +debian-web --print target-libdir --target wasm32-unknown-unknown)"
    version="$(rustc +debian-web --version)"
    stamp="$libdir/.space-factory-std-stamp"
    if ! has_wasm_std +debian-web || [ "$(cat "$stamp" 2>/dev/null)" != "$version" ]; then
      say "building the wasm32 standard library for $version (once, ~25 s)"
      local tmp
      tmp="$(mktemp -d)"
      mkdir -p "$tmp/src"
      printf '[package]\nname = "sf_std_probe"\nversion = "0.0.0"\nedition = "2021"\n[lib]\npath = "src/lib.rs"\n' >"$tmp/Cargo.toml"
      echo '#![no_std]' >"$tmp/src/lib.rs"
      # Its own target folder, whatever CARGO_TARGET_DIR the caller set (`.ci/run` sets one).
      (cd "$tmp" && env -u CARGO_BUILD_BUILD_DIR CARGO_TARGET_DIR="$tmp/target" \
        RUSTC_BOOTSTRAP=1 cargo +debian-web build -q --release \
        --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort)
      mkdir -p "$libdir"
      find "$tmp/target/wasm32-unknown-unknown/release/deps" -name 'lib*.rlib' \
        ! -name 'libsf_std_probe-*' -exec cp {} "$libdir/" \;
      echo "$version" >"$stamp"
      rm -rf "$tmp"
    fi
  }

  # --- 1. A toolchain with wasm32 std -------------------------------------------------
  local toolchain=""
  if [ -n "${SPACE_FACTORY_TOOLCHAIN:-}" ]; then
    toolchain="$SPACE_FACTORY_TOOLCHAIN"
  elif has_wasm_std; then
    toolchain=""
  elif rustup toolchain list 2>/dev/null | grep -q '^debian-web' && has_wasm_std +debian-web; then
    toolchain="debian-web"
  elif command -v rustup >/dev/null && timeout 60 rustup target add wasm32-unknown-unknown >/dev/null 2>&1 && has_wasm_std; then
    toolchain=""
  else
    toolchain="debian-web"
  fi

  if [ "$toolchain" = "debian-web" ]; then
    ensure_debian_toolchain
    export RUSTUP_TOOLCHAIN=debian-web
  fi
  local plus=()
  [ -n "$toolchain" ] && plus=("+$toolchain")

  # Installs a cargo tool with the build toolchain, falling back to Debian's Rust 1.96 when
  # that one is too old for the tool (cargo refuses before compiling anything).
  cargo_install_tool() {
    cargo "${plus[@]}" install -q "$@" && return 0
    say "retrying with Debian's Rust 1.96"
    ensure_debian_toolchain
    cargo +debian-web install -q "$@"
  }

  # --- 2. sf-site-tools (tools/site-tools): wasm split, wasm-bindgen, view! formatting ---
  # One binary on the libraries the wasm-bindgen CLI, `cargo leptos build --split` and
  # leptosfmt are built on: a new machine compiles it in about 6 minutes on 2 cores, where
  # those three CLIs took about 20.
  local tools_dir="$root/tools/site-tools" tools_version wb_lock wb_tools
  tools_version="$(awk -F'"' '/^version = / {print $2; exit}' "$tools_dir/Cargo.toml")"
  wb_lock="$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' "$root/Cargo.lock")"
  wb_tools="$(awk -F'"' '/^wasm-bindgen-cli-support = / {sub(/^=/, "", $2); print $2; exit}' "$tools_dir/Cargo.toml")"
  [ "$wb_lock" = "$wb_tools" ] || fail "Cargo.lock has wasm-bindgen $wb_lock but tools/site-tools pins wasm-bindgen-cli-support $wb_tools: make them equal (and bump the tool's version)"
  # Compiled in the background while the steps below download what they need.
  local tools_pid="" tools_log=""
  if ! sf-site-tools --version 2>/dev/null | grep -qF "sf-site-tools $tools_version (wasm-bindgen $wb_lock)"; then
    say "installing sf-site-tools $tools_version (2 to 6 minutes, once; in the background)"
    tools_log="$(mktemp)"
    cargo_install_tool --locked --path "$tools_dir" >"$tools_log" 2>&1 &
    tools_pid=$!
  fi

  # --- 4. Node packages: wasm-opt (binaryen) and playwright-core ------------------------
  command -v npm >/dev/null || apt_install nodejs npm
  if [ ! -x "$root/end2end/node_modules/.bin/wasm-opt" ] || [ ! -d "$root/end2end/node_modules/playwright-core" ]; then
    say "npm ci in end2end/"
    (cd "$root/end2end" && npm ci --no-audit --no-fund --silent)
  fi
  export PATH="$root/end2end/node_modules/.bin:$PATH"

  # --- 5. Chromium for the browser tests -----------------------------------------------
  apt_install chromium
  export SPACE_FACTORY_CHROMIUM="${SPACE_FACTORY_CHROMIUM:-/usr/bin/chromium}"

  # --- 6. The Pi coding agent (pinned in tools/pi) for the agent phases and their tests --
  local pi_dir="$root/tools/pi" pi_want pi_have
  pi_want="$(node -p "require('$pi_dir/package.json').dependencies['@mariozechner/pi-coding-agent']")"
  pi_have="$(node -p "require('$pi_dir/node_modules/@mariozechner/pi-coding-agent/package.json').version" 2>/dev/null || true)"
  if [ "$pi_want" != "$pi_have" ]; then
    say "npm ci in tools/pi (Pi $pi_want, about 30 s)"
    (cd "$pi_dir" && npm ci --no-audit --no-fund --ignore-scripts --silent)
  fi
  export SPACE_FACTORY_PI_PREFIX="$pi_dir"

  if [ -n "$tools_pid" ]; then
    if ! wait "$tools_pid"; then
      cat "$tools_log" >&2
      rm -f "$tools_log"
      fail "installing sf-site-tools failed (its output is above)"
    fi
    rm -f "$tools_log"
    say "sf-site-tools $tools_version installed"
  fi

  # --- 7. Where builds go, and what the test and run scripts read ----------------------
  export SPACE_FACTORY_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
  export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-$SPACE_FACTORY_TARGET_DIR/site}"
  # Debian's toolchain has no rustfmt; formatting does not depend on the compiler version.
  if [ "$toolchain" = "debian-web" ]; then
    export SPACE_FACTORY_FMT_TOOLCHAIN=stable
  else
    unset SPACE_FACTORY_FMT_TOOLCHAIN
  fi

  say "ready${toolchain:+ (toolchain $toolchain)}"
}

_sf_setup
