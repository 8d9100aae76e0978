# os.mount of a Python object with the VFS methods (what mpremote mount and pyboard.py use) (issue 3).
# As on the firmware, a path relative to the current directory reaches the filesystem as it was
# written: the filesystem resolves it against its own current directory.
import os, io, sys


class RamFS:
    def __init__(self):
        self.files = {"/hello.py": b'MSG = "imported from ramfs"\n', "/data.txt": b"abc\n"}
        self.cwd = "/"

    def _abs(self, path):
        return path if path.startswith("/") else self.cwd.rstrip("/") + "/" + path

    def mount(self, readonly, mkfs):
        print("mount", readonly, mkfs)

    def umount(self):
        print("umount")

    def ilistdir(self, path):
        base = self._abs(path).rstrip("/") + "/"
        for name in sorted(self.files):
            if name.startswith(base):
                yield (name[len(base):], 0x8000, 0, len(self.files[name]))

    def stat(self, path):
        path = self._abs(path)
        if path == "/":
            return (0x4000, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        if path in self.files:
            return (0x8000, 0, 0, 0, 0, 0, len(self.files[path]), 0, 0, 0)
        raise OSError(2)

    def open(self, path, mode):
        path = self._abs(path)
        if path not in self.files:
            raise OSError(2)
        data = self.files[path]
        return io.BytesIO(data) if "b" in mode else io.StringIO(data.decode())

    def chdir(self, path):
        self.cwd = self._abs(path)

    def getcwd(self):
        return self.cwd


os.mount(RamFS(), "/ram")
print(os.listdir("/ram"), os.stat("/ram")[0] == 0x4000, os.stat("/ram/data.txt")[6])
print(repr(open("/ram/data.txt").read()), open("/ram/data.txt", "rb").read())
os.chdir("/ram")
print(os.getcwd(), os.listdir())
import hello
print(hello.MSG, hello.__file__)
try:
    open("missing")
except OSError as e:
    print("OSError", e.args[0])
try:
    os.mount(RamFS(), "/ram")
except OSError as e:
    print("already mounted:", e)
os.umount("/ram")
print(os.getcwd(), sorted(os.listdir("/")))
try:
    os.listdir("/ram")
except OSError as e:
    print("after umount:", e)
fat = os.VfsFat(None)
print(type(fat).__name__)
