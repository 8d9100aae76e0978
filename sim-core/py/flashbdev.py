# flashbdev (frozen in the ESPs' firmware): `bdev`, the block device of the filesystem's part of
# the flash, which inisetup formats on a first boot.
import _mpsim

if _mpsim.board_info()["platform"] == "esp32":
    from esp32 import Partition

    # The firmware's partition table calls it "vfs" (TinyUF2's, "ffat").
    bdev = Partition.find(Partition.TYPE_DATA, label="vfs")
    if not bdev:
        bdev = Partition.find(Partition.TYPE_DATA, label="ffat", block_size=512)
    bdev = bdev[0] if bdev else None
else:
    import esp

    class FlashBdev:
        SEC_SIZE = 4096

        def __init__(self, start_sec, blocks):
            self.start_sec = start_sec
            self.blocks = blocks

        def readblocks(self, n, buf, off=0):
            esp.flash_read((n + self.start_sec) * self.SEC_SIZE + off, buf)

        def writeblocks(self, n, buf, off=None):
            if off is None:
                esp.flash_erase(n + self.start_sec)
                off = 0
            esp.flash_write((n + self.start_sec) * self.SEC_SIZE + off, buf)

        def ioctl(self, op, arg):
            if op == 4:
                return self.blocks
            if op == 5:
                return self.SEC_SIZE
            if op == 6:
                esp.flash_erase(arg + self.start_sec)
                return 0

    _size = esp.flash_size()
    if _size < 1024 * 1024:
        bdev = None
    else:
        _start = esp.flash_user_start() // FlashBdev.SEC_SIZE
        if _start < 256:
            # A sector kept for native code.
            _start += 1
        # The SDK keeps its parameters in the last 20 KB.
        bdev = FlashBdev(_start, (_size - 20480) // FlashBdev.SEC_SIZE - _start)
