# Outputs: an RGB LED by PWM, a passive and an active buzzer, a relay read back through its
# contact, a seven-segment digit, a 16x2 LCD in 4-bit parallel mode, NeoPixels.
from machine import Pin, PWM
import neopixel, time

r, g, b = (PWM(Pin(n), freq=1000, duty_u16=0) for n in (16, 17, 18))
r.duty_u16(65535)
b.duty_u16(32768)
print("rgb set")
time.sleep_ms(100)

piezo = PWM(Pin(19), freq=440, duty_u16=32768)
time.sleep_ms(100)
piezo.freq(880)
time.sleep_ms(100)
piezo.duty_u16(0)
beeper = Pin(20, Pin.OUT, value=1)
time.sleep_ms(100)
beeper.value(0)

relay = Pin(21, Pin.OUT, value=0)
contact = Pin(22, Pin.IN, Pin.PULL_UP)
print("relay off, contact", contact.value())
relay.value(1)
print("relay on, contact", contact.value())

SEGMENTS = [Pin(n, Pin.OUT) for n in range(8)]
for k, s in enumerate(SEGMENTS):
    s.value(0x7D >> k & 1)  # 6

rs, e = Pin(8, Pin.OUT, value=0), Pin(9, Pin.OUT, value=0)
data = [Pin(n, Pin.OUT) for n in (10, 11, 12, 26)]


def nibble(v):
    for k, p in enumerate(data):
        p.value(v >> k & 1)
    e.value(1)
    time.sleep_us(1)
    e.value(0)
    time.sleep_us(50)


def send(v, is_data):
    rs.value(is_data)
    nibble(v >> 4)
    nibble(v & 15)


time.sleep_ms(50)
for v in (3, 3, 3, 2):
    rs.value(0)
    nibble(v)
    time.sleep_ms(5)
for c in (0x28, 0x0C, 0x01, 0x06):
    send(c, 0)
    time.sleep_ms(2)
for ch in "Parallel":
    send(ord(ch), 1)
send(0xC0, 0)
for ch in "4-bit ok":
    send(ord(ch), 1)

np = neopixel.NeoPixel(Pin(28), 8)
np[0] = (255, 0, 0)
np[7] = (0, 0, 255)
np.write()
print("done")
