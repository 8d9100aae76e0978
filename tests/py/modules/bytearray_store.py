# Issue 15: an int stored into a bytearray keeps its low 8 bits, as the firmware stores an item
# (no ValueError); a slice still takes bytes.
b = bytearray(3)
b[0] = -2
b[1] = 300
b[2] = 0x41
print(b)
b[1:2] = b"xyz"
print(b, len(b))
