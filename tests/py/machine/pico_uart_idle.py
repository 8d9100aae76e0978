# mpsim: --board pico
# Issue 15: a UART prints the fields the rp2 port prints.
from machine import UART
print(UART(0, tx=0, rx=1))
print(UART(1, 9600))
# machine.idle() waits for the next interrupt: at the latest the next 1 ms tick on this port.
import machine, time

t = time.ticks_us()
for _ in range(10):
    machine.idle()
d = time.ticks_diff(time.ticks_us(), t)
print(1000 < d <= 10000)
