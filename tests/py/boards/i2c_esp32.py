# mpsim: --board esp32
# I2C on the ESP32 (issue 7): I2C(0) and I2C(1) on the port's default pins, nothing attached:
# ENODEV for a chip that does not answer.
from machine import I2C, Pin

i2c = I2C(0)
print(i2c, I2C(1), I2C(1, scl=Pin(22), sda=Pin(21)), i2c.scan())
for bad in (lambda: i2c.readfrom_mem(0x68, 0x75, 1), lambda: I2C(2)):
    try:
        bad()
    except (OSError, ValueError) as e:
        print(type(e).__name__, e)
