# mpsim: --board esp32 --wiring tests/py/circuit/parking.toml --control sonar.distance=12.5@1s --control sonar.distance=400@2s
# An HC-SR04 read the two ways drivers do: machine.time_pulse_us on ECHO, and a busy-wait loop on
# time.ticks_us; a trigger pulse shorter than 10 µs starts nothing; out of range is a 38 ms pulse;
# an IRQ on ECHO sees both edges.
import machine, time

trig = machine.Pin(5, machine.Pin.OUT, value=0)
echo = machine.Pin(18, machine.Pin.IN)


def trigger(width=10):
    trig.value(0)
    time.sleep_us(2)
    trig.value(1)
    time.sleep_us(width)
    trig.value(0)


def by_pulse():
    trigger()
    return machine.time_pulse_us(echo, 1, 30000)


def by_ticks():
    trigger()
    while echo.value() == 0:
        t1 = time.ticks_us()
    while echo.value() == 1:
        t2 = time.ticks_us()
    return time.ticks_diff(t2, t1)


us = by_pulse()
print("time_pulse_us:", us, "us,", round(us / 58.3, 1), "cm")
us = by_ticks()
print("busy wait: about", round(us / 58.3), "cm")
trigger(5)
print("5 us trigger:", machine.time_pulse_us(echo, 1, 30000))
time.sleep(1)
us = by_pulse()
print("at 1 s:", round(us / 58.3, 1), "cm")
time.sleep(1)
print("out of range:", by_pulse())
time.sleep_ms(60)  # the 38 ms pulse ends before the next measurement
edges = []
echo.irq(lambda p: edges.append((p.value(), time.ticks_us())), machine.Pin.IRQ_RISING | machine.Pin.IRQ_FALLING)
trigger()
time.sleep_ms(50)
print("IRQ edges:", [v for v, _ in edges], "pulse", (time.ticks_diff(edges[1][1], edges[0][1]) + 500) // 1000, "ms")
