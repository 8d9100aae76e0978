# mpsim: --board pico --wiring tests/py/circuit/jumper.toml
# Pins wired to each other on one board: an input reads what the output drives (and floats back
# to its pull when the output lets go), an IRQ sees the edges; a pin wired to GND reads low
# whatever its pull.
from machine import Pin
import time

out = Pin(2, Pin.OUT, value=0)
inp = Pin(3, Pin.IN, Pin.PULL_UP)
edges = []
inp.irq(lambda p: edges.append(p.value()), Pin.IRQ_RISING | Pin.IRQ_FALLING)
print("driven low:", inp.value())
out.value(1)
time.sleep_ms(1)
print("driven high:", inp.value())
out.value(0)
time.sleep_ms(1)
print("edges:", edges)
out.init(Pin.IN)
print("released, the pull-up:", inp.value())
print("GP6 with a pull-up, wired to GND:", Pin(6, Pin.IN, Pin.PULL_UP).value())
