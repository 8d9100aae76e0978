#!/usr/bin/env bash
# Runs MicroPython's own test suite (tests/run-tests.py) against mpsim's serial port, as MicroPython's
# developers run it against a real board, and prints pass/fail/skip per directory.
#
#   scripts/upstream-tests.sh TREE [--board ID] [--mpsim BIN] [--keep DIR] [--micropython-lib LIB]
#                             [DIR...] [-- RUN-TESTS-ARGS...]
#
# TREE is a folder holding MicroPython's `tests/` and `tools/` at the release mpsim claims (v1.28.0),
# unpacked outside this repository. DIRs default to the ones run-tests.py picks for the board
# (basics, micropython, misc, extmod, stress, float, unicode). A measurement, not a CI step: CI has
# no MicroPython tree. Needs pyserial (the test venv has it: ./scripts/test.sh makes .venv). Tests
# that use unittest need it on the board: with --micropython-lib (a micropython-lib checkout,
# outside this repository) its unittest package goes to /lib as `mip install unittest` puts it;
# without, the older micropython-unittest from PyPI (whose summary run-tests.py does not recognise).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"

usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[[ $# -ge 1 ]] || usage
tree="$(cd "$1" && pwd)"; shift
[[ -f "$tree/tests/run-tests.py" && -d "$tree/tools" ]] ||
  { echo "upstream-tests: $tree has no tests/run-tests.py and tools/ (unpack MicroPython's tests/ and tools/ there)" >&2; exit 2; }

board=esp8266
mpsim="${MPSIM:-}"
keep=""
mplib=""
dirs=()
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --board) board="$2"; shift 2 ;;
    --mpsim) mpsim="$2"; shift 2 ;;
    --keep) keep="$2"; shift 2 ;;
    --micropython-lib) mplib="$(cd "$2" && pwd)"; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) usage ;;
    *) dirs+=("$1"); shift ;;
  esac
done

if [[ -z "$mpsim" ]]; then
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mpsim/target}"
  (cd "$here" && cargo build --release --ignore-rust-version --quiet --bin mpsim)
  mpsim="$CARGO_TARGET_DIR/release/mpsim"
fi
python="${PYTHON:-python3}"
[[ -x "$here/.venv/bin/python" ]] && python="$here/.venv/bin/python"
"$python" -c "import serial" 2>/dev/null ||
  { echo "upstream-tests: $python has no pyserial (run ./scripts/test.sh once, or pip install pyserial)" >&2; exit 2; }

work="$(mktemp -d)"
results="${keep:-$work/results}"
mkdir -p "$results"
tty="$work/tty"
cleanup() {
  [[ -n "${serve_pid:-}" ]] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# A throw-away flash, so the suite's files never touch the board's own image. Some tests need
# unittest on the board (MicroPython's docs: `mpremote mip install unittest`).
"$mpsim" fs --board "$board" --flash "$work/flash.img" mkdir /lib >/dev/null 2>&1 || true
if [[ -n "$mplib" ]]; then
  ut_pkg="$mplib/python-stdlib/unittest/unittest/__init__.py"
  [[ -f "$ut_pkg" ]] || { echo "upstream-tests: $mplib has no python-stdlib/unittest" >&2; exit 2; }
  "$mpsim" fs --board "$board" --flash "$work/flash.img" mkdir /lib/unittest >/dev/null 2>&1 || true
  "$mpsim" fs --board "$board" --flash "$work/flash.img" put "$ut_pkg" /lib/unittest/__init__.py >/dev/null
else
  # micropython-lib's, its sdist by name and version from pip's index (checked against its
  # digest), to /lib as mip would put it.
  ut_tgz=$("$python" "$here/scripts/fetch-sdist.py" micropython-unittest 0.4 \
    83b4a65c44b2f6382bc3dd8fbbe002b5679dbfc3744b99eaa59802e6fd14cf67 "$work")
  tar -xzf "$ut_tgz" -C "$work" --strip-components=1 micropython-unittest-0.4/unittest.py
  "$mpsim" fs --board "$board" --flash "$work/flash.img" put "$work/unittest.py" /lib/unittest.py >/dev/null
fi
"$mpsim" serve --board "$board" --flash "$work/flash.img" --tty "$tty" >"$work/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 100); do [[ -e "$tty" ]] && break; sleep 0.1; done
[[ -e "$tty" ]] || { echo "upstream-tests: mpsim serve did not start:" >&2; cat "$work/serve.log" >&2; exit 1; }

dir_args=()
((${#dirs[@]})) && dir_args=(-d "${dirs[@]}")
echo "== MicroPython's run-tests.py against mpsim --board $board ($("$mpsim" --version 2>/dev/null || echo mpsim))"
set +e
(cd "$tree/tests" && "$python" ./run-tests.py -t "port:$tty" -r "$results" "${dir_args[@]}" "${extra[@]}") \
  | tee "$work/run.log"
status=${PIPESTATUS[0]}
set -e

# run-tests.py prints one line per test: "pass  DIR/NAME.py", "FAIL  DIR/NAME.py", "skip  DIR/NAME.py".
echo
echo "== per directory"
awk '
  $1 == "pass" || $1 == "FAIL" || $1 == "skip" {
    n = split($2, p, "/"); d = (n > 1) ? p[1] : "."
    if (p[1] == "ports" && n > 2) d = p[1] "/" p[2]
    c[d, $1]++; seen[d] = 1; t[$1]++
  }
  END {
    printf "%-16s %6s %6s %6s %8s\n", "dir", "pass", "fail", "skip", "pass %"
    for (d in seen) {
      run = c[d, "pass"] + c[d, "FAIL"]
      printf "%-16s %6d %6d %6d %7.1f%%\n", d, c[d, "pass"], c[d, "FAIL"], c[d, "skip"], run ? 100 * c[d, "pass"] / run : 0
    }
    run = t["pass"] + t["FAIL"]
    printf "%-16s %6d %6d %6d %7.1f%%\n", "all", t["pass"], t["FAIL"], t["skip"], run ? 100 * t["pass"] / run : 0
  }' "$work/run.log" | { read -r head; echo "$head"; sort; }
echo "(failures' output: $results; re-run one: scripts/upstream-tests.sh TREE --board $board -- DIR/NAME.py)"
exit "$status"
