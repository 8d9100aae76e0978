# Prints what the radio hears, with the time it heard it.
from microbit import running_time, sleep
import radio

radio.config(group=7)
radio.on()
while True:
    msg = radio.receive()
    if msg:
        print(msg, "at", running_time() // 10 * 10, "ms")
    sleep(5)
