# struct's native formats are the board's 32-bit ABI (the host's would make "l" and "P" 8 bytes),
# each type aligned to its size; the firmware's "O" (an object), "S" (a string's address) and "P".
import struct, uctypes

print([struct.calcsize(f) for f in ("l", "P", "q", "bl", "bq", "hd", "<bl", "=bl", "bbh", "3sI")])
print(struct.pack("bl", 1, 2), struct.pack("BH", 1, 2), struct.unpack("bi", bytes([7, 0, 0, 0, 9, 0, 0, 0])))


class A:
    pass


a = A()
packed = struct.pack("<O", a)
print(len(packed), struct.unpack("<O", packed)[0] is a)
text = "hello"
s = struct.unpack("<S", struct.pack("<S", uctypes.addressof(text)))[0]
print(s, s == text, struct.unpack("<P", struct.pack("<P", 1234)))
