# Known difference (docs/differences.md): FrameBuffer.text() draws mpsim's own 5x7 glyphs in the
# firmware's 8x8 cell, not the firmware's 8x8 font, so the pixels of a letter differ (the
# firmware's "h" begins with the columns 00 7f 7f 04 04). Positions, colours and clipping are the
# firmware's.
import framebuf

buf = bytearray(8)
fb = framebuf.FrameBuffer(buf, 8, 8, framebuf.MONO_VLSB)
fb.text("h", 0, 0, 1)
print(buf.hex())
