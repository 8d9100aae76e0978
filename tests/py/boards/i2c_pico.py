# mpsim: --board pico
# I2C on the Pico (issue 7): machine.I2C on its default pins with nothing attached; the rp2 port
# reports a chip that does not answer as EIO.
from machine import I2C, SoftI2C, Pin

i2c = I2C(0)
print(i2c, i2c.scan(), I2C(1, scl=Pin(15), sda=Pin(14)))
print(SoftI2C(scl=Pin(3), sda=Pin(2)).scan())
for bad in (lambda: i2c.readfrom(0x3C, 1), lambda: i2c.writeto(0x3C, b"x"), lambda: I2C(2),
            lambda: SoftI2C(scl=Pin(3), sda=Pin(2)).readfrom_mem(0x68, 0x75, 1)):
    try:
        bad()
    except (OSError, ValueError) as e:
        print(type(e).__name__, e)
