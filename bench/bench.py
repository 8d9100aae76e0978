#!/usr/bin/env python3
"""mpsim benchmarks: ratios against a peer measured in the same run (issue 2's figures).

Usage: .venv/bin/python3 bench/bench.py [path/to/mpsim]   (default: target/release/mpsim)
The python3 that runs this is the peer: use a clean one (a venv), since `.pth` hooks in a system
site-packages can make its start-up several times slower and flatter the ratios.
Prints one line per figure; the closing note quotes them. Not a test: nothing here fails on speed.
"""
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import proctree  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MPSIM = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "release", "mpsim")
PY = sys.executable


# 1 MiB through the flash in 4 KiB blocks, timed on the board's clock (real time).
IO_SCRIPT = r"""
import time
buf = bytes(range(256)) * 16
t = time.ticks_ms()
with open("big.bin", "wb") as f:
    for i in range(256):
        f.write(buf)
w = time.ticks_diff(time.ticks_ms(), t)
t = time.ticks_ms()
n = 0
with open("big.bin", "rb") as f:
    while True:
        b = f.read(4096)
        if not b:
            break
        n += len(b)
r = time.ticks_diff(time.ticks_ms(), t)
print(n, w, r)
"""


def wall(cmd, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - t)
        if r.returncode != 0:
            raise SystemExit("failed: %s\n%s" % (" ".join(cmd), r.stderr.decode()))
    return statistics.median(times)


def max_rss_kb(cmd):
    # The peak of both processes together, sampled every 20 ms while the command runs.
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while p.poll() is None:
        peak = max(peak, proctree.tree_rss_kb(p.pid))
        time.sleep(0.02)
    if p.returncode != 0:
        raise SystemExit("failed: " + " ".join(cmd))
    return peak


def close_numbers(a, b):
    """The board computes in single precision, python3 in double: a long float sum drifts (the
    floats script's 400000-term integral prints 3.099766 on the board, 3.141593 in python3), so
    numbers agree within 5 %; everything else exactly."""
    ta, tb = a.split(), b.split()
    if len(ta) != len(tb):
        return False
    for x, y in zip(ta, tb):
        if x == y:
            continue
        try:
            fx, fy = float(x), float(y)
        except ValueError:
            return False
        if abs(fx - fy) > 0.05 * max(abs(fx), abs(fy)):
            return False
    return True


def main():
    if not os.path.exists(MPSIM):
        raise SystemExit("build it first: cargo build --release --ignore-rust-version (looked for %s)" % MPSIM)
    # Every board run mounts a flash image: keep the benchmark's away from the user's own.
    os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="mpsim-bench")
    subprocess.run([MPSIM, "fs", "df"], check=True, stdout=subprocess.DEVNULL)
    print("mpsim:", MPSIM)
    print("peer: ", PY, sys.version.split()[0])

    # Alternating the two spreads the machine's load over both alike.
    ms, ps = [], []
    for _ in range(31):
        ms.append(wall([MPSIM, "run", "-c", "print(1)"], 1))
        ps.append(wall([PY, "-c", "print(1)"], 1))
    m, p = statistics.median(ms), statistics.median(ps)
    print("startup  print(1): mpsim %.1f ms, python3 %.1f ms, ratio %.2fx (goal <= 0.5x)" % (m * 1e3, p * 1e3, m / p))

    ratios = []
    for name in sorted(os.listdir(os.path.join(HERE, "py"))):
        if not name.endswith(".py"):
            continue
        path = os.path.join(HERE, "py", name)
        # Desktop-sized workloads: give the board a desktop-sized heap.
        cmd = [MPSIM, "run", "--heap", "256M", path]
        a = subprocess.run(cmd, capture_output=True).stdout
        b = subprocess.run([PY, path], capture_output=True).stdout
        if a != b and not close_numbers(a, b):
            raise SystemExit("%s: outputs differ\nmpsim:   %r\npython3: %r" % (name, a, b))
        ms, ps = [], []
        for _ in range(3):
            ms.append(wall(cmd, 1))
            ps.append(wall([PY, path], 1))
        m, p = statistics.median(ms), statistics.median(ps)
        ratios.append(m / p)
        print("cpu  %-14s mpsim %7.1f ms, python3 %7.1f ms, ratio %.2fx" % (name, m * 1e3, p * 1e3, m / p))
    geo = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
    print("cpu  geometric mean ratio %.2fx (goal <= 2.0x)" % geo)

    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write("import time\nfrom machine import Pin\np = Pin(15, Pin.OUT)\n"
                "for i in range(1000):\n    p.value(i & 1)\n    time.sleep_ms(500)\n")
        vt = f.name
    try:
        m = wall([MPSIM, "run", vt, "--virtual-time"], 5)
        print("virtual time: 1000 x sleep_ms(500) + toggle (500 s simulated) in %.3f s wall (goal <= 0.2 s)" % m)
    finally:
        os.unlink(vt)

    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "main.py"), "w") as f:
            f.write("")
        data = os.path.join(d, "data")
        env = dict(os.environ, XDG_DATA_HOME=data)
        img = os.path.join(d, "flash.img")
        subprocess.run([MPSIM, "fs", "--flash", img, "put", os.path.join(d, "main.py")], check=True,
                       stdout=subprocess.DEVNULL)
        m = wall([MPSIM, "run", "--flash", img, "--virtual-time"], 21)
        print("boot to the end of an empty main.py (boot.py first), --virtual-time: %.1f ms (goal <= 50 ms)" % (m * 1e3))
        script = os.path.join(d, "io.py")
        with open(script, "w") as f:
            f.write(IO_SCRIPT)
        out = subprocess.run([MPSIM, "run", "--flash", img, script], capture_output=True, env=env).stdout.split()
        n, w, r = int(out[0]), int(out[1]), int(out[2])
        print("flash: 1 MiB written in %d ms (%.0f KiB/s), read in %d ms (%.0f KiB/s); a real ESP8266: a few tens of KiB/s"
              % (w, n / 1024 / (w / 1000 or 1), r, n / 1024 / (r / 1000 or 1)))

    rss = max_rss_kb([MPSIM, "run", os.path.join(ROOT, "examples", "esp8266", "blink.py"), "--for", "5s"])
    print("max RSS of blink.py --for 5s, front end and board process: %.1f MB (goal <= 40 MB)" % (rss / 1024))


if __name__ == "__main__":
    main()
