#!/usr/bin/env python3
"""Flashing benchmarks (issue 20's figures): esptool against the ESP8266's ROM bootloader on the
virtual serial port, and mpremote over RFC 2217, each against a peer measured in the same run.

Usage: python3 bench/esptool.py [path/to/mpsim]   (default: target/release/mpsim)
Needs esptool, mpremote and pyserial on PATH (scripts/test.sh puts them in .venv). Prints one
line per figure; nothing here fails on speed.
"""
import os
import hashlib
import random
import resource
import statistics
import struct
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


def slip(payload):
    return b"\xc0" + payload.replace(b"\xdb", b"\xdb\xdd").replace(b"\xc0", b"\xdb\xdc") + b"\xc0"


def command(cmd, data=b"", chk=0):
    return slip(struct.pack("<BBHI", 0, cmd, len(data), chk) + data)


class Frames:
    # SLIP frames from a port, decoded a whole read at a time (not byte by byte, as esptool does).
    def __init__(self, port):
        self.port, self.buf = port, b""

    def next(self):
        while True:
            start = self.buf.find(b"\xc0")
            end = self.buf.find(b"\xc0", start + 1) if start >= 0 else -1
            if end > start + 1:
                frame, self.buf = self.buf[start + 1:end], self.buf[end + 1:]
                return frame.replace(b"\xdb\xdc", b"\xc0").replace(b"\xdb\xdd", b"\xdb")
            if end == start + 1:
                self.buf = self.buf[end:]
                continue
            got = self.port.read(max(1, self.port.in_waiting))
            if not got:
                raise SystemExit("no answer from the bootloader")
            self.buf += got


def lean_read(port, addr, size):
    # mpsim's side of read-flash alone: SYNC, the stub's upload acknowledged, READ_FLASH with its
    # acknowledgements, decoded in whole reads.
    s = serial.Serial(port, 115200, timeout=3)
    f = Frames(s)
    s.write(command(0x08, b"\x07\x07\x12\x20" + b"\x55" * 32))
    stub_running = [f.next()[4:8] == b"\0\0\0\0" for _ in range(8)][0]
    if not stub_running:
        s.write(command(0x06, struct.pack("<II", 0, 0x4010E000)))
        f.next()
        assert f.next() == b"OHAI"
    t = time.perf_counter()
    s.write(command(0xD2, struct.pack("<IIII", addr, size, 0x1000, 64)))
    f.next()
    data = bytearray()
    while len(data) < size:
        data += f.next()
        s.write(slip(struct.pack("<I", len(data))))
    digest = f.next()
    dt = time.perf_counter() - t
    assert digest == hashlib.md5(data).digest()
    s.close()
    return dt


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
        lean = statistics.median(lean_read(tty, 0x200000, MB) for _ in range(3))
        print("  mpsim's side of it: a client that decodes SLIP a read at a time takes %.2f s "
              "(esptool decodes byte by byte and formats every byte it reads as hex for its trace "
              "even with tracing off)" % lean)
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
