# React to tilt (the window's tilt control, or --accel): an arrow points downhill, the display
# shows the gesture's first letter when the board lies still, and a shake plays a tune.
from microbit import *
import music

while True:
    x = accelerometer.get_x()
    y = accelerometer.get_y()
    if accelerometer.was_gesture("shake"):
        music.play(music.JUMP_UP, wait=False)
        display.show(Image.SURPRISED)
    elif abs(x) > 300 or abs(y) > 300:
        if abs(x) > abs(y):
            display.show(Image.ARROW_E if x > 0 else Image.ARROW_W)
        else:
            display.show(Image.ARROW_S if y > 0 else Image.ARROW_N)
    else:
        display.show(Image.DIAMOND_SMALL)
    sleep(100)
