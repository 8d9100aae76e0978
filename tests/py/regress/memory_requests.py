# Issue 15: a single request far beyond the board's heap is a MemoryError the script can catch
# (it ended the whole simulator, serial port and window included).
for expr in ("bytearray(10**9)", "bytes(10**9)", "[0] * 10**8", "b'x' * 300_000_000",
             "'ab' * 10**9", "(1,) * 10**9", "list(range(10**9))", "[].extend(range(10**9))"):
    try:
        eval(expr)
        print(expr, "allocated")
    except MemoryError:
        print(expr, "MemoryError")
# A size beyond a machine word is not a size at all on the firmware.
for expr in ("bytearray(10**12)", "bytes(2**40)"):
    try:
        eval(expr)
    except OverflowError as e:
        print(expr, "OverflowError:", e)
x = [1]
try:
    x *= 10**9
except MemoryError:
    print("x *= 10**9 MemoryError", x)
print(len(bytearray(100)), len([1] * 10), len(list(range(50))), "still works")
