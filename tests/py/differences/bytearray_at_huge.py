# mpsim: --board pico
# Known difference (docs/differences.md, uctypes): bytearray_at over more memory than the heap
# holds is MemoryError here, as mpsim keeps a copy of those bytes; the firmware's object is the
# memory itself, and a memoryview of it refuses slices beyond 2**24 bytes (OverflowError).
from uctypes import bytearray_at

try:
    buf = bytearray_at(0, 0xFF_FFFF + 2)
    print(len(memoryview(buf)[0xFF_FFFF : 0xFF_FFFF + 1]))
except MemoryError:
    print("MemoryError")
