# Known difference (docs/differences.md): micropython.heap_lock() refuses what takes memory
# (micropython/heap_lock.py), except an empty list display, which the interpreter makes from a
# list it freed before without asking the allocator. The firmware prints "MemoryError" for
# both displays below; mpsim builds the empty list.
import micropython

x = 1
micropython.heap_lock()
try:
    print([x])
except MemoryError as e:
    print("MemoryError:", e)
try:
    print([])
except MemoryError as e:
    print("MemoryError:", e)
print(micropython.heap_unlock())
