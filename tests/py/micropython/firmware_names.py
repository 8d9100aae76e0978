# Issue 15: what the firmware has and lacks, as MicroPython prints it.
import sys, io
print(str(OSError(5)), OSError(2, "x"), OSError(999), OSError("msg"))
try:
    open("/nope")
except OSError as e:
    print(e, e.args, e.errno)
print(sys.stdout, sys.stderr, sys.stdin, sys.stdout.buffer, type(sys.stdout))
b = io.BytesIO(10)
b.write(b"ab")
print(b.getvalue(), io.StringIO(4).getvalue() == "")
for obj, name in (("", "removeprefix"), ("", "casefold"), ("", "ljust"), ({}, "__class_getitem__")):
    print(name, hasattr(obj, name))


def f():
    return 1


co = f.__code__
print(hasattr(co, "replace"), hasattr(co, "co_code"), hasattr(co, "co_name"), hasattr(co, "co_lines"))
try:
    type(co)()
except TypeError as e:
    print("TypeError:", e)
for mod in ("marshal", "cmath"):
    try:
        __import__(mod)
        print(mod, "imported")
    except ImportError as e:
        print("ImportError:", e)
# int.to_bytes writes a negative number in two's complement without signed=True.
print((-1).to_bytes(3, "little"), (-128).to_bytes(1, "big"), (5).to_bytes(2, "big"))
try:
    (-129).to_bytes(1, "big")
except OverflowError:
    print("OverflowError")
# The firmware's int has from_bytes and to_bytes only; its float has no methods.
for obj, names in ((5, ("bit_length", "real", "numerator")), (1.5, ("is_integer", "hex", "real"))):
    print(type(obj).__name__, [n for n in names if hasattr(obj, n)], hasattr(obj, "__add__"))
print(hasattr(int, "from_bytes"), hasattr(5, "to_bytes"))
# The ESP8266's firmware has no threads.
try:
    import _thread
except ImportError as e:
    print("ImportError:", e)
