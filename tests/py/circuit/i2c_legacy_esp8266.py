# I2C(-1, …) on the ESP8266, whose machine.I2C is the software one: the -1 takes SCL's place,
# as extmod's argument parsing does; SPI(-1, …) warns and makes a SoftSPI.
import machine
from machine import Pin

for make in (lambda: machine.I2C(-1, scl=Pin(5), sda=Pin(4)),
             lambda: machine.I2C(-1, Pin(5), Pin(4)),
             lambda: machine.I2C(sda=Pin(4))):
    try:
        make()
    except Exception as e:
        print(type(e).__name__, e)
print(machine.I2C(scl=Pin(5), sda=Pin(4)))
print(machine.I2C(Pin(5), Pin(4)).scan())
spi = machine.SPI(-1, baudrate=100000, sck=Pin(14), mosi=Pin(13), miso=Pin(12))
print(type(spi).__name__, spi.read(2))
print(machine.SPI(1))
try:
    machine.SPI(0)
except ValueError as e:
    print(e)
