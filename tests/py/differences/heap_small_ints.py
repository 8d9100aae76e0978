# Known difference (docs/differences.md): small ints take heap room on mpsim (the firmware keeps
# them inside a word), so on the ESP8266 a dict of a thousand int keys and values fills the heap
# before the last entry, where the firmware's holds them all.
d = {}
try:
    for x in range(1, 1000):
        d[x] = x
    print("all", len(d))
except MemoryError:
    print("MemoryError before the last entry:", len(d) < 999)
