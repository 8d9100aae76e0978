# mpsim: --board esp32 --wiring tests/py/circuit/ir.toml --control ir.code=0x45@0.5s --control ir.code=162@1s
# An NEC decoder the way MicroPython's IR libraries write one: an IRQ on both edges stamps each
# with ticks_us; a frame is the 9 ms burst, the 4.5 ms space and 32 bits whose spaces are short
# (0) or long (1).
from machine import Pin
import time

edges = []
Pin(15, Pin.IN).irq(lambda p: edges.append(time.ticks_us()), Pin.IRQ_RISING | Pin.IRQ_FALLING)


def decode(e):
    if len(e) < 68:
        return None
    d = [time.ticks_diff(e[i + 1], e[i]) for i in range(len(e) - 1)]
    if not (8500 < d[0] < 9500 and 4000 < d[1] < 5000):
        return None
    v = 0
    for k in range(32):
        space = d[3 + 2 * k]
        v |= (1 if space > 1120 else 0) << k
    addr, naddr, cmd, ncmd = v & 0xFF, v >> 8 & 0xFF, v >> 16 & 0xFF, v >> 24
    if addr ^ naddr != 0xFF or cmd ^ ncmd != 0xFF:
        return "bad frame"
    return addr, cmd


for until in (900, 1500):
    time.sleep_ms(until - time.ticks_ms())
    print("edges", len(edges), "->", decode(edges))
    edges.clear()
