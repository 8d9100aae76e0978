# machine.I2C on the ESP8266: the software controller on any two pins (machine.I2C is SoftI2C),
# nothing attached: scan finds nobody, a transfer raises ENODEV; start/write/stop see no ACK.
from machine import I2C, SoftI2C, Pin

i2c = I2C(scl=Pin(5), sda=Pin(4))
print(i2c, I2C is SoftI2C, i2c.scan())
i2c.start()
print(i2c.write(bytes([0x3C << 1])))
i2c.stop()
for bad in (lambda: i2c.readfrom(0x3C, 2), lambda: i2c.writeto_mem(0x50, 0, b"hi"), lambda: I2C(scl=Pin(7), sda=Pin(4))):
    try:
        bad()
    except (OSError, ValueError) as e:
        print(type(e).__name__, e)
