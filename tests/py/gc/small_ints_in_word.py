# mpsim: --board esp8266
# A small int lives inside the word that refers to it on the firmware: a dict of a thousand int
# keys and values fits the ESP8266's heap (MicroPython's stress/dict_create.py), and a list of
# them takes one word per item.
import gc

d = {}
try:
    for x in range(1, 1000):
        d[x] = x
    print("all", len(d))
except MemoryError:
    print("MemoryError before the last entry:", len(d))
gc.collect()
before = gc.mem_alloc()
ints = [i + 100000 for i in range(500)]
gc.collect()
# 500 words of table (2000 bytes) and nothing for the ints themselves.
print("list of 500 ints within 2300 bytes:", gc.mem_alloc() - before < 2300)
# A list the heap still holds (2000 words), asked for at once, passes the check made before it.
big = list(range(1000, 3000))
print(len(big))
