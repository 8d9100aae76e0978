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
# window's display test), from PyPI, for the board's flash (board-side Python: no wheels, so the
# sdists, checked against their digests).
MPLIB="$VENV/micropython-lib"
fetch_mplib() { # name version url sha256 member...
  local name=$1 version=$2 url=$3 sum=$4; shift 4
  local stamp="$MPLIB/.$name-$version"
  [[ -f "$stamp" ]] && return
  echo "== fetching $name $version from PyPI"
  local tgz; tgz=$(mktemp)
  curl -fsSL -o "$tgz" "$url"
  echo "$sum  $tgz" | sha256sum -c --quiet
  mkdir -p "$MPLIB"
  tar -xzf "$tgz" -C "$MPLIB" --strip-components=1 "$@"
  rm -f "$tgz"
  touch "$stamp"
}
fetch_mplib micropython-umqtt.simple 1.3.4 \
  https://files.pythonhosted.org/packages/bd/cf/697e3418b2f44222b3e848078b1e33ee76aedca9b6c2430ca1b1aec1ce1d/micropython-umqtt.simple-1.3.4.tar.gz \
  b6a2520239e3992c63a7de9370ee9b3d9d27819a90359c521f1c0f7ccab8d12f \
  micropython-umqtt.simple-1.3.4/umqtt/simple.py
fetch_mplib micropython-urequests 0.9.1 \
  https://files.pythonhosted.org/packages/1e/ac/bb123d5cd30bdfba6881f71adf01cefd3df2874d1d82e60a7e9f484790ce/micropython-urequests-0.9.1.tar.gz \
  15ed0132bcff1a84e87049d9d7780ce26df0810fa674aa89d187e17493d6e3c5 \
  micropython-urequests-0.9.1/urequests/__init__.py
fetch_mplib micropython-ssd1306 0.3 \
  https://files.pythonhosted.org/packages/01/d0/0841d47772962c80af3ab178ef062ed2cd524cb99eb38463e669428402a8/micropython-ssd1306-0.3.tar.gz \
  d00cae1ff680e6ae504e258e700f002874b0d924b1a604253b6ea63144b58289 \
  micropython-ssd1306-0.3/ssd1306.py
export MPSIM_MICROPYTHON_LIB="$PWD/$MPLIB"

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== cargo test"
cargo test --workspace
