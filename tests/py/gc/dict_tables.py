# A dict's or a set's table counts against the heap about as the firmware's does: py/map.c keeps
# a 1000-entry dict in 1223 slots of two words (9.8 KB), so two of them and a copy's worth of
# room fit the ESP8266's 38 KB heap (MicroPython's stress/dict_copy.py). A list stays one word
# an item.
import gc

gc.collect()
free0 = gc.mem_free()
a = {i: 2 * i for i in range(1000)}
d1 = free0 - gc.mem_free()
print("dict", 8000 < d1 < 14000)
b = a.copy()
d2 = free0 - gc.mem_free() - d1
print("copy", 8000 < d2 < 14000)
print(len(b), b[999], b == a)
s = set(range(1000, 1500))
d3 = free0 - gc.mem_free() - d1 - d2
print("set", 2000 < d3 < 7000)
del a, b, s
gc.collect()
print("freed", abs(gc.mem_free() - free0) < 1024)
l = [None] * 2000
print("list", 7000 < free0 - gc.mem_free() < 9000)
del l
# Tables keep counting: dicts of dicts until the heap is full, then MemoryError, then room again.
keep = []
try:
    while True:
        keep.append({j: None for j in range(100)})
except MemoryError:
    n = len(keep)
    keep = None
print("filled", 15 < n < 60)
gc.collect()
print("room again", gc.mem_free() > free0 - 1024)
