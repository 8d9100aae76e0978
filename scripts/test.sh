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

# micropython-lib's umqtt.simple and urequests (the network tests) and its ssd1306 driver (the
# window's display test), for the board's flash: board-side Python, so the sdists, by name and
# version from pip's index, checked against their digests (scripts/fetch-sdist.py says why not
# `pip download`).
MPLIB="$VENV/micropython-lib"
fetch_mplib() { # name version sha256 member...
  local name=$1 version=$2 sum=$3; shift 3
  local stamp="$MPLIB/.$name-$version"
  [[ -f "$stamp" ]] && return
  echo "== fetching $name $version"
  local tmp tgz; tmp=$(mktemp -d)
  tgz=$("$VENV/bin/python" scripts/fetch-sdist.py "$name" "$version" "$sum" "$tmp")
  mkdir -p "$MPLIB"
  tar -xzf "$tgz" -C "$MPLIB" --strip-components=1 "$@"
  rm -rf "$tmp"
  touch "$stamp"
}
fetch_mplib micropython-umqtt.simple 1.3.4 \
  b6a2520239e3992c63a7de9370ee9b3d9d27819a90359c521f1c0f7ccab8d12f \
  micropython-umqtt.simple-1.3.4/umqtt/simple.py
fetch_mplib micropython-urequests 0.9.1 \
  15ed0132bcff1a84e87049d9d7780ce26df0810fa674aa89d187e17493d6e3c5 \
  micropython-urequests-0.9.1/urequests/__init__.py
fetch_mplib micropython-ssd1306 0.3 \
  d00cae1ff680e6ae504e258e700f002874b0d924b1a604253b6ea63144b58289 \
  micropython-ssd1306-0.3/ssd1306.py
export MPSIM_MICROPYTHON_LIB="$PWD/$MPLIB"

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo lint   # .cargo/config.toml: clippy, every target, -D warnings
echo "== cargo test"
cargo t      # .cargo/config.toml: cargo test --workspace
