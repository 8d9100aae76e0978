# machine loads its less used classes on first use; a program cannot tell (issue 2: start-up).
import gc
import machine

names = ("ADC", "PWM", "Timer", "RTC", "UART", "WDT", "I2C", "SoftI2C", "Pin", "Signal")
print([n in dir(machine) for n in names])
gc.collect()
free = gc.mem_free()
print(machine.PWM.__name__, machine.Timer.__name__, machine.I2C.__name__, machine.UART.__name__)
gc.collect()
# Firmware does not take the program's heap, loaded early or late.
print("heap taken by loading:", free - gc.mem_free() < 256)
ns = {}
exec("from machine import *", ns)
print(sorted(n for n in names if n in ns))
try:
    machine.NoSuchThing
except AttributeError as e:
    print("AttributeError")
t = machine.Timer(-1)
t.init(period=10, mode=machine.Timer.ONE_SHOT, callback=lambda t: print("timer fired"))
import time
time.sleep_ms(20)
