# The script reaches the host only through mpsim's modules: every way out fails (issue 2).
import sys


def attempt(name, f):
    try:
        r = f()
        print(name, "ESCAPED", r)
    except BaseException as e:
        print(name, "blocked:", type(e).__name__)


attempt("open", lambda: open("/etc/passwd").read())
attempt("os.system", lambda: __import__("os").system("true"))
attempt("os.popen", lambda: __import__("os").popen("true"))
attempt("os.environ", lambda: __import__("os").environ)
attempt("os.listdir host", lambda: __import__("os").listdir("/etc"))
for mod in ("subprocess", "posix", "nt", "ctypes", "_ctypes", "_socket", "_signal", "signal",
            "_posixsubprocess", "fcntl", "mmap", "pty", "shutil", "pathlib", "io.FileIO", "_thread2"):
    attempt("import " + mod, lambda m=mod: __import__(m))
attempt("_io.FileIO", lambda: __import__("_io").FileIO("/etc/passwd"))
attempt("_io.open", lambda: __import__("_io").open("/etc/passwd"))
attempt("io.open", lambda: __import__("io").open("/etc/passwd"))
attempt("open_code", lambda: __import__("_io").open_code("/etc/passwd"))
attempt("importlib", lambda: __import__("importlib"))
attempt("external loader", lambda: __import__("_frozen_importlib_external").FileLoader("x", "/etc/passwd").get_data("/etc/passwd"))
attempt("exec open", lambda: exec("open('/etc/hostname')"))
attempt("builtins open", lambda: __import__("builtins").open("/etc/hostname"))
attempt("compile+exec", lambda: exec(compile("import posix", "x", "exec")))
attempt("time.sleep host", lambda: __import__("time").__dict__.get("process_time")())
host = []
import sys

# The console's own stdio classes are named as the firmware's (io.FileIO): they are not the host's.
stdio = (type(sys.stdout.buffer), type(sys.stdin.buffer))
for cls in object.__subclasses__():
    n = cls.__name__
    if cls in stdio:
        continue
    # The board's own socket class (module "socket", carried by _mpsim_net under --net) is not
    # the host's (module "_socket").
    if n in ("FileIO", "Popen", "CDLL", "PyDLL", "ScandirIterator", "DirEntry", "_wrap_close") or (
        n == "socket" and cls.__module__ != "socket"
    ):
        host.append(n)
print("host classes reachable:", host)
# The board's sockets reach only what --net allows, and only with the station connected.
import socket
try:
    socket.socket().connect(("127.0.0.1", 22))
except OSError as e:
    print("socket without Wi-Fi:", e)
for name in ("executable", "prefix", "exec_prefix", "base_prefix"):
    print(name, hasattr(sys, name))
print("still alive")
