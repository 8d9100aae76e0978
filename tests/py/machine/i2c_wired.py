# mpsim: --wiring tests/py/machine/i2c_wired.toml
# Chips from the wiring file on the buses they are wired to: found by scan, reached by every kind
# of transfer (writeto, writevto, the SoftI2C primitives between start and stop), read back.
from machine import I2C, Pin, SoftI2C

a = SoftI2C(scl=Pin(5), sda=Pin(4))
b = SoftI2C(scl=Pin(14), sda=Pin(12))
other = SoftI2C(scl=Pin(13), sda=Pin(15))
print(a.scan(), b.scan(), other.scan())
print(I2C(scl=Pin(5), sda=Pin(4)).scan())

# The SSD1306's status byte: bit 6 while the display is off.
print(a.readfrom(0x3C, 1))
a.writeto(0x3C, b"\x80\xaf")  # Co=1, command: display on
print(a.readfrom(0x3C, 1))
a.writevto(0x3C, (b"\x00", b"\xae"))  # Co=0, commands: display off
print(a.readfrom(0x3C, 1))
# One transfer in pieces: address, control byte, command, then stop.
a.start()
print(a.write(bytes([0x3C << 1, 0x00])))
print(a.write(b"\xaf"))
a.stop()
print(a.readfrom(0x3C, 1), b.readfrom(0x3D, 1))
# A chip that is not there is not acknowledged.
a.start()
print(a.write(bytes([0x3D << 1])))
a.stop()
try:
    a.writeto(0x3D, b"\x00")
except OSError as e:
    print("OSError", e.errno)
