#!/usr/bin/env python3
"""mpsim firmware benchmarks (issue 18's figures). Nothing here fails on speed; it prints figures.

Usage: python3 bench/firmware.py [path/to/mpsim] [fetches]   (default: target/release/mpsim, 5)

1. requests.get of a 100 KB https page (read in 4 KB pieces) from a local TLS server (Python's ssl, a certificate made
   with openssl) on the ESP32, timed on the board, against Python's own urllib fetching the same
   page (goal <= 3x). Best of `fetches` each.
2. mip.install of a package with two dependencies (four files) from a local index built by
   `mpsim index build` and served by `--mip-index`: wall time on the board, best of `fetches`
   onto a fresh /lib each.
"""
import os
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MPSIM = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "release", "mpsim")
N = int(sys.argv[2]) if len(sys.argv) > 2 else 5
PEER = os.path.join(ROOT, "tests", "tools", "tls_peer.py")
SIZE = 100 * 1024

JOIN = """import network, time
sta = network.WLAN(network.STA_IF)
sta.active(True)
sta.connect('ClassroomWiFi', 'secret')
while not sta.isconnected():
    time.sleep_ms(50)
"""


def certs(d):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "key.pem", "-out",
                    "cert.pem", "-days", "2", "-subj", "/CN=mpsim.local"],
                   cwd=d, check=True, capture_output=True)
    return os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")


def server(cert, key, conns):
    p = subprocess.Popen([sys.executable, PEER, "server", cert, key, "--conns", str(conns),
                          "--body", str(SIZE)], stdout=subprocess.PIPE, text=True)
    return p, int(p.stdout.readline())


def https(d):
    cert, key = certs(d)
    p, port = server(cert, key, N)
    fs = os.path.join(d, "fs")
    os.makedirs(fs, exist_ok=True)
    script = os.path.join(d, "main.py")
    with open(script, "w") as f:
        f.write(JOIN + f"""import requests
best = None
for i in range({N}):
    t = time.ticks_us()
    r = requests.get('https://127.0.0.1:{port}/big')
    # 100 KB is most of the ESP32's heap: read as scripts read big downloads, in pieces.
    n = 0
    while True:
        b = r.raw.read(4096)
        if not b:
            break
        n += len(b)
    r.close()
    dt = time.ticks_diff(time.ticks_us(), t)
    assert n == {SIZE}, n
    best = dt if best is None else min(best, dt)
print('best_us', best)
""")
    out = subprocess.run([MPSIM, "run", "--board", "esp32", "--fs", fs, "--timeout", "120s", script],
                         capture_output=True, text=True)
    p.kill()
    if out.returncode != 0 or "best_us" not in out.stdout:
        raise SystemExit("mpsim failed:\n" + out.stdout[-2000:] + out.stderr[-2000:])
    board = int(out.stdout.split("best_us")[1].split()[0]) / 1e6

    p, port = server(cert, key, N)
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    best = None
    for _ in range(N):
        t = time.perf_counter()
        body = urllib.request.urlopen(f"https://127.0.0.1:{port}/big", context=ctx).read()
        dt = time.perf_counter() - t
        assert len(body) == SIZE
        best = dt if best is None else min(best, dt)
    p.wait(timeout=30)
    print(f"https 100 KB: requests on the board {board * 1000:.1f} ms, python3 urllib "
          f"{best * 1000:.1f} ms: {board / best:.2f}x (goal <= 3x)")


PACKAGES = {
    "micropython/greet/manifest.py": 'metadata(version="1.0")\nrequire("colours")\nrequire("maths")\nmodule("greet.py")\n',
    "micropython/greet/greet.py": "import colours, maths\n" + "# padding\n" * 200,
    "python-stdlib/colours/manifest.py": 'metadata(version="1.0")\npackage("colours")\n',
    "python-stdlib/colours/colours/__init__.py": "from .names import RED\n",
    "python-stdlib/colours/colours/names.py": "RED = 'red'\n" * 100,
    "python-ecosys/maths/manifest.py": 'metadata(version="1.0")\nmodule("maths.py")\n',
    "python-ecosys/maths/maths.py": "def double(x):\n    return 2 * x\n" * 50,
}


def mip(d):
    src = os.path.join(d, "lib-src")
    for name, text in PACKAGES.items():
        p = os.path.join(src, name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)
    idx = os.path.join(d, "index")
    subprocess.run([MPSIM, "index", "build", src, "--out", idx], check=True, capture_output=True)
    fs = os.path.join(d, "fs-mip")
    os.makedirs(fs, exist_ok=True)
    script = os.path.join(d, "mip_main.py")
    with open(script, "w") as f:
        f.write(JOIN + f"""import mip, os
def wipe(p):
    for name, kind, *_ in os.ilistdir(p):
        q = p + '/' + name
        if kind == 0x4000:
            wipe(q)
            os.rmdir(q)
        else:
            os.remove(q)
best = None
for i in range({N}):
    try:
        wipe('/lib')
    except OSError:
        pass
    t = time.ticks_us()
    mip.install('greet')
    dt = time.ticks_diff(time.ticks_us(), t)
    best = dt if best is None else min(best, dt)
print('best_us', best)
""")
    out = subprocess.run([MPSIM, "run", "--board", "esp32", "--fs", fs, "--mip-index", idx,
                          "--timeout", "120s", script], capture_output=True, text=True)
    if out.returncode != 0 or "best_us" not in out.stdout:
        raise SystemExit("mpsim failed:\n" + out.stdout[-2000:] + out.stderr[-2000:])
    t = int(out.stdout.split("best_us")[1].split()[0]) / 1e6
    print(f"mip.install of a package with 2 dependencies (4 files) from a local index: {t * 1000:.1f} ms")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as d:
        https(d)
        mip(d)
