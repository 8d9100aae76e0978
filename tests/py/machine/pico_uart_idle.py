# mpsim: --board pico
# Issue 15: a UART prints the fields the rp2 port prints.
import machine
from machine import UART
print(UART(0, tx=0, rx=1))
print(UART(1, 9600))
# Pins by their CPU names too, as the rp2 port finds them.
print(UART(0, tx="GPIO0", rx="GPIO1"), machine.Pin("GPIO25") == machine.Pin("LED"))
# machine.idle() waits for the next interrupt: at the latest the next 1 ms tick on this port.
import machine, time

t = time.ticks_us()
for _ in range(10):
    machine.idle()
d = time.ticks_diff(time.ticks_us(), t)
print(1000 < d <= 10000)
