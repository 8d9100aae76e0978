# Built-in behaviour as the firmware has it (issue 15): generators can be awaited, slices cannot
# be hashed, set.pop() takes the first element, OrderedDict prints as the firmware prints it,
# and CR / CR LF line endings in source read as LF, inside string literals too.
import asyncio
from collections import OrderedDict


def gen():
    yield from asyncio.sleep_ms(1)
    return "from a generator"


async def main():
    print(await gen())


asyncio.run(main())

try:
    {}[:] = {}
except TypeError as e:
    print("TypeError:", e)

s = set(range(5))
print([s.pop() for _ in range(5)])

print(OrderedDict(), OrderedDict([("b", 1), ("a", 2)]))

exec('x = """a\r\nb\rc"""\r\nprint(repr(x))\r\n')

# sys.exit() without an argument raises SystemExit without one.
import sys

try:
    sys.exit()
except SystemExit as e:
    print("SystemExit", e.args)

# struct: a count with no type is an error; pack() leaves missing values as zeros.
import struct

for f in (lambda: struct.calcsize("1"), lambda: struct.pack("<2H1")):
    try:
        f()
    except ValueError as e:
        print("ValueError:", e)
print(struct.pack("<2I", 1), struct.pack("<H3s", 7))

# A class prints without its module; OSError's errno is its first argument.
class Thing:
    pass


print(Thing, int, type(Thing))
print(OSError(110).errno, OSError(2, "x").errno, OSError().errno)

# bytearray += itself; a stream's write(buf, n) and write(buf, off, n); seeking before the start
# is OSError(EINVAL); gc.threshold in 16-byte blocks.
import io, gc

b = bytearray(b"12")
b += b
s = io.BytesIO()
s.write(b"foo", 2)
s.write(b"foobar", 1, 3)
try:
    s.seek(-1)
except OSError as e:
    print("OSError", e.errno)
gc.threshold(100)
print(b, s.getvalue(), gc.threshold())
gc.threshold(-1)

# bytes.strip() that strips nothing is the object itself; sys.tracebacklimit keeps the outermost
# frames of a printed traceback (0: the exception alone).
s = b"abc"
print(s.strip() is s)


def inner():
    raise ValueError("deep")


def outer():
    inner()


for limit in (1, 0):
    sys.tracebacklimit = limit
    try:
        outer()
    except ValueError as e:
        sys.print_exception(e)
del sys.tracebacklimit
