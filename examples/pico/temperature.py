# The RP2040's own temperature sensor on ADC channel 4, read once a second (the conversion from
# the Pico's getting-started guide: 0.706 V at 27 C, -1.721 mV per degree).
import machine
import time

sensor = machine.ADC(4)
for _ in range(3):
    volts = sensor.read_u16() * 3.3 / 65535
    celsius = 27 - (volts - 0.706) / 0.001721
    print("%.1f C" % celsius)
    time.sleep(1)
