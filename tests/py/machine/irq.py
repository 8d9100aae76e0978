# Pin IRQs fire on edges and run through the scheduler, with the pin as argument (issue 2).
# mpsim: --pin 0=0@100ms --pin 0=1@150ms --pin 0=0@300ms --pin 0=z@400ms
from machine import Pin
import time
events = []


def handler(pin):
    events.append((pin, pin.value(), time.ticks_ms() // 50 * 50))


button = Pin(0, Pin.IN, Pin.PULL_UP)
irq = button.irq(handler, Pin.IRQ_FALLING)
print(irq.trigger() == Pin.IRQ_FALLING)
time.sleep_ms(500)
print(events)
events.clear()
button.irq(handler, Pin.IRQ_RISING | Pin.IRQ_FALLING)
out = Pin(4, Pin.OUT, value=0)
out.irq(lambda p: events.append(("out", p.value())), Pin.IRQ_RISING)
out.on()
time.sleep_ms(1)
out.off()
out.on()
time.sleep_ms(1)
print(events)
out.irq(None)
out.off()
out.on()
time.sleep_ms(1)
print(len(events))
