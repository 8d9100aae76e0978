# Known difference (docs/differences.md): micropython.heap_lock() keeps its depth but does not
# refuse allocations. The firmware prints "MemoryError" for the list below, mpsim prints [1].
import micropython

micropython.heap_lock()
try:
    x = [1]
    print(x)
except MemoryError:
    print("MemoryError")
print(micropython.heap_unlock())
