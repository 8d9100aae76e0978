# mpsim: --board esp8266
# The ESP8266 firmware's frozen extras (issue 18): upysh's commands on the flash, apa102's
# bit stream as esp.apa102_write clocks it, asyncio's submodules and _asyncio.
from upysh import *

mkdir("d")
cd("d")
print(pwd)
with open("a.txt", "w") as f:
    f.write("one\ntwo\nthree\n")
cat("a.txt")
head("a.txt", 2)
cp("a.txt", "b.txt")
mv("b.txt", "c.txt")
ls
ls("/d")
rm("a.txt")
rm("nothere.txt")
cd("/")
rm("d", recursive=True)
print("d" in __import__("os").listdir())
print(repr(clear).encode())


class Wire:
    # Records what a pin is set to, as esp.apa102_write drives it.
    def __init__(self, log, name):
        self.log, self.name = log, name

    def __call__(self, v):
        self.log.append((self.name, 1 if v else 0))


log = []
clk, dat = Wire(log, "c"), Wire(log, "d")
import esp

esp.apa102_write(clk, dat, bytes([1, 2, 3, 31, 4, 5, 6, 7]))
# Bits are taken on the clock's rising edge.
bits, level = [], 0
for name, v in log:
    if name == "d":
        level = v
    elif v:
        bits.append(level)
data = bytes(int("".join(map(str, bits[i:i + 8])), 2) for i in range(0, len(bits) - len(bits) % 8, 8))
print(len(bits), data.hex())

import apa102, machine

s = apa102.APA102(machine.Pin(14), machine.Pin(13), 2)
s[0] = (255, 0, 0, 31)
print(s[0], s.buf)
try:
    import apa106
except ImportError as e:
    print(e)

import asyncio.core, asyncio.event, asyncio.funcs, asyncio.lock, asyncio.stream, _asyncio
print(asyncio.event.Event is asyncio.Event, asyncio.lock.Lock is asyncio.Lock, _asyncio.Task is asyncio.Task)
