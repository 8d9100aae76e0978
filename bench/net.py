#!/usr/bin/env python3
"""mpsim network benchmarks (issue 6's figures), each against a peer measured in the same run.

Usage: python3 bench/net.py [path/to/mpsim]   (default: $CARGO_TARGET_DIR or target, release build)
Needs websocket-client (scripts/test.sh puts it in .venv). Prints one line per figure; nothing
here fails on speed.

- WebREPL put and get of a 1 MB file, as webrepl_cli does them (1024-byte frames up, one 256-byte
  chunk per request down), through websocket-client; the peer is the same bytes sent through a
  plain loopback TCP connection by the same Python (the transport's floor).
- Round-trip latency to a TCP echo server running on the board, from the host; the peer is the
  same client against an echo server written in python3 (CPython, a blocking socket).
"""
import os
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

import websocket

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
MPSIM = sys.argv[1] if len(sys.argv) > 1 else os.path.join(TARGET, "release", "mpsim")
SIZE = 1 << 20
ROUNDS = 2000

JOIN = (
    "import network, time\nsta = network.WLAN(network.STA_IF)\nsta.active(True)\n"
    "sta.connect('ClassroomWiFi', 'secret')\nwhile not sta.isconnected():\n    time.sleep_ms(20)\n"
)
ECHO = JOIN + (
    "import socket\ns = socket.socket()\ns.bind(('', 9000))\ns.listen(1)\nc, a = s.accept()\n"
    "while True:\n    d = c.recv(64)\n    if not d:\n        break\n    c.send(d)\n"
)


def start(args, tmp):
    p = subprocess.Popen(
        [MPSIM] + args, cwd=tmp, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True, env=dict(os.environ, XDG_DATA_HOME=tmp),
    )
    return p


def port_from(p, needle):
    end = time.time() + 60
    while time.time() < end:
        line = p.stderr.readline()
        if not line:
            break
        if needle in line:
            return int(line.split("127.0.0.1:")[1].split("/")[0].split()[0])
    raise SystemExit("no %r notice from mpsim" % needle)


def percentile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def record(kind, size, name):
    return struct.pack("<2sBBQLH64s", b"WA", kind, 0, 0, size, len(name), name)


def webrepl(tmp):
    fs = os.path.join(tmp, "fs")
    os.makedirs(fs)
    with open(os.path.join(fs, "boot.py"), "w") as f:
        f.write("import webrepl\nwebrepl.start(password='bench')\n")
    p = start(["serve", "--fs", fs, "--tty", os.path.join(tmp, "tty"), "--map-port", "8266=0"], tmp)
    try:
        port = port_from(p, "WebREPL (port 8266)")
        ws = websocket.create_connection("ws://127.0.0.1:%d/" % port, timeout=60)
        assert ws.recv() == "Password: "
        ws.send("bench\r")
        got = ""
        while "WebREPL connected" not in got:
            got += ws.recv()

        def resp():
            while True:
                op, data = ws.recv_data()
                if op == 2:
                    return data

        data = os.urandom(SIZE)
        t = time.perf_counter()
        r = record(1, len(data), b"big.bin")
        ws.send_binary(r[:10])
        ws.send_binary(r[10:])
        assert resp() == b"WB\x00\x00"
        for i in range(0, len(data), 1024):
            ws.send_binary(data[i:i + 1024])
        assert resp() == b"WB\x00\x00"
        put = time.perf_counter() - t
        t = time.perf_counter()
        ws.send_binary(record(2, 0, b"big.bin"))
        assert resp() == b"WB\x00\x00"
        out = bytearray()
        while True:
            ws.send_binary(b"\x00")
            chunk = resp()
            (n,) = struct.unpack("<H", chunk[:2])
            if n == 0:
                break
            out += chunk[2:]
        assert resp() == b"WB\x00\x00"
        get = time.perf_counter() - t
        assert bytes(out) == data, "the file came back different"
        ws.close()
        return put, get
    finally:
        p.terminate()
        p.wait()


def floor_transfer():
    # The same megabyte over a bare loopback TCP connection, in 1024-byte writes up and
    # 256-byte request/answer steps down: what Python and the kernel cost without mpsim.
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]

    def serve():
        c, _ = srv.accept()
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        left = SIZE
        while left:
            left -= len(c.recv(min(65536, left)))
        c.sendall(b"ok")
        blob = bytes(256)
        for _ in range(SIZE // 256):
            c.recv(1)
            c.sendall(blob)
        c.close()

    th = threading.Thread(target=serve)
    th.start()
    c = socket.create_connection(("127.0.0.1", port))
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    data = os.urandom(SIZE)
    t = time.perf_counter()
    for i in range(0, SIZE, 1024):
        c.sendall(data[i:i + 1024])
    c.recv(2)
    up = time.perf_counter() - t
    t = time.perf_counter()
    for _ in range(SIZE // 256):
        c.sendall(b"\x00")
        got = 0
        while got < 256:
            got += len(c.recv(256 - got))
    down = time.perf_counter() - t
    th.join()
    c.close()
    srv.close()
    return up, down


def rtts(port):
    c = socket.create_connection(("127.0.0.1", port))
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    msg = b"x" * 32
    out = []
    for _ in range(ROUNDS):
        t = time.perf_counter()
        c.sendall(msg)
        got = 0
        while got < len(msg):
            got += len(c.recv(64))
        out.append(time.perf_counter() - t)
    c.close()
    return out


def board_echo(tmp):
    path = os.path.join(tmp, "echo.py")
    with open(path, "w") as f:
        f.write(ECHO)
    fs = os.path.join(tmp, "efs")
    os.makedirs(fs)
    p = start(["run", path, "--fs", fs, "--map-port", "9000=0"], tmp)
    try:
        port = port_from(p, "TCP port 9000")
        time.sleep(0.2)
        return rtts(port)
    finally:
        p.terminate()
        p.wait()


def python_echo():
    code = (
        "import socket,sys\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen(1)\n"
        "print(s.getsockname()[1],flush=True)\nc,a=s.accept()\n"
        "c.setsockopt(socket.IPPROTO_TCP,socket.TCP_NODELAY,1)\n"
        "while True:\n    d=c.recv(64)\n    if not d: break\n    c.send(d)\n"
    )
    p = subprocess.Popen(["python3", "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        port = int(p.stdout.readline())
        return rtts(port)
    finally:
        p.wait(timeout=30)


def main():
    if not os.path.exists(MPSIM):
        raise SystemExit("no %s: cargo build --release --ignore-rust-version first" % MPSIM)
    with tempfile.TemporaryDirectory() as tmp:
        put, get = webrepl(tmp)
        up, down = floor_transfer()
        print("webrepl put 1 MB: %.3f s (goal <= 1 s); bare TCP, same steps: %.3f s, ratio %.1fx" % (put, up, put / up))
        print("webrepl get 1 MB: %.3f s (goal <= 1 s); bare TCP, same steps: %.3f s, ratio %.1fx" % (get, down, get / down))
        b = board_echo(tmp)
        py = python_echo()
        for name, xs in (("board echo", b), ("python3 echo", py)):
            print("%-13s RTT over %d rounds: median %.0f us, p99 %.0f us" % (
                name, ROUNDS, statistics.median(xs) * 1e6, percentile(xs, 0.99) * 1e6))
        print("ratio board/python3: median %.1fx, p99 %.1fx" % (
            statistics.median(b) / statistics.median(py), percentile(b, 0.99) / percentile(py, 0.99)))


if __name__ == "__main__":
    main()
