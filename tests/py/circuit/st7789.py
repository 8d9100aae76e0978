# mpsim: --board pico --wiring tests/py/circuit/st7789.toml
# An ST7789 driven by its datasheet's commands over machine.SPI: reset, sleep out, 16-bit colour,
# inversion on (what the IPS modules need), a window filled red, MADCTL's row/column exchange,
# read back with RAMRD (a dummy byte, then 6 bits of each colour).
from machine import Pin, SPI
import struct, time

spi = SPI(1, baudrate=40000000, sck=Pin(10), mosi=Pin(11), miso=Pin(12))
dc, res = Pin(8, Pin.OUT, value=0), Pin(13, Pin.OUT, value=1)


def cmd(c, data=b""):
    dc(0)
    spi.write(bytes([c]))
    if data:
        dc(1)
        spi.write(data)


def window(x0, y0, x1, y1):
    cmd(0x2A, struct.pack(">HH", x0, x1))
    cmd(0x2B, struct.pack(">HH", y0, y1))
    cmd(0x2C)


res(0)
time.sleep_ms(10)
res(1)
cmd(0x11)
time.sleep_ms(120)
cmd(0x3A, b"\x55")
cmd(0x36, b"\x00")
cmd(0x21)
cmd(0x29)
window(0, 0, 239, 239)
dc(1)
blue = struct.pack(">H", 0x001F)
for _ in range(240):
    spi.write(blue * 240)
window(110, 110, 129, 129)
dc(1)
spi.write(struct.pack(">H", 0xF800) * 400)
# Rows and columns exchanged and mirrored (a rotation): column 0 is now the panel's last row.
cmd(0x36, b"\x60")
window(0, 0, 0, 0)
dc(1)
spi.write(struct.pack(">H", 0x07E0))
cmd(0x36, b"\x00")


def read(x, y):
    cmd(0x2A, struct.pack(">HH", x, x))
    cmd(0x2B, struct.pack(">HH", y, y))
    cmd(0x2E)
    return spi.read(4, 0)[1:]


for x, y in ((0, 0), (120, 120), (0, 239), (239, 0)):
    print((x, y), [hex(b) for b in read(x, y)])
