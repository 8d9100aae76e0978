# mpsim: --heap 16M
# Known difference (docs/differences.md): with a large heap, the host's own memory behind it is
# bounded too (the heap's size plus 24 MB). An int takes no heap room (the firmware keeps a small
# int in a word) but about a hundred bytes of the host's, so a million distinct ints meet
# MemoryError here, where a 16 MB heap on the firmware holds them (a list of 4 MB).
l = []
try:
    for i in range(1000000):
        l.append(1000000 + i)
    print("held", len(l))
except MemoryError:
    n = len(l)
    l = None
    print("MemoryError before", 1000000, "ints:", n < 1000000)
