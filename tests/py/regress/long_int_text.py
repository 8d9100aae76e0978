# The firmware converts ints of any length to and from text: CPython's 4300-digit limit
# (ValueError "Exceeds the limit …") is not there.
x = 2 ** 20000
s = str(x)
print(len(s), s[:12], s[-12:])
print(int("7" * 5000) % 1000003)
print(len("%d" % x), len("{}".format(x)), len(repr(-x)))
print(int(s) == x)
