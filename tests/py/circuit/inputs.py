# mpsim: --board pico --wiring tests/py/circuit/inputs.toml --control btn.pressed=1@1s --control btn.pressed=0@1.5s --control up.click=200@1.2s --control sw.position=1@1.3s --control keys.5=1@1.4s --control keys.5=0@1.45s --control knob.rotate=2@1.6s --control knob.rotate=-1@1.7s --control knob.pressed=1@1.75s --control pir.motion=1@1.8s
# Buttons, a switch, a keypad, an encoder and a PIR as scripts read them: levels, IRQs (the
# bouncing button's falling edges come in a burst), a row/column keypad scan, the encoder's
# quadrature, the PIR's hold time.
import machine, time
from machine import Pin

btn = Pin(14, Pin.IN, Pin.PULL_UP)
up = Pin(15, Pin.IN)
sw = Pin(13, Pin.IN)
falls = []


def at(ms):
    # Sleeps until `ms` after boot.
    time.sleep_ms(max(0, ms - time.ticks_ms()))


btn.irq(lambda p: falls.append(time.ticks_ms()), Pin.IRQ_FALLING)
print("at rest:", btn.value(), up.value(), sw.value())
at(1100)
print("btn pressed:", btn.value(), "falling edges", len(falls))
at(1250)
print("up clicked:", up.value())
at(1420)
print("switch right:", sw.value(), "up released:", up.value())

rows = [Pin(n, Pin.OUT, value=1) for n in (2, 3, 4, 5)]
cols = [Pin(n, Pin.IN, Pin.PULL_UP) for n in (6, 7, 8, 9)]
KEYS = "123A456B789C*0#D"


def scan():
    down = ""
    for r, rp in enumerate(rows):
        rp.value(0)
        for c, cp in enumerate(cols):
            if cp.value() == 0:
                down += KEYS[r * 4 + c]
        rp.value(1)
    return down


print("keys at 1.42 s:", repr(scan()))
at(1500)
print("keys at 1.5 s:", repr(scan()))

clk, dt, ksw = Pin(10, Pin.IN), Pin(11, Pin.IN), Pin(12, Pin.IN, Pin.PULL_UP)
pos = [0]


def turned(p):
    pos[0] += 1 if dt.value() else -1


clk.irq(turned, Pin.IRQ_FALLING)
at(1780)
print("encoder position", pos[0], "switch", ksw.value())
pir = Pin(16, Pin.IN)
print("no motion yet:", pir.value())
at(1850)
print("motion:", pir.value())
at(3700)
print("still held:", pir.value())
at(3900)
print("after the hold time:", pir.value())
