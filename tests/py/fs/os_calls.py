# os on the flash: listdir, ilistdir, stat, statvfs, mkdir, rmdir, remove, rename, cwd, errors (issue 3).
import os
print(os.listdir(), os.listdir("/"))
print(list(os.ilistdir("/")))
st = os.stat("/boot.py")
print(len(st), st[0] == 0x8000, st[6] > 100)
print(os.stat("/")[0] == 0x4000)
sv = os.statvfs("/")
print(len(sv), sv[0], sv[1], 850 < sv[2] < 870, sv[3] <= sv[2], sv[9])
os.mkdir("/lib")
os.mkdir("data")
print(sorted(os.listdir()), [e[1] for e in os.ilistdir() if e[0] == "lib"])
with open("/data/a.txt", "w") as f:
    f.write("abc")
print(os.listdir("data"), os.stat("data/a.txt")[6])
os.rename("data/a.txt", "data/b.txt")
print(os.listdir("data"))
os.rename("data/b.txt", "/moved.txt")
print(sorted(os.listdir("/")))
os.chdir("data")
print(os.getcwd())
os.chdir("..")
print(os.getcwd())
os.chdir("/lib/../data/./")
print(os.getcwd())
os.chdir("/")
os.remove("moved.txt")
os.rmdir("data")
print(sorted(os.listdir()))
os.sync()


def err(f, *a):
    try:
        f(*a)
        print(f.__name__, "no error")
    except OSError as e:
        print(f.__name__, e, e.errno)


with open("lib/x.py", "w") as f:
    f.write("x = 1\n")
err(os.stat, "missing")
err(os.remove, "missing")
err(os.listdir, "missing")
err(os.mkdir, "lib")
err(os.rmdir, "lib")
err(os.remove, "lib")
err(os.rmdir, "lib/x.py")
err(os.chdir, "lib/x.py")
err(os.chdir, "nowhere")
err(os.stat, "bad\x00name")
err(os.mkdir, "x" * 300)
err(os.rename, "missing", "other")
print(os.stat("../../../lib/x.py")[6], os.listdir("/.."))
print(len(os.urandom(8)), os.uname().sysname, os.uname().release)
