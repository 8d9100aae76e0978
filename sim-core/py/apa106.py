# apa106 (frozen in the ESP32's firmware): APA106 LEDs are NeoPixels that take red first.
from neopixel import NeoPixel


class APA106(NeoPixel):
    ORDER = (0, 1, 2, 3)
