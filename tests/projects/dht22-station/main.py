# A weather station: a DHT22 read every two seconds, shown on a 16x2 I2C LCD.
from machine import I2C, Pin
from lcd_i2c import LCD
import dht
import time

sensor = dht.DHT22(Pin(15))
i2c = I2C(0, scl=Pin(22), sda=Pin(21), freq=400000)
lcd = LCD(addr=0x27, cols=16, rows=2, i2c=i2c)
lcd.begin()
while True:
    sensor.measure()
    t, h = sensor.temperature(), sensor.humidity()
    print("T=%.1fC H=%.0f%%" % (t, h))
    lcd.set_cursor(0, 0)
    lcd.print("Temp: %5.1f C" % t)
    lcd.set_cursor(0, 1)
    lcd.print("Hum:  %5.0f %%" % h)
    time.sleep(2)
