#!/usr/bin/env python3
"""Hostile-input benchmarks (issue 21's figures): for each limit, the worst case tried, its wall
time against the limit it must keep (`--timeout`, or the moment the signal was sent) and the board
process's peak RSS against the board's budget (its heap plus 64 MB).

Usage: python3 bench/hostile.py [path/to/mpsim]   (default: target/release/mpsim)
Prints one line per case; nothing here fails. tests/hostile.rs asserts the same bounds.
"""
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import proctree  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MPSIM = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "release", "mpsim")

# The boards' heaps when no --heap is given (ESP8266), in MB.
DEFAULT_HEAP_MB = 0.04


def run(args, interrupt_after=None):
    """`mpsim run ARGS`: exit code, wall seconds (from the interrupt when one is sent), and the
    board process's peak RSS in MB."""
    data = tempfile.mkdtemp()
    env = dict(os.environ, XDG_DATA_HOME=data)
    t = time.perf_counter()
    p = subprocess.Popen([MPSIM, "run"] + args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, env=env, process_group=0)
    peak = 0
    sent = None
    while p.poll() is None:
        for c in proctree.children(p.pid):
            peak = max(peak, proctree.peak_kb(c))
        if interrupt_after is not None and sent is None and time.perf_counter() - t >= interrupt_after:
            os.killpg(p.pid, signal.SIGINT)
            sent = time.perf_counter()
        time.sleep(0.005)
    end = time.perf_counter()
    return p.returncode, end - (sent if sent is not None else t), peak / 1024


def script(text):
    f = tempfile.NamedTemporaryFile("w", suffix=".py", delete=False)
    f.write(text)
    f.close()
    return f.name


def main():
    distinct = lambda n: "".join("a%d = %d\n" % (i, i) for i in range(n))  # noqa: E731
    cases = [
        # (name, args, heap MB, timeout s or None, interrupt after s or None)
        ("pow(3, 1<<250000, 10**3000+7)", ["--timeout", "2s", "-c", "pow(3, 1 << 250000, 10**3000 + 7)"], None, 2, None),
        ("10**10**8", ["-c", "x = 10 ** 10 ** 8"], None, None, None),
        ("1 << 10**9", ["-c", "x = 1 << 10 ** 9"], None, None, None),
        ("run /dev/zero", ["/dev/zero"], None, None, None),
        ("b'x' * 300_000_000", ["--heap", "64M", "-c", "x = b'x' * 300_000_000"], 64, None, None),
        ("[0] * 10**8", ["--heap", "64M", "-c", "x = [0] * 10**8"], 64, None, None),
        ("1 GB join", ["--heap", "64M", "-c", "x = b''.join([b'x' * 10**6] * 1000)"], 64, None, None),
        ("struct.pack 1 GB", ["--heap", "64M", "-c", "import struct\nx = struct.pack('1000000000s', b'')"], 64, None, None),
        ("small lists until MemoryError", ["--heap", "64M", "-c", "l = []\nwhile True:\n    l.append([1, 2])"], 64, None, None),
        ("ints until MemoryError", ["--heap", "64M", "-c", "l = []\nwhile True:\n    l.append(10**6 + len(l))"], 64, None, None),
        ("1-entry dicts until MemoryError", ["--heap", "64M", "-c", "l = []\nwhile True:\n    l.append({'a': len(l)})"], 64, None, None),
        ("compile 28k statements (ESP8266)", [script(distinct(28000))], None, None, None),
        ("compile 60k statements, --timeout 2s", ["--heap", "256M", "--timeout", "2s", script(distinct(60000))], 256, 2, None),
        ("compile 900 KB of ifs", ["--heap", "64M", script("if a:\n b\n" * 100000)], 64, None, None),
        ("str(1 << 33e6), --timeout 2s", ["--heap", "64M", "--timeout", "2s", "-c", "x = 1 << 33_000_000\ns = str(x)"], 64, 2, None),
        ("str(1 << 33e6), Ctrl-C", ["--heap", "64M", "-c", "x = 1 << 33_000_000\ns = str(x)"], 64, None, 0.5),
    ]
    print("mpsim:", MPSIM)
    for name, args, heap_mb, timeout, interrupt in cases:
        code, wall, peak = run(args, interrupt)
        budget = (heap_mb if heap_mb is not None else DEFAULT_HEAP_MB) + 64
        limit = ""
        if timeout is not None:
            limit = ", overshoot %+.0f ms (goal <= 100 ms)" % ((wall - timeout) * 1e3)
        elif interrupt is not None:
            limit = " after Ctrl-C"
        print("%-36s exit %d, %.2f s wall%s, board peak RSS %.0f MB of %.0f MB (ratio %.2f)"
              % (name, code, wall, limit, peak, budget, peak / budget))


if __name__ == "__main__":
    main()
