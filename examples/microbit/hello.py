# The micro:bit's first program: scroll a greeting, then show a heart that beats; button A shows
# a happy face, button B a sad one.
from microbit import *

display.scroll("Hello, World!")
while True:
    if button_a.is_pressed():
        display.show(Image.HAPPY)
    elif button_b.is_pressed():
        display.show(Image.SAD)
    else:
        display.show(Image.HEART)
        sleep(400)
        display.show(Image.HEART_SMALL)
    sleep(400)
