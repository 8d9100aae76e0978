# The scenario tests' board: the on-board LED (GPIO2, lit when low) follows the FLASH button
# (GPIO0, pulled up), each press counted on the console and a log written to the flash.
import time
from machine import Pin

led = Pin(2, Pin.OUT, value=1)
btn = Pin(0, Pin.IN, Pin.PULL_UP)
print("boot one")
print("boot two")
with open("log.txt", "w") as f:
    f.write("started 42\n")
n = 0
while True:
    if not btn.value():
        print("button", n)
        led.value(0)
        while not btn.value():
            time.sleep_ms(10)
        led.value(1)
        n += 1
    time.sleep_ms(10)
