# The LED on the ESP-12 module is on GPIO2 and lights when the pin is LOW (active low).
# A Signal with invert=True hides that: led.on() lights it.
from machine import Pin, Signal
import time

led = Signal(Pin(2, Pin.OUT), invert=True)

for i in range(10):
    led.on()
    print("LED on")
    time.sleep_ms(250)
    led.off()
    print("LED off")
    time.sleep_ms(750)
