# mpsim: --board pico
# Issue 15: the rp2 port computes in IEEE single precision and prints the shortest digits that
# read back as the same value (py/formatfloat.c, v1.28.0).
import math
print(1 / 3, math.pi, math.e, 0.1 + 0.2, 0.1 + 0.2 == 0.3)
print(float("1.0000001") == float("1.0"), float("1e300"), 1e16, 1e15, 1e-05, 0.0001)
print(2 ** 0.5, math.sqrt(2), 10 / 4, 7.0 // 2, -7.0 % 2, divmod(7.5, 2))
print(123456789.0, 16777217.0, -0.0, 1e40, -1e40)
x = 0.0
for i in range(10):
    x = x + 0.1
print(x, "%.3f" % x, "{}".format(x), f"{x}", [1.5, 0.25])
for e in (lambda: 1 / 0.0, lambda: 1.0 // 0, lambda: 2.0 % 0.0, lambda: 0.0 ** -1):
    try:
        e()
    except ZeroDivisionError as err:
        print("ZeroDivisionError:", err)
print(int(2.9), float(7), 3 * 1.1, sum([0.1] * 10))
# Formats that ask for 7 to 9 digits take the shortest form from 6 digits that reads back, as
# the firmware's formatter does: 1e28 is 9.99999944e27 as a float, printed 1e+28.
print("{:.7g}".format(1e28), "%.8g" % 1.5, "%.9e" % 0.1)
