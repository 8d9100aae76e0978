# Issue 15: the firmware's C modules are read-only (their globals are a fixed table in ROM), sys
# keeps the four names a script may set, frozen Python modules stay writable; errno is the
# firmware's (22 codes, a fixed errorcode dict); code objects have no attributes at the boards'
# level; a sequence iterator ends without the value its __getitem__ raised StopIteration with.
import sys, time, machine, math, errno, asyncio

for m in (sys, time, machine, math, errno):
    try:
        m.extra = 1
        print("set", m)
    except AttributeError as e:
        print("AttributeError:", e)
try:
    del time.sleep
except AttributeError as e:
    print("AttributeError:", e)
sys.ps1 = ">>> "
sys.tracebacklimit = 1000
asyncio.extra = 2
print(asyncio.extra, hasattr(time, "sleep"))

print(len(errno.errorcode), errno.errorcode[errno.ETIMEDOUT], errno.EOPNOTSUPP, hasattr(errno, "ENOTDIR"))
for op in (lambda d: d.pop(2), lambda d: d.update({1: 2}), lambda d: d.__setitem__(5, "x"), lambda d: d.clear()):
    try:
        op(errno.errorcode)
    except TypeError as e:
        print("TypeError", repr(e))
copy = errno.errorcode.copy()
copy[1000] = "mine"
print(len(copy), len(errno.errorcode), type(errno.errorcode) is type(copy) or type(errno.errorcode).__name__)


def f(x):
    return x


print(hasattr(f.__code__, "co_lines"), hasattr(f.__code__, "co_name"), hasattr(f.__code__, "co_consts"))


class Seq:
    def __getitem__(self, i):
        raise StopIteration(42)


try:
    next(iter(Seq()))
except StopIteration as e:
    print("StopIteration", e.args)

# Arrays compare as the firmware's: byte by byte with a compatible array, never equal to bytes,
# and a NotImplementedError where the layouts differ (or for floats).
import array

print(array.array("b", [97]) == b"a", b"a" == array.array("B", [97]), array.array("B", [97]) == bytearray(b"a"))
print(array.array("b", [-1]) == array.array("B", [255]), array.array("H", [1, 2]) < array.array("H", [1, 3]))
for a, b in (("b", "h"), ("f", "f"), ("i", "i")):
    try:
        print(array.array(a, [1]) == array.array(b, [1]), array.array(a, [1]) < array.array(b, [2]))
    except NotImplementedError:
        print("NotImplementedError", a, b)
