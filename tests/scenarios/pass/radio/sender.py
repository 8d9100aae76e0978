# Sends a numbered greeting every 100 ms on the micro:bit radio.
from microbit import sleep
import radio

radio.config(group=7)
radio.on()
for n in range(5):
    sleep(100)
    radio.send("hello %d" % n)
print("sent 5")
