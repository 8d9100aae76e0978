# mpsim: --board esp8266
# Known difference (docs/differences.md): a dict's table takes more of the heap here than on the
# firmware (about 34 bytes an entry against the firmware's 8 to 14), so two dicts of a thousand
# entries do not fit the ESP8266's heap in mpsim, where the firmware holds both (MicroPython's
# stress/dict_copy.py skips itself on mpsim for this).
try:
    a = {i: 2 * i for i in range(1000)}
    b = a.copy()
    print("both", len(a), len(b))
except MemoryError:
    print("MemoryError")
