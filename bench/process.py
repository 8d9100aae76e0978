#!/usr/bin/env python3
"""The board in its own process (issue 16): start-up against an earlier build, memory of the two
processes of one headless board and of ten, and the time from a board process's death to its
REPL prompt again.

Usage: .venv/bin/python3 bench/process.py NEW_MPSIM [OLD_MPSIM]
  NEW_MPSIM  the build to measure (e.g. target/release/mpsim)
  OLD_MPSIM  an earlier build for the start-up ratio (alternating runs of both); without it the
             ratio is against python3, as bench/bench.py reports it.
Needs pyserial (the test venv has it). Prints one line per figure. Not a test: nothing fails here.
"""
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from proctree import children, rss_kb  # noqa: E402

NEW = os.path.abspath(sys.argv[1])
OLD = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else None


def env_for(home):
    e = dict(os.environ)
    e["XDG_DATA_HOME"] = os.path.join(home, "data")
    return e


def startup(exe, home, n=1):
    t = time.perf_counter()
    r = subprocess.run([exe, "run", "-c", "pass"], env=env_for(home),
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if r.returncode != 0:
        raise SystemExit("%s failed: %s" % (exe, r.stderr.decode()))
    return time.perf_counter() - t


def serve(exe, home, name):
    tty = os.path.join(home, name)
    p = subprocess.Popen([exe, "serve", "--tty", tty, "--flash", os.path.join(home, name + ".img")],
                         env=env_for(home), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    p.stdout.readline()
    return p, tty


def settle_rss(procs, secs=2.0):
    time.sleep(secs)
    total = 0
    for p in procs:
        total += rss_kb(p.pid) + sum(rss_kb(c) for c in children(p.pid))
    return total


def main():
    with tempfile.TemporaryDirectory() as home:
        # Start-up: alternating runs, median of each.
        startup(NEW, home)
        if OLD:
            startup(OLD, home)
        new_t, old_t = [], []
        for _ in range(31):
            new_t.append(startup(NEW, home))
            if OLD:
                old_t.append(startup(OLD, home))
        new_m = statistics.median(new_t)
        if OLD:
            old_m = statistics.median(old_t)
            print("start-up (run -c pass): %.1f ms, earlier build %.1f ms: %.2fx"
                  % (new_m * 1e3, old_m * 1e3, new_m / old_m))
        else:
            py = statistics.median(
                [(lambda t: (subprocess.run([sys.executable, "-c", "pass"]), time.perf_counter() - t)[1])(time.perf_counter())
                 for _ in range(15)])
            print("start-up (run -c pass): %.1f ms, python3 %.1f ms: %.2fx" % (new_m * 1e3, py * 1e3, new_m / py))

        # One headless board: front end and board process.
        p, tty = serve(NEW, home, "one")
        kb = settle_rss([p])
        print("RSS of one headless board (serve + board process): %.1f MB" % (kb / 1024))

        # Death of the board process to the REPL prompt again, on the serial port.
        import serial
        s = serial.Serial(tty, 115200, timeout=0)
        s.write(b"\r\n")
        time.sleep(0.5)
        s.read(100000)
        times = []
        for _ in range(7):
            board = children(p.pid)[0]
            t = time.perf_counter()
            os.kill(board, signal.SIGKILL)
            buf = b""
            while b">>> " not in buf and time.perf_counter() - t < 10:
                buf += s.read(4096)
                time.sleep(0.0005)
            times.append(time.perf_counter() - t)
            time.sleep(1.2)  # past the supervisor's boot-loop window
            s.read(100000)
        s.close()
        print("board process death to REPL prompt: median %.1f ms (min %.1f, max %.1f, %d runs)"
              % (statistics.median(times) * 1e3, min(times) * 1e3, max(times) * 1e3, len(times)))
        p.send_signal(signal.SIGTERM)
        p.wait()

        # Ten boards at once.
        procs = [serve(NEW, home, "b%d" % i)[0] for i in range(10)]
        kb = settle_rss(procs, 3.0)
        print("RSS of 10 boards under mpsim serve (10 front ends + 10 board processes): %.1f MB, %.1f MB each"
              % (kb / 1024, kb / 10240))
        for q in procs:
            q.send_signal(signal.SIGTERM)
        for q in procs:
            q.wait()


if __name__ == "__main__":
    main()
