# mpsim: --board esp32
# The ESP32's flash by partition (issue 18): esp32.Partition's table, the "vfs" partition is the
# littlefs image the board boots from (readable by a second VfsLfs2 as on the board), flashbdev,
# inisetup's check of the first sector, the other partitions' blocks.
import esp32, flashbdev, inisetup, vfs

P = esp32.Partition
print(P.find(P.TYPE_DATA))
print(P(P.RUNNING).info())
bdev = flashbdev.bdev
print(bdev.info()[4], bdev.ioctl(4, 0), bdev.ioctl(5, 0))
head = bytearray(16)
bdev.readblocks(0, head)
print(bytes(head[8:16]))
with open("note.txt", "w") as f:
    f.write("kept")
fs = vfs.VfsLfs2(bdev)
print(sorted(e[0] for e in fs.ilistdir("/")), fs.open("note.txt").read())
nvs = P("nvs")
nvs.writeblocks(2, b"\x5a" * 4096)
got = bytearray(3)
nvs.readblocks(2, got, 10)
print(got, nvs.ioctl(4, 0))
try:
    nvs.readblocks(6, bytearray(4096))
except OSError as e:
    print(e)
try:
    P(P.RUNNING).get_next_update()
except OSError as e:
    print(e)
