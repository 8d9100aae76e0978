#!/usr/bin/env bash
# Sets up everything the tests need on a fresh Debian machine with Rust, then runs every test.
# Idempotent: a second run only checks. Used by README.md and .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

# Build outputs shared between runs and clones of this repo (the dependencies take long to build).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mpsim/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export RUST_BACKTRACE=0

# Debian packages the tests use (scripts/debian-packages.txt, one per line).
missing=()
while read -r pkg; do
  [[ -z "$pkg" || "$pkg" == \#* ]] && continue
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done < scripts/debian-packages.txt
if ((${#missing[@]})); then
  echo "== installing Debian packages: ${missing[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

# Python venv with the pinned host tools the tests drive (scripts/requirements-test.txt).
VENV="${MPSIM_VENV:-.venv}"
if [[ ! -x "$VENV/bin/python" ]]; then
  echo "== creating $VENV"
  python3 -m venv "$VENV"
fi
if ! cmp -s scripts/requirements-test.txt "$VENV/.installed" 2>/dev/null; then
  echo "== installing Python test tools"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r scripts/requirements-test.txt
  cp scripts/requirements-test.txt "$VENV/.installed"
fi
export PATH="$PWD/$VENV/bin:$PATH"

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== cargo test"
cargo test --workspace
