# mpsim: --board pico
# I2C(-1, …) on the Pico: its firmware has no legacy software-I2C spelling.
import machine
from machine import Pin

try:
    machine.I2C(-1, scl=Pin(5), sda=Pin(4))
except ValueError as e:
    print("ValueError:", e)
print(machine.SoftI2C(scl=Pin(5), sda=Pin(4)))
print(machine.SPI(0))
print(machine.SPI(1, sck=Pin(14), mosi=Pin(15), miso=Pin(12)))
try:
    machine.SPI(-1)
except ValueError as e:
    print("ValueError:", e)
