# The pyboard tutorial's USR switch: each press toggles the green LED (a callback), and the red
# LED shows whether the switch is held right now.
import pyb

sw = pyb.Switch()
green = pyb.LED(2)
red = pyb.LED(1)
sw.callback(lambda: green.toggle())

while True:
    if sw():
        red.on()
    else:
        red.off()
    pyb.delay(20)
