# Known difference (docs/differences.md): a bytearray over memory (uctypes.bytearray_at) reads
# the memory when indexed, but bytes() of it sees the bytes as of its last index. On the board,
# the object is that memory: both prints show b'AB'. Writing a bytes object's memory through an
# address is a TypeError here; the board writes it.
import uctypes

buf = bytearray(b"xy")
v = uctypes.bytearray_at(uctypes.addressof(buf), 2)
buf[0] = 65
buf[1] = 66
print(bytes(v))
print(v[0], bytes(v))
b = b"cd"
try:
    uctypes.struct(uctypes.addressof(b), {"c": uctypes.UINT8 | 0}).c = 1
except TypeError as e:
    print("TypeError", e)
