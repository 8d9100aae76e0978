#!/usr/bin/env python3
"""Flashing benchmarks (issue 20's figures): esptool against the ESP8266's ROM bootloader on the
virtual serial port, and mpremote over RFC 2217, each against a peer measured in the same run.

Usage: python3 bench/esptool.py [path/to/mpsim]   (default: target/release/mpsim)
Needs esptool, mpremote and pyserial on PATH (scripts/test.sh puts them in .venv). Prints one
line per figure; nothing here fails on speed.
"""
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import serial

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MPSIM = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "release", "mpsim")
MB = 1 << 20


def timed(cmd):
    t = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=600)
    dt = time.perf_counter() - t
    if r.returncode != 0:
        raise SystemExit("failed: %s\n%s" % (" ".join(cmd), r.stderr.decode()))
    return dt


def wait_prompt(port, timeout=20):
    # The board boots again once the bootloader's client went quiet (2 s on a pty); a key press
    # shows the prompt if the banner went by before the port was open.
    s = serial.Serial(port, 115200, timeout=0.1)
    got = b""
    end = time.time() + timeout
    poked = time.time() + 5
    while b">>> " not in got and time.time() < end:
        got += s.read(4096)
        if time.time() > poked:
            s.write(b"\r")
            poked = end
    s.close()


def cpu_of_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed_cpu(cmd):
    c = cpu_of_children()
    dt = timed(cmd)
    return dt, cpu_of_children() - c


def main():
    work = tempfile.mkdtemp()
    tty = os.path.join(work, "tty")
    image = os.path.join(work, "flash.img")
    served = subprocess.Popen(
        [MPSIM, "serve", "--board", "esp8266", "--flash", image, "--tty", tty, "--tcp", "0"],
        stdout=subprocess.PIPE, text=True)
    tcp = None
    for _ in range(3):
        line = served.stdout.readline()
        if line.startswith("serial over TCP: rfc2217://"):
            tcp = line.split("rfc2217://")[1].split()[0]
    try:
        wait_prompt(tty)
        # A firmware-sized file, as compressible as a real firmware (about half).
        rnd = random.Random(1)
        data = bytes(rnd.getrandbits(8) if i % 2 else (i // 64) % 256 for i in range(MB))
        fw = os.path.join(work, "one_mb.bin")
        with open(fw, "wb") as f:
            f.write(data)
        back = os.path.join(work, "back.bin")
        floor = statistics.median(timed(["esptool", "version"]) for _ in range(3))
        writes, reads = [], []
        for _ in range(3):
            writes.append(timed_cpu(["esptool", "--port", tty, "--before", "no-reset",
                                     "write-flash", "0x200000", fw]))
            wait_prompt(tty)
            reads.append(timed_cpu(["esptool", "--port", tty, "--before", "no-reset",
                                    "read-flash", "0x200000", str(MB), back]))
            wait_prompt(tty)
        with open(back, "rb") as f:
            assert f.read() == data, "read back what was written"
        (w, wc), (r, rc) = sorted(writes)[1], sorted(reads)[1]
        print("esptool write-flash 1 MB (compressed) through the pty: %.2f s (goal <= 2 s; "
              "esptool's own CPU %.2f s of it; its start-up alone %.2f s, ratio %.1f)"
              % (w, wc, floor, w / floor))
        print("esptool read-flash 1 MB through the pty: %.2f s (goal <= 2 s; esptool's own CPU "
              "%.2f s of it; ratio to start-up %.1f)" % (r, rc, r / floor))
        wait_prompt(tty)
        # mpremote cp of 100 KiB over RFC 2217 against the same through the pty.
        blob = os.path.join(work, "blob.bin")
        with open(blob, "wb") as f:
            f.write(bytes(rnd.getrandbits(8) for _ in range(100 * 1024)))
        pty_cp = statistics.median(
            timed(["mpremote", "connect", tty, "cp", blob, ":blob.bin"]) for _ in range(3))
        rfc_cp = statistics.median(
            timed(["mpremote", "connect", "port:rfc2217://" + tcp, "cp", blob, ":blob.bin"])
            for _ in range(3))
        print("mpremote cp 100 KiB over rfc2217: %.2f s; through the pty %.2f s (ratio %.2f)"
              % (rfc_cp, pty_cp, rfc_cp / pty_cp))
    finally:
        served.terminate()
        served.wait()


if __name__ == "__main__":
    main()
