#!/usr/bin/env python3
"""mpsim serial-port benchmarks (issue 4's figures), each against a peer measured in the same run.

Usage: python3 bench/serial_port.py [path/to/mpsim]   (default: target/release/mpsim)
Needs mpremote, ampy and pyserial on PATH (scripts/test.sh puts them in .venv). Prints one line per
figure; nothing here fails on speed.
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

import serial

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MPSIM = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "release", "mpsim")
SIZE = 100 * 1024


def timed(cmd, cwd=None):
    t = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=600)
    dt = time.perf_counter() - t
    if r.returncode != 0:
        raise SystemExit("failed: %s\n%s" % (" ".join(cmd), r.stderr.decode()))
    return dt


def median_of(n, f):
    return statistics.median(f() for _ in range(n))


def p99(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.99 * (len(xs) - 1))))]


def ampy_floor(data):
    # ampy 1.1.0's fixed sleeps for `put`: 0.2 s entering the raw REPL, then one exec per 32-byte
    # chunk (plus open and close), each command written in 256-byte pieces with 10 ms after each.
    cmds = ["f = open('%s', 'wb')" % "big.bin"]
    for i in range(0, len(data), 32):
        chunk = repr(data[i:i + 32])
        cmds.append("f.write(%s)" % (chunk if chunk.startswith("b") else "b" + chunk))
    cmds.append("f.close()")
    return 0.2 + sum(0.01 * ((len(c.encode()) + 255) // 256) for c in cmds)


def read_until(p, ending, timeout=10):
    got = b""
    end = time.time() + timeout
    while ending not in got:
        if time.time() > end:
            raise SystemExit("no %r; got %r" % (ending, got[-200:]))
        got += p.read(max(1, p.in_waiting))
    return got


def main():
    work = tempfile.mkdtemp(prefix="mpsim-bench-")
    files = os.path.join(work, "files")
    os.mkdir(files)
    # An empty boot.py, as the soft-reset figure asks.
    open(os.path.join(files, "boot.py"), "w").close()
    tty = os.path.join(work, "tty")
    server = subprocess.Popen([MPSIM, "serve", "--tty", tty, "--fs", files],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              env=dict(os.environ, XDG_DATA_HOME=work))
    try:
        server.stdout.readline()
        device = server.stdout.readline().split()[1].decode()
        up = os.path.join(work, "up.bin")
        down = os.path.join(work, "down.bin")

        def cp_up(port):
            # Fresh bytes each time: mpremote skips a copy whose hash matches.
            with open(up, "wb") as f:
                f.write(os.urandom(SIZE))
            return timed(["mpremote", "connect", port, "cp", up, ":big.bin"])

        def cp_down(port):
            t = timed(["mpremote", "connect", port, "cp", ":big.bin", down])
            with open(up, "rb") as a, open(down, "rb") as b:
                assert a.read() == b.read(), "mpremote cp round trip differs"
            return t

        # mpremote reads in 10 ms polls from any name but /dev/pts/N (the stable link), and
        # blocks on /dev/pts/N: both are measured.
        for name, port in (("the link", tty), (device, device)):
            floor = median_of(3, lambda: timed(["mpremote", "connect", port, "exec", "pass"]))
            t_up = median_of(3, lambda: cp_up(port))
            t_down = median_of(3, lambda: cp_down(port))
            # Downloads come back as repr(bytes) text, which mpremote reads one byte per call:
            # its floor is reading that much output at all (one exec printing as many bytes).
            with open(up, "rb") as f:
                body = f.read()
            reply = sum(len(repr(body[i:i + 256])) + 3 for i in range(0, len(body), 256))
            printing = ("import sys\nfor i in range(%d): sys.stdout.write('x' * 1000)"
                        % (reply // 1000))
            read_floor = median_of(3, lambda: timed(["mpremote", "connect", port, "exec", printing]))
            print("mpremote cp 100 KiB via %s: up %.2f s, down %.2f s (goal 1.0 s each); "
                  "mpremote's floors: connect + exec pass %.2f s (up %.1fx of it), reading the "
                  "%d KB of replies %.2f s (down %.2fx of it)"
                  % (name, t_up, t_down, floor, t_up / floor, reply // 1000, read_floor,
                     t_down / read_floor))
        with open(up, "rb") as f:
            data = f.read()

        t_ampy = timed(["ampy", "--port", tty, "put", up, "big.bin"])
        fl = ampy_floor(data)
        print("ampy put 100 KiB: %.1f s; ampy's fixed sleeps alone %.1f s: %.2fx (goal 1.1x)"
              % (t_ampy, fl, t_ampy / fl))

        p = serial.Serial(tty, 115200, timeout=0.05)
        p.write(b"\r\x03\x02")
        read_until(p, b"for more information.\r\n>>> ")
        lat = []
        for _ in range(40):
            p.write(b"while True:\r    pass\r\r\r")
            time.sleep(0.1)
            p.read(p.in_waiting)
            t = time.perf_counter()
            p.write(b"\x03")
            got = read_until(p, b"KeyboardInterrupt: \r\n")
            lat.append(time.perf_counter() - t)
            if b">>> " not in got.split(b"KeyboardInterrupt")[-1]:
                read_until(p, b">>> ")
        print("Ctrl-C on `while True: pass`: median %.1f ms, p99 %.1f ms over %d (goal p99 50 ms)"
              % (statistics.median(lat) * 1e3, p99(lat) * 1e3, len(lat)))

        p.write(b"\x01")
        read_until(p, b"raw REPL; CTRL-B to exit\r\n>")
        time.sleep(0.2)
        p.read(p.in_waiting)
        resets = []
        for _ in range(30):
            t = time.perf_counter()
            p.write(b"\x04")
            read_until(p, b"soft reboot\r\nraw REPL; CTRL-B to exit\r\n>")
            resets.append(time.perf_counter() - t)
        # The peer: one raw-REPL exchange of `pass` (the line's round trip, no reset).
        trips = []
        for _ in range(30):
            t = time.perf_counter()
            p.write(b"pass\x04")
            read_until(p, b"OK\x04\x04>")
            trips.append(time.perf_counter() - t)
        rs, tr = statistics.median(resets), statistics.median(trips)
        print("soft reset to raw prompt (empty boot.py): median %.1f ms, max %.1f ms (goal 50 ms); "
              "a raw-REPL `pass` round trip %.2f ms: %.1fx of it"
              % (rs * 1e3, max(resets) * 1e3, tr * 1e3, rs / tr))
        p.write(b"\x02")
        p.close()
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
