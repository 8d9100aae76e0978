# mpsim: --board pico
# On the firmware, FatFs writes a renamed entry into the first free directory slots while the old
# entry still holds its own, then frees the old one: after the rename below a listing shows
# sub_file.txt before file.txt. mpsim's FAT layer frees the old slots first and reuses them, so
# the renamed file keeps its place in the listing.
import os, vfs


class Disk:
    def __init__(self):
        self.data = bytearray(64 * 512)

    def readblocks(self, n, buf):
        buf[:] = self.data[n * 512:n * 512 + len(buf)]

    def writeblocks(self, n, buf):
        self.data[n * 512:n * 512 + len(buf)] = buf

    def ioctl(self, op, arg):
        return 64 if op == 4 else None


vfs.mount(Disk(), "/d", mkfs=True)
os.mkdir("/d/dir")
open("/d/dir/file-in-dir.txt", "w").write("a")
open("/d/dir/sub_file.txt", "w").write("b")
os.rename("/d/dir/file-in-dir.txt", "/d/dir/file.txt")
print(os.listdir("/d/dir"))
