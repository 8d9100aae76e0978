# mpsim: --board pico
# vfs.VfsFat on a script's own block device, as the firmware: mkfs's layout (statvfs), files and
# folders, mount points and the current directory, a read-only mount, a remount that finds the
# files again, the old block protocol, FAT32 on a large sparse device (a partition at sector 63),
# and the device's errors reaching the script.
import os, vfs


class RAMDisk:
    def __init__(self, blocks, size=512):
        self.size = size
        self.data = bytearray(blocks * size)
        self.fail = 0

    def readblocks(self, n, buf):
        if self.fail == "raise":
            raise RuntimeError("disk on fire")
        buf[:] = self.data[n * self.size:n * self.size + len(buf)]
        return self.fail

    def writeblocks(self, n, buf):
        self.data[n * self.size:n * self.size + len(buf)] = buf

    def ioctl(self, op, arg):
        if op == 4:
            return len(self.data) // self.size
        if op == 5:
            return self.size


bdev = RAMDisk(128)
try:
    vfs.mount(bdev, "/nofs")
except OSError as e:
    print("no filesystem:", e)
vfs.VfsFat.mkfs(bdev)
print(bdev.data[:3], bdev.data[54:62], bdev.data[510:512])
vfs.mount(bdev, "/ram")
print([m[1] for m in vfs.mount()], os.statvfs("/ram"))
with open("/ram/hello.txt", "w") as f:
    f.write("hello from a ramdisk\n" * 3)
os.mkdir("/ram/sub")
os.chdir("/ram/sub")
with open("inner.bin", "wb") as f:
    f.write(bytes(range(256)) * 4)
print(os.getcwd(), os.listdir(), os.stat("inner.bin")[6])
os.chdir("..")
print(os.getcwd(), os.listdir(), os.listdir(b"sub"))
os.rename("hello.txt", "sub/moved.txt")
print(sorted(os.listdir("/ram/sub")), open("sub/moved.txt").read(7))
print(os.statvfs("/ram")[3] < os.statvfs("/ram")[2], b"MOVED   TXT" in bdev.data)
os.chdir("/")
vfs.umount("/ram")

fs = vfs.VfsFat(bdev)
vfs.mount(fs, "/ro", readonly=True)
print(os.listdir("/ro/sub"))
for bad in (lambda: open("/ro/new.txt", "w"), lambda: os.mkdir("/ro/d"), lambda: os.remove("/ro/sub/moved.txt")):
    try:
        bad()
    except OSError as e:
        print("read-only:", e)
bdev.fail = -5
try:
    os.listdir("/ro/sub")
except OSError as e:
    print("device error:", e)
bdev.fail = "raise"
try:
    open("/ro/sub/moved.txt").read()
except RuntimeError as e:
    print("device raised:", e)
bdev.fail = 0
vfs.umount(fs)


class OldDisk:
    # The old protocol: count() and readblocks/writeblocks of whole 512-byte blocks.
    def __init__(self):
        self.data = bytearray(64 * 512)

    def readblocks(self, n, buf):
        buf[:] = self.data[n * 512:n * 512 + len(buf)]

    def writeblocks(self, n, buf):
        self.data[n * 512:n * 512 + len(buf)] = buf

    def count(self):
        return 64


old = OldDisk()
vfs.mount(vfs.VfsFat(old), "/old", mkfs=True)
open("/old/x", "w").write("old")
print(os.listdir("/old"), os.statvfs("/old")[:4])
vfs.umount("/old")


class Sparse:
    def __init__(self, blocks):
        self.blocks = blocks
        self.data = {}

    def readblocks(self, n, buf):
        buf[:] = self.data.get(n, bytes(512))

    def writeblocks(self, n, buf):
        # Blocks of zeros that were never written stay unstored.
        for i in range(len(buf) // 512):
            b = bytes(buf[i * 512:(i + 1) * 512])
            if any(b) or n + i in self.data:
                self.data[n + i] = b

    def ioctl(self, op, arg):
        return self.blocks if op == 4 else None


big = Sparse(4 * 1024 * 1024 * 1024 // 512)
vfs.VfsFat.mkfs(big)
print(big.data[0][446 + 4], big.data[63][82:90], big.data[0][510:512])
vfs.mount(big, "/big")
open("/big/f.txt", "w").write("on a 4 GB card")
print(os.statvfs("/big"), open("/big/f.txt").read())
vfs.umount("/big")
