#!/usr/bin/env python3
"""mpsim GUI benchmarks (issue 5's figures): the real window under Xvfb.

Usage: python3 bench/gui.py [path/to/mpsim] [seconds]   (default: target/release/mpsim, 60 s)
Needs Xvfb (scripts/test.sh installs it). Prints one line per figure; nothing here fails on speed.

1. Idle: the window with the blink example (LED toggling at 1 Hz): CPU of the mpsim process as a
   share of one core, and its RSS. The X server's CPU is printed beside it (it only copies frames).
2. Busy: a script toggling a pin as fast as it can: frames per second and time per frame as the
   window reports them (MPSIM_GUI_STATS), and RSS at the start and the end (memory must stay flat).
"""
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MPSIM = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "release", "mpsim")
SECONDS = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def start_xvfb():
    x = subprocess.Popen(["Xvfb", "-displayfd", "1", "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    n = x.stdout.readline().strip()
    if not n.isdigit():
        raise SystemExit("cannot start Xvfb")
    return x, ":" + n


def start_mpsim(display, home, flash, stats=False):
    env = dict(os.environ, DISPLAY=display, HOME=home, XDG_RUNTIME_DIR=home, TMPDIR=home,
               XDG_DATA_HOME=os.path.join(home, "data"), XDG_CONFIG_HOME=os.path.join(home, "config"))
    env.pop("WAYLAND_DISPLAY", None)
    if stats:
        env["MPSIM_GUI_STATS"] = "1"
    return subprocess.Popen([MPSIM, "--flash", flash], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def stop(p):
    p.terminate()
    try:
        return p.communicate(timeout=10)[1] or ""
    except subprocess.TimeoutExpired:
        p.kill()
        return ""


def main():
    x, display = start_xvfb()
    try:
        with tempfile.TemporaryDirectory() as home:
            # 1. Idle with blink.py (a fresh flash has no main.py: the window runs the example).
            p = start_mpsim(display, home, os.path.join(home, "idle.img"))
            time.sleep(5)
            c0, x0, t0 = cpu_seconds(p.pid), cpu_seconds(x.pid), time.monotonic()
            time.sleep(min(SECONDS, 30))
            c1, x1, t1 = cpu_seconds(p.pid), cpu_seconds(x.pid), time.monotonic()
            rss = rss_mb(p.pid)
            stop(p)
            wall = t1 - t0
            print("idle window, blink.py: mpsim %.2f %% of a core (goal <= 2 %%), Xvfb %.2f %%; RSS %.1f MB (goal <= 150 MB)"
                  % (100 * (c1 - c0) / wall, 100 * (x1 - x0) / wall, rss))

            # 2. A pin toggled as fast as the interpreter goes, for SECONDS.
            busy = os.path.join(home, "busy.img")
            src = os.path.join(home, "main.py")
            with open(src, "w") as f:
                f.write("import machine\np = machine.Pin(5, machine.Pin.OUT)\n"
                        "while True:\n    p.value(1)\n    p.value(0)\n")
            subprocess.run([MPSIM, "fs", "--flash", busy, "put", src, "/main.py"], check=True,
                           stdout=subprocess.DEVNULL, env=dict(os.environ, HOME=home))
            p = start_mpsim(display, home, busy, stats=True)
            time.sleep(5)
            r0 = rss_mb(p.pid)
            c0, t0 = cpu_seconds(p.pid), time.monotonic()
            time.sleep(SECONDS)
            r1 = rss_mb(p.pid)
            c1, t1 = cpu_seconds(p.pid), time.monotonic()
            err = stop(p)
            fps = [float(m.group(1)) for m in re.finditer(r"gui-stats: ([\d.]+) fps, ([\d.]+) ms", err)]
            ms = [float(m.group(2)) for m in re.finditer(r"gui-stats: ([\d.]+) fps, ([\d.]+) ms", err)]
            tail = fps[5:] or fps
            tail_ms = ms[5:] or ms
            if not tail:
                raise SystemExit("the window reported no frames:\n" + err[-2000:])
            print("tight toggle loop, %.0f s: %.1f fps (min %.1f; goal >= 30), %.2f ms per frame drawn; "
                  "CPU %.0f %% of a core (interpreter + window)"
                  % (SECONDS, sum(tail) / len(tail), min(tail), sum(tail_ms) / len(tail_ms),
                     100 * (c1 - c0) / (t1 - t0)))
            print("  RSS %.1f MB after 5 s, %.1f MB after %.0f s more (goal: flat)" % (r0, r1, SECONDS))
    finally:
        x.terminate()
        x.wait()


if __name__ == "__main__":
    main()
