# Radio between boards: run this on two (or more) micro:bits, e.g. `mpsim --board microbit
# examples/microbit/radio_chat.py` in two terminals. Button A sends a heart, B a duck; whatever
# arrives is shown.
from microbit import *
import radio

radio.config(group=23)
radio.on()
while True:
    if button_a.was_pressed():
        radio.send("HEART")
    if button_b.was_pressed():
        radio.send("DUCK")
    msg = radio.receive()
    if msg in ("HEART", "DUCK"):
        display.show(getattr(Image, msg))
        sleep(500)
        display.clear()
    sleep(20)
