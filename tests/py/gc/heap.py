# gc figures follow what the script holds against the ESP8266's ~38 KB heap (issue 2).
import gc
gc.collect()
total = gc.mem_free() + gc.mem_alloc()
print(abs(total - 38912) < 256)
free0 = gc.mem_free()
buf = bytearray(10000)
used = free0 - gc.mem_free()
print(9900 < used < 11000)
del buf
gc.collect()
print(abs(gc.mem_free() - free0) < 1024)
print(gc.isenabled())
gc.disable()
print(gc.isenabled())
gc.enable()
gc.threshold(4096)
print(gc.threshold())
print(gc.collect())
