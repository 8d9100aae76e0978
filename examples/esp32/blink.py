# The ESP32's first example: the LED on GPIO2 (blue on most DevKit boards) toggled every 500 ms.
from machine import Pin
import time

led = Pin(2, Pin.OUT)

while True:
    led.value(not led.value())
    time.sleep_ms(500)
