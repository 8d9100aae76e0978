# mpsim: --board pico
# A hard timer callback runs with the heap locked, a soft one without (issue 15, as the rp2
# firmware's soft timers with hard=True).
from machine import Timer
import time


def cb(t):
    try:
        bytearray(1)
        print("allocated")
    except MemoryError as e:
        print("MemoryError:", e)


for hard in (False, True):
    t = Timer(-1, mode=Timer.ONE_SHOT, period=10, hard=hard, callback=cb)
    time.sleep_ms(20)
    t.deinit()
