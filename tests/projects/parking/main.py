# A parking sensor: an HC-SR04 measures the distance; green above 100 cm, yellow down to 30 cm,
# red nearer.
from machine import Pin, time_pulse_us
import time

trig = Pin(3, Pin.OUT, value=0)
echo = Pin(2, Pin.IN)
leds = {"green": Pin(13, Pin.OUT), "yellow": Pin(14, Pin.OUT), "red": Pin(15, Pin.OUT)}


def distance_cm():
    trig.value(1)
    time.sleep_us(10)
    trig.value(0)
    us = time_pulse_us(echo, 1, 30000)
    return us / 58.3 if us > 0 else None


while True:
    d = distance_cm()
    on = "green" if d is None or d > 100 else "yellow" if d > 30 else "red"
    for name, led in leds.items():
        led.value(name == on)
    print("distance", "out of range" if d is None else "%.0f cm" % d, "->", on)
    time.sleep_ms(500)
