# ticks_* wrap at 2**30 on the ESP8266 (issue 2).
import time
MAX = 2**30 - 1
print(time.ticks_add(MAX, 1))
print(time.ticks_add(0, -1) == MAX)
print(time.ticks_diff(0, MAX))
print(time.ticks_diff(MAX, 0))
print(time.ticks_diff(5, 10), time.ticks_diff(10, 5))
print(time.ticks_diff(time.ticks_add(100, 2**29 - 1), 100))
try:
    time.ticks_add(0, 2**29)
except OverflowError as e:
    print("OverflowError", e)
t0 = time.ticks_ms()
time.sleep_ms(250)
print(time.ticks_diff(time.ticks_ms(), t0) in (250, 251))
u0 = time.ticks_us()
time.sleep_us(1500)
print(1500 <= time.ticks_diff(time.ticks_us(), u0) < 1600)
time.sleep(1.5)
print(time.ticks_diff(time.ticks_ms(), t0) in (1750, 1751))
print(type(time.ticks_cpu()))
