# Known difference (docs/differences.md): micropython.heap_lock() refuses what takes memory
# (micropython/heap_lock.py), except a display whose object the interpreter reuses from one
# of its type freed before, without asking the allocator: an empty list always; a tuple or dict
# when one of the same size was freed. The firmware prints "MemoryError" for both lines
# below; mpsim builds the empty list.
import micropython

x = 1


def show(make):
    try:
        print(make())
    except MemoryError as e:
        print("MemoryError:", e)


micropython.heap_lock()
show(lambda: [x])
show(lambda: [])
print(micropython.heap_unlock())
