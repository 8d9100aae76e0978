# Parts driven by the drivers people install from PyPI.
from machine import I2C, Pin, SPI
import bme280, tm1637, max7219, ssd1306, ili934x, time
from ds1307 import DS1307

i2c = I2C(0, scl=Pin(22), sda=Pin(21))
print("scan", [hex(a) for a in i2c.scan()])
bme = bme280.BME280(i2c=i2c)
print("bme280", bme.values)
rtc = DS1307(addr=0x68, i2c=i2c)
print("rtc", rtc.datetime)
time.sleep(3)
print("rtc", rtc.datetime)

tm = tm1637.TM1637(clk=Pin(16), dio=Pin(17))
tm.numbers(12, 34)
print("tm1637 shown")

spi = SPI(2, baudrate=10000000)
m = max7219.Matrix8x8(spi, Pin(5, Pin.OUT), 2)
m.fill(0)
m.text("Hi", 0, 0, 1)
m.show()
print("matrix shown")

hspi = SPI(1, baudrate=8000000)
oled = ssd1306.SSD1306_SPI(128, 64, hspi, Pin(27), Pin(25), Pin(26))
oled.fill(0)
oled.fill_rect(0, 0, 10, 10, 1)
oled.show()
print("oled shown")

tft = ili934x.ILI9341(spi, cs=Pin(15), dc=Pin(2), rst=Pin(4))
tft.fill(ili934x.color565(0, 0, 255))
tft.fill_rectangle(100, 140, 40, 40, ili934x.color565(255, 0, 0))
tft.text("mpsim", 0, 0, ili934x.color565(255, 255, 255))
print("tft pixel", hex(tft.pixel(120, 160)), hex(tft.pixel(200, 300)))
