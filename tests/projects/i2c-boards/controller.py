from machine import I2C, Pin
import time

time.sleep_ms(100)
i2c = I2C(0, scl=Pin(22), sda=Pin(21))
print("scan", [hex(a) for a in i2c.scan()])
print("read", i2c.readfrom_mem(0x42, 0, 4))
i2c.writeto_mem(0x42, 5, b"MEM")
print("read back", i2c.readfrom_mem(0x42, 0, 8))
try:
    i2c.readfrom(0x43, 1)
except OSError as e:
    print("0x43:", e)
