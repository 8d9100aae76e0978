# Issue 15: uctypes as the firmware has it — a descriptor over a buffer's memory, read and written
# in place, bitfields, arrays, pointers, sizes, and addresses machine.mem32 reaches.
import uctypes
import machine

# An Ethernet-like header, big endian, over a received buffer.
HDR = {
    "dst": (uctypes.ARRAY | 0, uctypes.UINT8 | 6),
    "src": (uctypes.ARRAY | 6, uctypes.UINT8 | 6),
    "type": uctypes.UINT16 | 12,
    "ver": uctypes.BFUINT8 | 14 | 4 << uctypes.BF_POS | 4 << uctypes.BF_LEN,
    "ihl": uctypes.BFUINT8 | 14 | 0 << uctypes.BF_POS | 4 << uctypes.BF_LEN,
    "words": (uctypes.ARRAY | 16, uctypes.INT16 | 2),
    "sub": (16, {"lo": uctypes.INT8 | 0, "hi": uctypes.UINT8 | 1}),
}
buf = bytearray(b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00\x45\x00\xfe\x80\x00\x10")
h = uctypes.struct(uctypes.addressof(buf), HDR, uctypes.BIG_ENDIAN)
print(uctypes.sizeof(HDR, uctypes.BIG_ENDIAN), uctypes.sizeof(h), uctypes.sizeof(HDR))
print(h.dst, bytes(h.src), hex(h.type), h.ver, h.ihl)
print(h.words[0], h.words[1], h.sub.lo, h.sub.hi)
h.ihl = 6
h.type = 0x86DD
h.dst[0] = 0x11
h.words[1] = -2
print(buf)
try:
    h.words[2]
except IndexError as e:
    print("IndexError", e)
try:
    h.nosuch
except KeyError as e:
    print("KeyError", e)

# The same memory through machine.mem32 (little endian words, as the chip reads them).
a = uctypes.addressof(buf)
print(a % 4 == 0, hex(machine.mem32[a]))
machine.mem8[a + 1] = 0x22
print(buf[:2], uctypes.bytes_at(a, 3), uctypes.addressof(buf) == a)

# A pointer to another buffer, dereferenced as bytes and as a structure.
target = bytearray(b"\x10\x20\x30\x40")
cell = bytearray(uctypes.addressof(target).to_bytes(4, "little"))
p = uctypes.struct(uctypes.addressof(cell), {"p": (uctypes.PTR | 0, uctypes.UINT16),
                                             "q": (uctypes.PTR | 0, {"x": uctypes.UINT8 | 1})})
print(int(p.p) == uctypes.addressof(target), hex(p.p[1]), p.q[0].x)
p.p[0] = 0xBEEF
print(target)

# bytearray_at reads and writes the memory it was made over.
view = uctypes.bytearray_at(uctypes.addressof(target), 2)
print(view, type(view), uctypes.addressof(view) == uctypes.addressof(target))
view[1] = 0x55
print(target)

# Native layout: sizes rounded to the largest field, floats in place.
F = {"n": uctypes.UINT8 | 0, "f": uctypes.FLOAT32 | 4, "d": (uctypes.ARRAY | 8, uctypes.FLOAT64 | 1)}
print(uctypes.sizeof(F), uctypes.sizeof(F, uctypes.LITTLE_ENDIAN))
fb = bytearray(16)
s = uctypes.struct(uctypes.addressof(fb), F)
s.f = 1.5
s.d[0] = -0.25
print(s.f, s.d[0], fb[4:8])
print(s, uctypes.struct(0, (uctypes.PTR | 0, uctypes.UINT8)))

# What the firmware refuses.
for bad in (lambda: uctypes.struct(buf, HDR), lambda: uctypes.sizeof(5), lambda: hash(h),
            lambda: setattr(h, "dst", 1), lambda: h[0], lambda: uctypes.addressof(12)):
    try:
        bad()
    except TypeError as e:
        print("TypeError", e)
