# mpsim: --board pico
# An SPI transfer takes the time its bits take at the bus's baud rate, as on the board
# (MicroPython's extmod/machine_spi_rate.py measures it): 160 bytes at 100 kHz are 12.8 ms.
import time
from machine import SPI

for baud in (100_000, 1_000_000, 8_000_000):
    s = SPI(0, baudrate=baud)
    buf = b"abcdefghijklmnop" * 10
    t0 = time.ticks_us()
    s.write(buf)
    t1 = time.ticks_us()
    rd = bytearray(len(buf))
    s.write_readinto(buf, rd)
    t2 = time.ticks_us()
    print(baud, time.ticks_diff(t1, t0) // 100, time.ticks_diff(t2, t1) // 100)
    s.deinit()
