# A script that needs more than the board's heap gets MemoryError, and the board goes on (issue 2).
import gc
keep = []
try:
    while True:
        keep.append(bytearray(1024))
except MemoryError:
    n = len(keep)
    keep = None
    gc.collect()
    print("MemoryError after", 20 < n < 40, "KB")
try:
    big = bytearray(100000)
except MemoryError as e:
    print("MemoryError:", e)
print(gc.mem_free() > 30000)
