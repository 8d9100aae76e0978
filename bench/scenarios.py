#!/usr/bin/env python3
"""`mpsim test` and pytest-mpsim figures (issue 19), as ratios against a peer run in the same run.

Usage: PATH=$PWD/.venv/bin:$PATH python3 bench/scenarios.py [path/to/mpsim]
       (default: target/release/mpsim; pytest-mpsim from python/pytest-mpsim)

- 100 scenario files (a board boots, 10 steps, a button and a potentiometer) with `-j 2`: wall
  time, against the same files with `-j 1`.
- pytest-mpsim's cost per test: a board reused between tests through a soft reset, against a
  fresh board per test (each test waits for the board's first line).
Not a test: nothing here fails on speed.
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MPSIM = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "release", "mpsim"))
sys.path.insert(0, os.path.join(ROOT, "python", "pytest-mpsim"))
from pytest_mpsim import Sim  # noqa: E402

MAIN = """\
from machine import Pin, ADC
import time
btn = Pin(4, Pin.IN, Pin.PULL_UP)
pot = ADC(0)
print("ready")
n = 0
while True:
    if not btn.value():
        n += 1
        print("press", n, "pot", pot.read() // 100)
        while not btn.value():
            time.sleep_ms(5)
    time.sleep_ms(5)
"""

WIRING = """\
[[part]]
id = "btn"
type = "pushbutton"
pins = { 1 = "D2", 2 = "GND" }

[[part]]
id = "pot"
type = "potentiometer"
pins = { VCC = "3V3", SIG = "A0", GND = "GND" }
"""

SCENARIO = """\
[[board]]
type = "esp8266"
main = "main.py"
wiring = "wiring.toml"

[[step]]
wait-serial = "ready"
[[step]]
set-control = "pot.position"
value = {pos}
[[step]]
press = "btn"
hold = "20ms"
[[step]]
wait-serial = "press 1"
[[step]]
expect-part = "pot"
text = "%"
[[step]]
delay = "100ms"
[[step]]
press = "btn"
hold = "20ms"
[[step]]
wait-serial = "press 2"
[[step]]
expect-pin = "D2"
level = 1
[[step]]
delay = "50ms"
"""


def scenarios(folder, n=100):
    with open(os.path.join(folder, "main.py"), "w") as f:
        f.write(MAIN)
    with open(os.path.join(folder, "wiring.toml"), "w") as f:
        f.write(WIRING)
    for k in range(n):
        with open(os.path.join(folder, "s%03d.scenario.toml" % k), "w") as f:
            f.write(SCENARIO.format(pos=(k % 10) / 10))


def run_tests(folder, jobs):
    t = time.perf_counter()
    out = subprocess.run([MPSIM, "test", folder, "-j", str(jobs)], capture_output=True, text=True)
    wall = time.perf_counter() - t
    last = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else out.stderr
    if out.returncode != 0:
        sys.exit("mpsim test -j %d failed (%d): %s\n%s" % (jobs, out.returncode, last, out.stdout[-3000:]))
    return wall, last


def per_test(reuse, n=20):
    """Seconds per test: a fresh board each time, or one board soft-reset between tests."""
    setup = {"board": [{"type": "esp8266", "main": os.path.join(ROOT, "tests", "scenarios", "pass", "button.py")}]}
    times = []
    sim = Sim(setup, MPSIM) if reuse else None
    try:
        for _ in range(n):
            t = time.perf_counter()
            if reuse:
                board = next(iter(sim.boards.values()))
                board.drain()
                board.reset()
                board.expect("boot one")
            else:
                with Sim(setup, MPSIM) as s:
                    next(iter(s.boards.values())).expect("boot one")
            times.append(time.perf_counter() - t)
    finally:
        if sim:
            sim.close()
    return statistics.median(times)


def main():
    if not os.path.exists(MPSIM):
        sys.exit("%s: build it first (cargo build --release --ignore-rust-version)" % MPSIM)
    with tempfile.TemporaryDirectory() as d:
        scenarios(d)
        run_tests(d, 2)  # warm the page cache
        two, summary = run_tests(d, 2)
        one, _ = run_tests(d, 1)
        print("mpsim test, 100 scenarios (10 steps, 2 parts): -j 2 %.2f s, -j 1 %.2f s, ratio %.2f (%s)"
              % (two, one, one / two, summary))
    reused = per_test(True)
    fresh = per_test(False)
    print("pytest-mpsim per test: board reused (soft reset) %.1f ms, fresh board %.1f ms, ratio %.1f"
          % (reused * 1e3, fresh * 1e3, fresh / reused))


if __name__ == "__main__":
    main()
