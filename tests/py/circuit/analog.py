# mpsim: --board esp32 --wiring tests/py/circuit/analog.toml --control pot.position=1@1s --control fader.position=0.1@1s --control ntc.temperature=60@1s --control stick.x=-1@1s --control stick.pressed=1@1s --control ldr.lux=1@1s
# A potentiometer, a slide potentiometer (Wokwi's counts 0-100), a photoresistor module, an NTC
# module and a joystick through the ESP32's ADC: the voltages the parts put on the pins (11 dB
# attenuation: 3.3 V is about full scale), the thermistor's temperature back through the Beta
# equation, the modules' digital outputs.
import machine, math, time
from machine import ADC, Pin

def adc(n):
    a = ADC(Pin(n))
    a.atten(ADC.ATTN_11DB)
    return a

pot, ldr, ntc, horz, vert, fader = adc(34), adc(35), adc(32), adc(33), adc(36), adc(39)
do, sel = Pin(4, Pin.IN), Pin(27, Pin.IN, Pin.PULL_UP)


def volts(a):
    return a.read_uv() / 1e6


def celsius(v):
    # The module: OUT = R_ntc / (R_ntc + 10k) of the 3.3 V supply; 10k at 25 C, Beta 3950.
    r = 10000 * v / (3.3 - v)
    return 1 / (math.log(r / 10000) / 3950 + 1 / 298.15) - 273.15


for label in ("at boot", "at 1 s"):
    print(label)
    print("  pot %.2f V" % volts(pot), pot.read(), "ldr %.2f V" % volts(ldr), "dark" if do.value() else "light")
    print("  ntc %.1f C" % celsius(volts(ntc)), "fader %.2f V" % volts(fader))
    print("  joystick %.2f V %.2f V" % (volts(horz), volts(vert)), "pressed" if not sel.value() else "released")
    time.sleep(1)
