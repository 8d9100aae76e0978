from machine import I2CTarget
import time

mem = bytearray(b"pico-mem")
events = []


def on_event(t):
    flags = t.irq().flags()
    events.append(("read" if flags & I2CTarget.IRQ_END_READ else "write", t.memaddr))


t = I2CTarget(0, 0x42, mem=mem)
t.irq(on_event)
while len(events) < 3:
    time.sleep_ms(10)
print("events", events)
print("mem", mem)
