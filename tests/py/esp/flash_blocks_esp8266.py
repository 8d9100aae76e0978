# mpsim: --board esp8266
# The ESP8266's flash by address (issue 18): esp.flash_read/flash_write/flash_erase, the
# filesystem's sectors from flashbdev's first one on (the FAT image the board boots from), the
# other sectors as NOR flash (writes clear bits, erase sets them).
import esp, flashbdev, vfs

b = flashbdev.bdev
print(b.start_sec, b.blocks, esp.flash_user_start())
sec = bytearray(512)
b.readblocks(0, sec)
print(bytes(sec[510:512]), bytes(sec[3:11]))
print(sorted(e[0] for e in vfs.VfsFat(b).ilistdir("/")))
esp.flash_write(0x1000, b"\x00\x0f\xf0\xff")
esp.flash_write(0x1000, b"\xff\xff\x0f\x0f")
print(esp.flash_read(0x1000, 4))
esp.flash_erase(1)
print(esp.flash_read(0x1000, 4))
try:
    esp.flash_write(0x1000, b"abc")
except ValueError as e:
    print(e)
try:
    esp.flash_read(esp.flash_size(), 4)
except OSError as e:
    print(e)
