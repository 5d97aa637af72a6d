#!/usr/bin/env bash
# Measures "fresh machine → green scripts/test.sh": `.ci/run` on a clean clone inside a
# root (a mount and PID namespace, not a chroot) that holds only what a new machine of
# this kind has (its Debian packages, its rustup toolchain, cargo-nextest, pyenv's
# Pythons, Node.js and npm) and nothing this
# project installed or cached: no Debian Rust, no wasm std, no sf-site-tools,
# no Chromium, no cargo registry, no target folder, no venvs, no node_modules.
# Writes bench/fresh-machine.txt (`seconds=N` and how it was measured), which
# scripts/bench.sh reports. Needs root, ~30 GB free in DIR, and the package registries.
#
# Usage: scripts/bench-fresh-machine.sh [--prepare-only | --setup-only] [DIR]
#   --prepare-only: only prepare the base; --setup-only: time scripts/setup.sh alone in a
#   fresh overlay (a quick check of the route; writes no result)
#   DIR (default ~/.cache/space-factory/fresh-machine) keeps the prepared base between
#   runs (preparing it is not timed); each timed run gets an empty overlay on top of it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prepare_only=0 setup_only=0
case "${1:-}" in
  --prepare-only) prepare_only=1; shift ;;
  --setup-only) setup_only=1; shift ;;
esac
dir="${1:-$HOME/.cache/space-factory/fresh-machine}"
say() { echo "[fresh-machine] $*" >&2; }
[ "$(id -u)" -eq 0 ] || { say "needs root (debootstrap, chroot, mounts)"; exit 1; }

# The Debian packages of a new machine of this kind (bench/new-machine-packages.txt).
image_list="$root/bench/new-machine-packages.txt"
suite="$(. /etc/os-release && echo "$VERSION_CODENAME")"
mirror="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || echo http://deb.debian.org/debian)"
base="$dir/base"
# The machine's one rustup toolchain, which the base gets a copy of.
stable=/root/.rustup/toolchains/stable-x86_64-unknown-linux-gnu

