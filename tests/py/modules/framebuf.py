# framebuf: formats, clipping, the drawing primitives, text, scroll, blit.
import framebuf


def show(fb, w, h):
    for y in range(h):
        print("".join("#" if fb.pixel(x, y) else "." for x in range(w)))
    print()


buf = bytearray(16 * 2)
fb = framebuf.FrameBuffer(buf, 16, 16, framebuf.MONO_VLSB)
print(framebuf.MVLSB == framebuf.MONO_VLSB, framebuf.MONO_HLSB, framebuf.RGB565, framebuf.GS8)
fb.fill(0)
fb.text("A", 0, 0)
fb.text("b", 7, 5)  # not on a page boundary, clipped on the right
show(fb, 16, 16)
print(bytes(buf[:8]).hex())

fb.fill(0)
fb.rect(1, 1, 14, 14, 1)
fb.fill_rect(4, 4, 3, 3, 1)
fb.hline(-5, 8, 100, 1)
fb.vline(12, -3, 6, 1)
fb.line(0, 15, 15, 9, 1)
show(fb, 16, 16)

fb.fill(0)
fb.ellipse(7, 7, 6, 4, 1)
fb.ellipse(7, 7, 2, 2, 1, True)
show(fb, 16, 16)
fb.fill(0)
fb.ellipse(7, 7, 5, 5, 1, True, 0b0101)
show(fb, 16, 16)

fb.fill(0)
fb.poly(2, 2, bytearray([0, 0, 10, 0, 5, 10]), 1, True)
show(fb, 16, 16)

fb.fill(0)
fb.text("x", 0, 0)
fb.scroll(3, 2)
show(fb, 12, 12)

print(fb.pixel(16, 0), fb.pixel(-1, 0), fb.pixel(0, 16))
fb.pixel(20, 20, 1)  # ignored

# MONO_HLSB and MONO_HMSB: bit order within a byte.
for fmt in (framebuf.MONO_HLSB, framebuf.MONO_HMSB):
    b = bytearray(8)
    f = framebuf.FrameBuffer(b, 8, 8, fmt)
    f.pixel(0, 0, 1)
    f.pixel(2, 1, 1)
    print(fmt, list(b[:2]))

# Colour formats.
b = bytearray(4 * 4 * 2)
f = framebuf.FrameBuffer(b, 4, 4, framebuf.RGB565)
f.fill(0x1234)
f.pixel(1, 0, 0xABCD)
print(hex(f.pixel(0, 0)), hex(f.pixel(1, 0)), bytes(b[:4]).hex())
for fmt, n in ((framebuf.GS2_HMSB, 4), (framebuf.GS4_HMSB, 8), (framebuf.GS8, 16)):
    b = bytearray(n)
    f = framebuf.FrameBuffer(b, 4, 4, fmt)
    f.pixel(0, 0, 3)
    f.pixel(1, 0, 2)
    print(fmt, bytes(b).hex(), f.pixel(0, 0), f.pixel(1, 0))

# blit with a transparent key and a palette.
src = framebuf.FrameBuffer(bytearray(4 * 4), 4, 4, framebuf.GS8)
src.fill(5)
src.pixel(1, 1, 9)
dst = framebuf.FrameBuffer(bytearray(6 * 6), 6, 6, framebuf.GS8)
dst.fill(0)
dst.blit(src, 1, 1, 5)
print([dst.pixel(x, 2) for x in range(6)])
dst.blit(src, 4, 4)
print([dst.pixel(x, 5) for x in range(6)])
pal = framebuf.FrameBuffer(bytearray(10), 10, 1, framebuf.GS8)
pal.pixel(5, 0, 7)
dst.blit(src, 0, 0, -1, pal)
print([dst.pixel(x, 0) for x in range(6)])
mono = (bytearray([0xFF]), 8, 1, framebuf.MONO_HLSB)
dst.blit(mono, 0, 3)
print([dst.pixel(x, 3) for x in range(6)])

# The firmware's own size rule: rows but the last take a whole stride.
for args in ((bytearray(7), 8, 8, framebuf.MONO_VLSB), (bytearray(8), 8, 8, 99), (bytearray(8), 0, 8, 0),
             (bytearray(8), 8, 8, 0, 4), (bytearray(12), 4, 9, framebuf.MONO_VLSB, 8),
             (bytearray(11), 4, 9, framebuf.MONO_VLSB, 8), (bytearray(21), 3, 3, framebuf.RGB565, 4),
             (bytearray(22), 3, 3, framebuf.RGB565, 4)):
    try:
        framebuf.FrameBuffer(*args)
        print("ok", len(args[0]))
    except ValueError as e:
        print("ValueError", repr(str(e)))
try:
    dst.blit(bytearray(4), 0, 0)
except TypeError:
    print("TypeError")
fb1 = framebuf.FrameBuffer1(bytearray(8), 8, 8)
fb1.pixel(0, 0, 1)
print(fb1.pixel(0, 0))
# bytes() of a frame buffer is its memory; a blit source tuple of the wrong length is ValueError.
small = framebuf.FrameBuffer(bytearray(2), 2, 1, framebuf.GS8)
small.pixel(1, 0, 7)
print(bytes(small))
for src in ((0, 0, 0), (0, 0, 0, 0, 0, 0)):
    try:
        small.blit(src, 0, 0)
    except ValueError:
        print("ValueError")
# A FrameBuffer gives its pixels' bytes through the buffer protocol, as the firmware's.
fb = framebuf.FrameBuffer(bytearray(2), 8, 1, framebuf.MONO_HLSB)
fb.pixel(0, 0, 1)
fb.pixel(4, 0, 1)
print(bytearray(fb), memoryview(fb)[0])
