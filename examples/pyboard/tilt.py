# The pyboard tutorial's accelerometer: tilt the board (the window's tilt control, or
# `--accel`-style stimuli) and the LEDs show which way: yellow left, green right, and the blue
# one brightens as the board tips over in y.
import pyb

accel = pyb.Accel()
left = pyb.LED(3)
right = pyb.LED(2)
blue = pyb.LED(4)
SENSITIVITY = 3

while True:
    x = accel.x()
    if x > SENSITIVITY:
        left.on()
        right.off()
    elif x < -SENSITIVITY:
        right.on()
        left.off()
    else:
        left.off()
        right.off()
    blue.intensity(min(255, abs(accel.y()) * 12))
    pyb.delay(100)
