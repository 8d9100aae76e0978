# A menu on a 20x4 LCD: "next" moves the cursor, "ok" picks the item.
from machine import I2C, Pin
from lcd_i2c import LCD
import time

ITEMS = ["Temperature", "Humidity", "Pressure", "Settings"]
lcd = LCD(addr=0x27, cols=20, rows=4, i2c=I2C(0, scl=Pin(22), sda=Pin(21)))
lcd.begin()
nxt = Pin(18, Pin.IN, Pin.PULL_UP)
ok = Pin(19, Pin.IN, Pin.PULL_UP)
pos = 0


def draw():
    for i, item in enumerate(ITEMS):
        lcd.set_cursor(0, i)
        lcd.print(("> " if i == pos else "  ") + item)


draw()
was = (1, 1)
while True:
    now = (nxt.value(), ok.value())
    if was[0] and not now[0]:
        pos = (pos + 1) % len(ITEMS)
        draw()
    if was[1] and not now[1]:
        print("selected:", ITEMS[pos])
        lcd.clear()
        lcd.print("Chosen: " + ITEMS[pos])
    was = now
    time.sleep_ms(20)
