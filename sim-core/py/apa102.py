# apa102 (frozen in the ESP8266's firmware): APA102 LED strips, a NeoPixel with a clock pin, four
# bytes a pixel (r, g, b, brightness 0-31), sent by esp.apa102_write.
from esp import apa102_write
from neopixel import NeoPixel


class APA102(NeoPixel):
    ORDER = (0, 1, 2, 3)

    def __init__(self, clock_pin, data_pin, n, bpp=4):
        super().__init__(data_pin, n, bpp)
        self.clock_pin = clock_pin
        self.clock_pin.init(clock_pin.OUT)

    def write(self):
        apa102_write(self.clock_pin, self.pin, self.buf)
