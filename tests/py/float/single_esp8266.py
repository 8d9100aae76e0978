# Issue 15: the ESP8266 computes in single precision and keeps a float in 30 bits (object
# representation C: the two lowest mantissa bits are dropped, and refilled from the two above
# them when read); it prints the shortest digits that read back as the same 30-bit value
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
# Floats read from an array or unpacked from bytes are board values too.
import array, struct, sys
pi_bits = array.array("f", (0x40490FDB).to_bytes(4, sys.byteorder))[0]
print(pi_bits == math.pi, list(array.array("f", [0.1, 1.5])), struct.unpack("f", struct.pack("f", 0.1)))
# An array of floats prints its items as floats print.
print(array.array("f", [1, 2.5, 0.1]), array.array("d", [3]), array.array("f"))
