# The pyboard tutorial's first steps: the four LEDs (red, green, yellow, blue) lit in turn, then
# the blue one faded with intensity() (LEDs 3 and 4 dim).
import pyb

leds = [pyb.LED(i) for i in range(1, 5)]
for led in leds:
    led.off()

n = 0
while True:
    for led in leds:
        led.toggle()
        pyb.delay(100)
    n += 1
    if n % 4 == 0:
        for i in range(0, 256, 16):
            leds[3].intensity(i)
            pyb.delay(20)
