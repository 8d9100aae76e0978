# The introduction's first hardware example: an LED on GPIO15 (NodeMCU D8) through a 330-ohm
# resistor to GND, toggled every 500 ms.
import machine
import time

pin_number = 15
pin = machine.Pin(pin_number, machine.Pin.OUT)

while True:
    pin.value(1)
    time.sleep(0.5)
    pin.value(0)
    time.sleep(0.5)
