# Known difference (docs/differences.md): micropython.heap_lock() refuses only the operations
# that make a block of a size the script chooses. The firmware prints "MemoryError" for the list
# display below too; mpsim prints [1].
import micropython

micropython.heap_lock()
for make in (lambda: bytearray(4), lambda: [0] * 4, lambda: [1]):
    try:
        print(make())
    except MemoryError as e:
        print("MemoryError:", e)
print(micropython.heap_unlock())
