# The Pico's first example: its on-board LED (GP25, named "LED") toggled every half second.
from machine import Pin
import time

led = Pin("LED", Pin.OUT)

while True:
    led.toggle()
    time.sleep_ms(500)
