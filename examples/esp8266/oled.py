# Hello on an SSD1306 OLED (wiring: examples/esp8266/oled.toml). Needs micropython-lib's driver on
# the flash, as on the real board:  mpremote mip install ssd1306  (or copy ssd1306.py with ampy).
from machine import Pin, SoftI2C
import ssd1306
import time

i2c = SoftI2C(scl=Pin(5), sda=Pin(4))
oled = ssd1306.SSD1306_I2C(128, 64, i2c)
n = 0
while True:
    oled.fill(0)
    oled.text("Hello, mpsim!", 0, 0)
    oled.rect(0, 16, 128, 48, 1)
    oled.text("count %d" % n, 8, 36)
    oled.show()
    n += 1
    time.sleep(1)
