# inisetup (frozen in the ESPs' firmware): what a first boot does when the filesystem's first
# sector is erased: format it (littlefs on the ESP32's "vfs" partition, FAT on a "ffat" one and
# on the ESP8266 as mpsim keeps it), mount it at / and write the default boot.py. A filesystem
# whose first sector is not erased is not touched: the firmware prints that it looks corrupt.
import _mpsim
import vfs
from flashbdev import bdev

_ESP32 = _mpsim.board_info()["platform"] == "esp32"


def wifi():
    import binascii
    import network
    ap = network.WLAN(network.WLAN.IF_AP)
    ssid = b"MicroPython-%s" % binascii.hexlify(ap.config("mac")[-3:])
    ap.config(ssid=ssid, security=network.AUTH_WPA_WPA2_PSK, key=b"micropythoN")


def check_bootsec():
    buf = bytearray(bdev.ioctl(5, 0))
    bdev.readblocks(0, buf)
    if all(b == 0xFF for b in buf):
        return True
    fs_corrupted()


def fs_corrupted():
    import micropython
    import time
    micropython.kbd_intr(3)
    while True:
        if _ESP32:
            print(
                "The filesystem appears to be corrupted. If you had important data there, you\n"
                "may want to make a flash snapshot to try to recover it. Otherwise, perform\n"
                "factory reprogramming of MicroPython firmware (completely erase flash, followed\n"
                "by firmware programming).\n"
            )
        else:
            print(
                "The filesystem starting at sector %d with size %d sectors looks corrupt.\n"
                "You may want to make a flash snapshot and try to recover it. Otherwise,\n"
                "format it with vfs.VfsLfs2.mkfs(bdev), or completely erase the flash and\n"
                "reprogram MicroPython.\n" % (bdev.start_sec, bdev.blocks)
            )
        time.sleep(3)


def setup():
    check_bootsec()
    print("Performing initial setup")
    if not _ESP32:
        wifi()
    kind = vfs.VfsLfs2 if _ESP32 and bdev.info()[4] == "vfs" else vfs.VfsFat
    kind.mkfs(bdev)
    fs = kind(bdev)
    vfs.mount(fs, "/")
    with open("boot.py", "w") as f:
        f.write(
            "# This file is executed on every boot (including wake-boot from deepsleep)\n"
            "#import esp\n"
            "#esp.osdebug(None)\n"
            "#import webrepl\n"
            "#webrepl.start()\n"
        )
    return fs
