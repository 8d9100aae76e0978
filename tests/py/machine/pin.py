# machine.Pin on the ESP8266: modes, pulls, values, reprs, errors (issue 2).
from machine import Pin
p = Pin(2, Pin.OUT)
print(p, Pin.IN, Pin.OUT, Pin.OPEN_DRAIN, Pin.PULL_UP, Pin.IRQ_RISING, Pin.IRQ_FALLING)
p.off()
print(p.value(), p())
p.on()
print(p.value())
p(0)
print(p.value())
p.value(True)
print(p.value())
print(p.mode() == Pin.OUT)
q = Pin(5, Pin.IN, Pin.PULL_UP)
print(q.value(), q.pull() == Pin.PULL_UP)
q.init(Pin.IN, None)
print(q.value(), q.pull())
print(Pin(0, Pin.IN).value(), Pin(15, Pin.IN).value())
r = Pin(4, Pin.OUT, value=1)
print(r.value())
od = Pin(13, Pin.OPEN_DRAIN)
od.value(0)
print(od.value())
od.value(1)
print(od.value())
print(hasattr(Pin, "PULL_DOWN"))
for bad in (6, 7, 11, 17, -1):
    try:
        Pin(bad)
    except ValueError as e:
        print(bad, "ValueError:", e)
try:
    Pin(16, Pin.IN, Pin.PULL_UP)
except ValueError as e:
    print("16 ValueError:", e)
try:
    Pin(16).irq(lambda p: None)
except ValueError as e:
    print("16 irq ValueError:", e)
try:
    Pin(5, 7)
except ValueError as e:
    print("mode ValueError:", e)
