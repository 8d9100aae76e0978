# upysh (frozen in the ESPs' firmware): shell-like commands for the REPL, written for mpsim from
# the documented behaviour of micropython-lib's upysh: `from upysh import *`, then ls, pwd,
# clear and man without parentheses, ls(path), cat, head, cp, mv, rm, newfile, cd, mkdir, rmdir.
import os
import sys

_DIR = 0x4000

_MAN = """
upysh is intended to be imported using:
from upysh import *

To see this help text again, type "man".

upysh commands:
clear, ls, ls(...), head(...), cat(...), newfile(...)
cp('src', 'dest'), mv('old', 'new'), rm(...)
pwd, cd(...), mkdir(...), rmdir(...)
"""


class _Command:
    # Typed bare at the REPL, the command runs through its repr.
    def __repr__(self):
        return self()


class _Ls(_Command):
    def __call__(self, path="."):
        entries = sorted(os.ilistdir(path))
        for e in entries:
            if e[1] == _DIR:
                print("    <dir> %s" % e[0])
        for e in entries:
            if e[1] != _DIR:
                print("% 9d %s" % (e[3], e[0]) if len(e) > 3 else "          %s" % e[0])
        try:
            st = os.statvfs(path)
            print("\n{:,d}k free".format(st[1] * st[3] // 1024))
        except Exception:
            pass
        return ""


class _Pwd(_Command):
    def __call__(self):
        return os.getcwd()


class _Clear(_Command):
    def __call__(self):
        return "\x1b[2J\x1b[H"


class _Man(_Command):
    def __call__(self):
        return _MAN


def head(f, n=10):
    with open(f) as src:
        for _ in range(n):
            line = src.readline()
            if not line:
                break
            sys.stdout.write(line)


def cat(f):
    head(f, 1 << 30)


def cp(s, t):
    try:
        if os.stat(t)[0] & _DIR:
            t = t.rstrip("/") + "/" + s
    except OSError:
        pass
    buf = bytearray(512)
    view = memoryview(buf)
    with open(s, "rb") as src, open(t, "wb") as dst:
        while True:
            n = src.readinto(buf)
            if not n or n <= 0:
                break
            dst.write(view[:n])


def newfile(path):
    print("Type file contents line by line, finish with EOF (Ctrl+D).")
    with open(path, "w") as f:
        while True:
            try:
                line = input()
            except EOFError:
                break
            f.write(line)
            f.write("\n")


def rm(d, recursive=False):
    # As the firmware's: a folder's entries are removed as files (a folder inside one fails).
    try:
        if recursive and os.stat(d)[0] & _DIR:
            for e in os.ilistdir(d):
                if e[0] not in (".", ".."):
                    rm(d + "/" + e[0])
            os.rmdir(d)
        else:
            os.remove(d)
    except Exception:
        print("rm of '%s' failed" % d)


man = _Man()
pwd = _Pwd()
ls = _Ls()
clear = _Clear()
cd = os.chdir
mkdir = os.mkdir
mv = os.rename
rmdir = os.rmdir

print(man)
