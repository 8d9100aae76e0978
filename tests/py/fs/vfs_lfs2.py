# mpsim: --board pico
# vfs.VfsLfs2 on a script's block device, as the firmware: littlefs v2's own layout (its
# superblock named in block 0, block usage in statvfs), mount by detection, files held open
# between writes, text and binary modes, modification times kept in the file's attribute,
# a read-only mount, and the device's errors reaching the script.
import os, time, vfs


class Flash:
    def __init__(self, blocks, size=4096):
        self.size = size
        self.data = bytearray(b"\xff" * (blocks * size))
        self.fail = 0

    def readblocks(self, n, buf, off=0):
        if self.fail == "raise":
            raise RuntimeError("flash gone")
        a = n * self.size + off
        buf[:] = self.data[a:a + len(buf)]
        return self.fail

    def writeblocks(self, n, buf, off=0):
        a = n * self.size + off
        self.data[a:a + len(buf)] = buf

    def ioctl(self, op, arg):
        if op == 4:
            return len(self.data) // self.size
        if op == 5:
            return self.size
        if op == 6:
            self.data[arg * self.size:(arg + 1) * self.size] = b"\xff" * self.size
            return 0


flash = Flash(16)
vfs.VfsLfs2.mkfs(flash)
print(flash.data[8:16], flash.data.find(b"littlefs") < 4096)
time.sleep(3)
vfs.mount(flash, "/lfs")
print(type(vfs.mount()[0][0]).__name__, os.statvfs("/lfs"))
f = open("/lfs/log.txt", "w")
for i in range(3):
    f.write("line %d\n" % i)
print(f, os.stat("/lfs/log.txt")[6])
f.close()
print(os.stat("/lfs/log.txt")[6], os.stat("/lfs/log.txt")[8] >= 3, open("/lfs/log.txt").readlines())
with open("/lfs/blob.bin", "wb") as b:
    b.write(bytes(range(256)) * 40)
    b.seek(5)
    b.write(b"XY")
with open("/lfs/blob.bin", "rb") as b:
    print(b.read(8), b.seek(-2, 2), b.read(), b.tell())
os.mkdir("/lfs/d")
os.rename("/lfs/log.txt", "/lfs/d/log.txt")
os.chdir("/lfs/d")
print(os.getcwd(), os.listdir(), os.listdir(".."), os.statvfs("/lfs")[3])
try:
    os.rmdir("/lfs/d")
except OSError as e:
    print("not empty:", e)
os.chdir("/")
try:
    f.write("x")
except ValueError:
    print("closed file: ValueError")
vfs.umount("/lfs")

vfs.mount(vfs.VfsLfs2(flash), "/ro", readonly=True)
print(os.listdir("/ro"), open("/ro/d/log.txt").read(6))
try:
    open("/ro/new", "w").write("no")
except OSError as e:
    print("read-only:", e)
flash.fail = -5
try:
    os.listdir("/ro/d")
except OSError as e:
    print("device error:", e)
flash.fail = "raise"
try:
    open("/ro/blob.bin", "rb").read()
except RuntimeError as e:
    print("device raised:", e)
flash.fail = 0
vfs.umount("/ro")
try:
    vfs.VfsLfs2(Flash(16))
except OSError as e:
    print("blank flash:", e)
