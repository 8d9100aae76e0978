# mpsim: --board pico
# An operator that has run many times computes as it did the first time: floats stay in single
# precision however warm the line (the interpreter would otherwise switch a hot `/`, `+`, `-`
# or `*` to its own double-precision instruction), and ints, strings, lists and classes keep
# their meaning on the same lines.
import struct


def bits(x):
    return struct.pack("<f", x).hex()


def ops(x, n):
    return (x / n, x + n, x - n, x * n, n / x, n + x, n - x, n * x, x / x, x + x, x - 0.1, x * x)


def warm(x, n):
    r = None
    for _ in range(300):
        r = ops(x, n)
    return r


cold = ops(1.0, 3)
hot = warm(1.0, 3)
print([bits(v) for v in hot] == [bits(v) for v in cold], bits(hot[0]), bits(hot[10]))
# f32(1/3) * 3 rounds to exactly 1.0 in single precision (in double it would not).
print(hot[0] * 3 == 1.0, hot[0] * 3)

acc = 0.0
for i in range(1000):
    acc += 0.1
print(acc, bits(acc))
y = 1.0
for i in range(200):
    y = y / 3 * 3
print(y == 1.0, bits(y))

# The same hot lines on other types.
def mix(a, b):
    for _ in range(200):
        r = (a + b, a - b if isinstance(a, int) else None, a * 2)
    return r


print(mix(7, 5), mix(2**70, 1), mix("ab", "c"), mix((1,), (2,)), mix([1], [2]))
l = [1]
alias = l
for i in range(100):
    l += [i]
print(len(alias), alias is l)
m = [1]
other = m
for i in range(100):
    m = m + [i]
print(len(other), len(m), other is m)


class V:
    def __init__(self, v):
        self.v = v

    def __add__(self, o):
        return V(self.v + (o.v if isinstance(o, V) else o))

    def __radd__(self, o):
        return V(o * 1000 + self.v)

    def __iadd__(self, o):
        self.v = self.v * 10 + o
        return self


v = V(1)
w = v
for i in range(100):
    v = v + 1
    k = 2 + v
print(v.v, w.v, k.v)
v = V(0)
w = v
for i in range(5):
    v += 1
print(v is w, v.v)
