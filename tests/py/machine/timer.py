# Virtual timers on the ESP8266: periodic and one-shot, callbacks through the scheduler (issue 2).
from machine import Timer
import time
ticks = []
t0 = time.ticks_ms()
tim = Timer(-1)
tim.init(period=100, mode=Timer.PERIODIC, callback=lambda t: ticks.append(time.ticks_diff(time.ticks_ms(), t0)))
one = Timer(-1)
one.init(period=250, mode=Timer.ONE_SHOT, callback=lambda t: ticks.append("one"))
time.sleep_ms(550)
tim.deinit()
time.sleep_ms(300)
print(ticks)
f = Timer(0)
n = [0]
f.init(freq=20, callback=lambda t: n.__setitem__(0, n[0] + 1))
time.sleep(1)
f.deinit()
print(n[0])
print(Timer.ONE_SHOT, Timer.PERIODIC)
try:
    Timer(5)
except ValueError as e:
    print("ValueError:", e)


def bad(t):
    raise ValueError("in callback")


Timer(-1).init(period=10, mode=Timer.ONE_SHOT, callback=bad)
time.sleep_ms(20)
print("still running")
