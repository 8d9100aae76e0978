# mpsim: --board pico
# machine on the Raspberry Pi Pico as the rp2 port presents it (issue 7).
import sys, os, time, machine, gc
from machine import Pin, ADC, PWM, Timer, WDT

print(sys.platform, sys.implementation._machine, sys.implementation._mpy)
print(os.uname().sysname, os.uname().machine)
if machine.reset_cause() == machine.WDT_RESET:
    # The watchdog below bit: the board came up again.
    print("reset by the watchdog")
    sys.exit()
print(time.gmtime(0), machine.freq(), len(machine.unique_id()))
print(machine.reset_cause() == machine.PWRON_RESET, hasattr(machine, "SOFT_RESET"))
print(gc.mem_free() > 150000)

led = Pin("LED", Pin.OUT)
print(led, Pin("GP25") == led, Pin(25) == led)
led.toggle()
print(led.value())
led.low()
print(led.value())
b = Pin("GP14", Pin.IN, Pin.PULL_UP)
print(b, b.value())
b = Pin(14, Pin.IN, Pin.PULL_DOWN)
print(b, b.value())
print(Pin(3))
for bad in ("GP29", "D4", 30, -1):
    try:
        Pin(bad)
    except (ValueError, TypeError) as e:
        print(repr(bad), type(e).__name__, e)

t = ADC(ADC.CORE_TEMP).read_u16() * 3.3 / 65535
print("temperature %.0f C" % (27 - (t - 0.706) / 0.001721))
print("vsys %.1f V" % (ADC(3).read_u16() * 3.3 / 65535 * 3))
print(ADC(26).read_u16(), ADC(Pin(27)).read_u16(), ADC("GP28").read_u16(), hasattr(ADC(0), "read"))
for bad in (5, 25):
    try:
        ADC(bad)
    except ValueError as e:
        print("ADC(%d)" % bad, e)

pwm = PWM(Pin(15), freq=1000, duty_u16=16384)
print(pwm, pwm.freq(), pwm.duty_u16(), hasattr(pwm, "duty"))
print(pwm.duty_ns())
try:
    PWM(Pin(16), freq=4)
except ValueError as e:
    print(e)
pwm.deinit()

ticks = []
tim = Timer(period=100, mode=Timer.PERIODIC, callback=lambda t: ticks.append(time.ticks_ms()))
time.sleep_ms(550)
tim.deinit()
print("timer fired", len(ticks), "times")
try:
    Timer(0)
except ValueError as e:
    print(e)
# The plain Pico has no radio: no network stack at all.
for m in ("network", "socket", "webrepl"):
    try:
        __import__(m)
        print(m, "imported")
    except ImportError as e:
        print(m, "ImportError:", e)
try:
    WDT(timeout=9000)
except ValueError as e:
    print(e)
wdt = WDT(timeout=200)
for i in range(5):
    time.sleep_ms(100)
    wdt.feed()
print("fed in time")
time.sleep_ms(300)
print("not reached")