# --- The base: prepared once, not timed ------------------------------------------------
prepare_base() {
  command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  remove_tree "$base"
  mkdir -p "$base"
  say "debootstrap $suite from $mirror"
  debootstrap --variant=minbase "$suite" "$base" "$mirror" >"$dir/debootstrap.log" 2>&1
  cp /etc/apt/sources.list.d/debian.sources "$base/etc/apt/sources.list.d/"
  rm -f "$base/etc/apt/sources.list"
  cp /etc/resolv.conf "$base/etc/resolv.conf"
  # The image's Debian packages (names only: the suite's current versions), less those a
  # new machine's own tools bring another way (Node.js comes from its own repository).
  grep -v -e '^#' -e '^nodejs$' "$image_list" | sort -u >"$base/root/image-packages.txt"
  with_mounts "$base" bash -c '
    set -e
    apt-get update -qq
    comm -12 <(apt-cache pkgnames | sort -u) /root/image-packages.txt >/root/install.txt
    DEBIAN_FRONTEND=noninteractive xargs apt-get install -y -qq --no-install-recommends </root/install.txt >/dev/null
    apt-get clean
    rm /root/install.txt /root/image-packages.txt
  '
  say "copying the machine's own toolchains"
  # rustup and its proxies with the machine's one toolchain, stable, as a new machine has
  # it: with no wasm32 target (../shared/TOOLCHAIN.md; strip_wasm_target, on every run),
  # whatever was added here since.
  mkdir -p "$base/root/.cargo/bin" "$base/root/.rustup/toolchains"
  cp -a /root/.rustup/settings.toml "$base/root/.rustup/"
  [ -d /root/.rustup/update-hashes ] && cp -a /root/.rustup/update-hashes "$base/root/.rustup/"
  local tc
  cp -a "$stable" "$base/root/.rustup/toolchains/"
  for tc in /root/.rustup/toolchains/*; do
    [ -L "$tc" ] && [ "$(readlink "$tc")" = "$stable" ] && cp -a "$tc" "$base/root/.rustup/toolchains/"
  done
  local f
  for f in /root/.cargo/bin/*; do
    if [ -L "$f" ] && [ "$(readlink "$f")" = rustup ] || [ "$(basename "$f")" = rustup ]; then
      cp -a "$f" "$base/root/.cargo/bin/"
    fi
  done
  cp -a /usr/local/bin/cargo-nextest "$base/usr/local/bin/" 2>/dev/null || true
  cp -a /root/.pyenv "$base/root/"
  # Node.js and npm as the image has them.
  cp -a "$(readlink -f "$(command -v node)")" "$base/usr/bin/node"
  mkdir -p "$base/usr/lib/node_modules"
  cp -a /usr/lib/node_modules/npm "$base/usr/lib/node_modules/"
  [ -d /usr/lib/node_modules/corepack ] && cp -a /usr/lib/node_modules/corepack "$base/usr/lib/node_modules/"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$base/usr/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$base/usr/bin/npx"
  cat >"$base/root/.profile" <<'EOF'
export PYENV_ROOT=/root/.pyenv
export PATH=/root/.cargo/bin:/root/.pyenv/shims:/root/.pyenv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export RUSTUP_AUTO_INSTALL=0
EOF
  date -u +%FT%TZ >"$base/.prepared"
}

# What a new machine's image configures, copied as it is: the registries' certificate
# authorities and the package clients' settings that name them.
copy_machine_config() {
  local f
  mkdir -p "$base/usr/local/share/ca-certificates"
  cp -a /usr/local/share/ca-certificates/. "$base/usr/local/share/ca-certificates/"
  cp -a /etc/ssl/certs/ca-certificates.crt "$base/etc/ssl/certs/ca-certificates.crt"
  for f in /etc/pip.conf /root/.pip/pip.conf /root/.config/pip/pip.conf /root/.npmrc /etc/npmrc /usr/etc/npmrc /root/.cargo/config.toml /root/.gitconfig; do
    if [ -f "$f" ]; then mkdir -p "$base$(dirname "$f")"; cp -a "$f" "$base$f"; fi
  done
}

# The machine's environment variables that point clients at those authorities.
machine_env() {
  env | grep -E '^[A-Z_]*(SSL|CERT|CA_BUNDLE|CAINFO|CA_CERTS)[A-Z_]*=' || true
}

# Removes the wasm32 target from a rustup toolchain's rustlib folder $1, as rustup's own
# `target remove` would (its files, its manifest, its line in `components`, its entry in
# multirust-config.toml). Left in that file, the entry makes `rustup target add` a no-op
# and set-up falls back to Debian's route, which a new machine here does not take.
strip_wasm_target() {
  local lib="$1" target=wasm32-unknown-unknown
  rm -rf --one-file-system "${lib:?}/$target" "$lib/manifest-rust-std-$target"
  sed -i "/^rust-std-$target\$/d" "$lib/components"
  awk -v RS= -v ORS='\n\n' -v entry="pkg = \"rust-std\"\ntarget = \"$target\"" \
    'index($0, entry) == 0' "$lib/multirust-config.toml" >"$lib/multirust-config.toml.new"
  mv "$lib/multirust-config.toml.new" "$lib/multirust-config.toml"
}

mounted=()
# Runs a command chrooted in $1 with /proc, /sys, /dev and a fresh /tmp mounted.
with_mounts() {
  local r="$1"; shift
  mount_into "$r"
  local status=0
  chroot "$r" env -i HOME=/root TERM=dumb PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@" || status=$?
  unmount_all
  return $status
}

# Runs a command with the tree $1 as its root the way a machine's own root is, not as a
# chroot: the kernel refuses user namespaces inside a chroot (unshare(CLONE_NEWUSER) is
# EPERM there), which the worker's agent jail and its tests create. A mount namespace
# pivots to the tree; a PID namespace of its own means whatever the run leaves behind
# (a failed test's server, say) ends with it instead of holding the log open.
enter_root() {
  local r="$1"; shift
  unshare --mount --pid --fork --kill-child -- bash -c '
    set -e
    r="$1"; shift
    mount --make-rprivate /
    mount --rbind "$r" "$r"
    cd "$r"
    mkdir -p .old-root
    pivot_root . .old-root
    cd /
    umount -l /.old-root
    rmdir /.old-root
    mount -t proc proc /proc
    exec "$@"' _ "$r" "$@"
}

# Mounts /proc, /sys, /dev and a fresh /tmp into the tree $1.
mount_into() {
  local r="$1"
  mount -t proc proc "$r/proc"
  mount --rbind /sys "$r/sys"
  mount --make-rslave "$r/sys"
  mount --rbind /dev "$r/dev"
  mount --make-rslave "$r/dev"
  mount -t tmpfs -o size=8g tmpfs "$r/tmp"
  mounted=("$r/tmp" "$r/dev" "$r/sys" "$r/proc" "${mounted[@]}")
}

unmount_all() {
  local m
  for m in "${mounted[@]}"; do umount -R -l "$m" 2>/dev/null || true; done
  mounted=()
}
trap unmount_all EXIT

# Removes a tree, refusing while anything is mounted under it (a /dev or /sys bound into a
# chroot must never be walked into).
remove_tree() {
  local t
  t="$(realpath -m "$1")"
  if awk -v t="$t/" '{ if (index($2 "/", t) == 1) found = 1 } END { exit !found }' /proc/mounts; then
    say "refusing to remove $t: something is still mounted under it"
    return 1
  fi
  rm -rf --one-file-system "$t"
}

mkdir -p "$dir"
[ -f "$base/.prepared" ] || prepare_base
# On every run, so a base prepared before the strip took multirust-config.toml's entry too
# is set right (it is idempotent).
strip_wasm_target "$base$stable/lib/rustlib"
copy_machine_config
[ "$prepare_only" = 1 ] && { say "base ready in $base"; exit 0; }

# --- The timed run: an empty overlay on the base, a clean clone of HEAD ---------------
run="$dir/run"
umount -R -l "$run/root" 2>/dev/null || true
remove_tree "$run"
mkdir -p "$run/upper" "$run/work" "$run/root"
mount -t overlay overlay -o "lowerdir=$base,upperdir=$run/upper,workdir=$run/work" "$run/root"
mounted+=("$run/root")
commit="$(git -C "$root" rev-parse --short HEAD)"
mkdir -p "$run/root/work"
git clone -q --no-hardlinks "$root" "$run/root/work/main"
[ -d "$root/../shared" ] && cp -r "$root/../shared" "$run/root/work/shared"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
say "timed: .ci/run at $commit in a fresh root (log: $dir/run.log)"
mount_into "$run/root"
step='bash .ci/run'
[ "$setup_only" = 1 ] && step='source scripts/setup.sh && echo "CI finished in $SECONDS s (set-up only)"'
start=$(date +%s)
status=0
SECONDS=0
mapfile -t ca_env < <(machine_env)
enter_root "$run/root" env -i HOME=/root TERM=dumb CI=true "${ca_env[@]}" bash -c \
  ". /root/.profile && cd /work/main && $step" 2>&1 |
  while IFS= read -r line; do printf '%5d %s\n' "$SECONDS" "$line"; done >"$dir/run.log" || status=$?
seconds=$(( $(date +%s) - start ))
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
result="passed"
[ "$status" = 0 ] && grep -q '^ *[0-9]* CI finished in' "$dir/run.log" || result="failed"
if [ "$setup_only" = 1 ]; then
  say "set-up only: $result in $seconds s (log: $dir/run.log)"
  unmount_all
  [ "$result" = passed ] && remove_tree "$run"
  [ "$result" = passed ]
  exit
fi

{
  echo "seconds=$seconds"
  echo "result=$result"
  echo "commit=$commit"
  echo "date=$(date -u '+%F %H:%M UTC')"
  echo "load average before: $load_before; after: $load_after ($(nproc) cores)"
  if grep -q '\[setup\] ready (toolchain debian-web)' "$dir/run.log"; then
    echo "route: Debian's Rust (toolchain debian-web, the wasm32 std built from rust-web-src)"
  else
    echo "route: rustup's (rustup target add wasm32-unknown-unknown)"
  fi
  echo "how: scripts/bench-fresh-machine.sh: .ci/run on a clean clone in a fresh root (mount + PID namespace) holding only a new machine's packages and tools (bench/new-machine-packages.txt), empty cargo registry and target"
  echo "where the time went (seconds from the start, first line of each step):"
  grep -E '^ *[0-9]+ (==>|\[setup\])' "$dir/run.log" | sed 's/^/  /'
  grep -E 'CI finished in|test result:|passed|failed' "$dir/run.log" | tail -3 | sed 's/^/  /'
} >"$root/bench/fresh-machine.txt"
cat "$root/bench/fresh-machine.txt" >&2
unmount_all
# The run's overlay holds the whole build: kept only when it failed, to look into.
[ "$result" = passed ] && remove_tree "$run"
[ "$result" = passed ]
