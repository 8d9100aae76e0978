# framebuf: frame buffers over a bytearray, in MicroPython's pixel formats, with its drawing
# primitives and its 8x8 text cell. The glyphs are mpsim's own 5x7 font (ASCII 32-126, and a block
# for anything else), one byte per column, least significant bit at the top.
import _mpsim

if "framebuf" in _mpsim.board_info()["absent_modules"]:
    raise ImportError("no module named 'framebuf'")

MONO_VLSB = 0
MVLSB = 0
RGB565 = 1
GS4_HMSB = 2
MONO_HLSB = 3
MONO_HMSB = 4
GS2_HMSB = 5
GS8 = 6

_FONT = bytes.fromhex(
    "00000000000000000000005f00000000000007000700000000147f147f14000000242a7f2a1200000023130864620000"
    "0036495522500000000004030000000000001c2241000000000041221c0000000014083e081400000008083e08080000"
    "0000503000000000000808080808000000006060000000000020100804020000003e5149453e00000000427f40000000"
    "0042615149460000002141454b310000001814127f1000000027454545390000003c4a49493000000001710905030000"
    "003649494936000000064949291e00000000363600000000000056360000000000081422410000000014141414140000"
    "0000412214080000000201510906000000324979413e0000007e0909097e0000007f494949360000003e414141220000"
    "007f4141221c0000007f494949410000007f090909010000003e4149497a0000007f0808087f00000000417f41000000"
    "002040413f010000007f081422410000007f404040400000007f020c027f0000007f0408107f0000003e4141413e0000"
    "007f090909060000003e4151215e0000007f09192946000000464949493100000001017f01010000003f4040403f0000"
    "001f2040201f0000003f4038403f000000631408146300000007087008070000006151494543000000007f4141000000"
    "0002040810200000000041417f0000000004020102040000004040404040000000000102040000000020545454780000"
    "007f484444380000003844444420000000384444487f0000003854545418000000087e0901020000000c5252523e0000"
    "007f0804047800000000447d40000000002040443d000000007f1028440000000000417f40000000007c041804780000"
    "007c0804047800000038444444380000007c14141408000000081414187c0000007c0804040800000048545454200000"
    "00043f4440200000003c4040207c0000001c2040201c0000003c4030403c00000044281028440000000c5050503c0000"
    "004464544c44000000000836410000000000007f0000000000004136080000000008040810080000007f7f7f7f7f0000"
)


def _cdiv(a, b):
    # C's integer division (towards zero), which the firmware's arithmetic uses.
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


class FrameBuffer:
    def __init__(self, buffer, width, height, format, stride=None):
        width, height, format = int(width), int(height), int(format)
        stride = width if stride is None else int(stride)
        if width < 1 or height < 1 or width > 0xFFFF or height > 0xFFFF or stride > 0xFFFF or stride < width:
            raise ValueError()
        # Bits per pixel, the rows (or pages) a buffer must hold and the width of the last one,
        # as the firmware computes them (each row but the last takes a whole stride).
        bpp, rows, last = 1, height, width
        if format == MONO_VLSB:
            rows, last = (height + 7) // 8, width * 8
        elif format in (MONO_HLSB, MONO_HMSB):
            stride, last = (stride + 7) & ~7, (width + 7) & ~7
        elif format == GS2_HMSB:
            stride, last, bpp = (stride + 3) & ~3, (width + 3) & ~3, 2
        elif format == GS4_HMSB:
            stride, last, bpp = (stride + 1) & ~1, (width + 1) & ~1, 4
        elif format == GS8:
            bpp = 8
        elif format == RGB565:
            bpp = 16
        else:
            raise ValueError("invalid format")
        if format == MONO_VLSB:
            need = (rows - 1) * stride + width
        else:
            need = ((rows - 1) * stride + last) * bpp // 8
        buf = memoryview(buffer)
        if len(buf) * buf.itemsize < need:
            raise ValueError()
        self._buf = buffer if isinstance(buffer, bytearray) else buf.cast("B")
        self._w = width
        self._h = height
        self._stride = stride
        self._fmt = format

    def __bytes__(self):
        # bytes(fbuf) is the frame buffer's memory, as through the firmware's buffer protocol.
        return bytes(self._buf)

    # One pixel, inside the buffer (callers clip).
    def _set(self, x, y, c):
        f, b = self._fmt, self._buf
        if f == MONO_VLSB:
            i = (y >> 3) * self._stride + x
            if c & 1:
                b[i] |= 1 << (y & 7)
            else:
                b[i] &= ~(1 << (y & 7)) & 0xFF
        elif f == MONO_HLSB or f == MONO_HMSB:
            i = (x + y * self._stride) >> 3
            bit = (7 - (x & 7)) if f == MONO_HLSB else (x & 7)
            if c & 1:
                b[i] |= 1 << bit
            else:
                b[i] &= ~(1 << bit) & 0xFF
        elif f == GS8:
            b[x + y * self._stride] = c & 0xFF
        elif f == RGB565:
            i = (x + y * self._stride) * 2
            b[i] = c & 0xFF
            b[i + 1] = (c >> 8) & 0xFF
        elif f == GS4_HMSB:
            i = (x + y * self._stride) >> 1
            if x & 1:
                b[i] = (c & 0x0F) | (b[i] & 0xF0)
            else:
                b[i] = ((c << 4) & 0xF0) | (b[i] & 0x0F)
        else:  # GS2_HMSB
            i = (x + y * self._stride) >> 2
            s = (x & 3) * 2
            b[i] = (b[i] & ~(3 << s) & 0xFF) | ((c & 3) << s)

    def _get(self, x, y):
        f, b = self._fmt, self._buf
        if f == MONO_VLSB:
            return (b[(y >> 3) * self._stride + x] >> (y & 7)) & 1
        if f == MONO_HLSB or f == MONO_HMSB:
            bit = (7 - (x & 7)) if f == MONO_HLSB else (x & 7)
            return (b[(x + y * self._stride) >> 3] >> bit) & 1
        if f == GS8:
            return b[x + y * self._stride]
        if f == RGB565:
            i = (x + y * self._stride) * 2
            return b[i] | (b[i + 1] << 8)
        if f == GS4_HMSB:
            v = b[(x + y * self._stride) >> 1]
            return v & 0x0F if x & 1 else v >> 4
        return (b[(x + y * self._stride) >> 2] >> ((x & 3) * 2)) & 3

    def _rect(self, x, y, w, h, c):
        # A filled rectangle, clipped.
        if w < 1 or h < 1 or x + w <= 0 or y + h <= 0 or x >= self._w or y >= self._h:
            return
        x0, y0 = max(x, 0), max(y, 0)
        x1, y1 = min(x + w, self._w), min(y + h, self._h)
        if self._fmt == MONO_VLSB:
            b, stride = self._buf, self._stride
            y = y0
            while y < y1:
                page, top = y >> 3, y & 7
                n = min(8 - top, y1 - y)
                mask = ((1 << n) - 1) << top
                row = page * stride
                if n == 8:
                    b[row + x0:row + x1] = (b"\xff" if c & 1 else b"\x00") * (x1 - x0)
                else:
                    for i in range(row + x0, row + x1):
                        b[i] = (b[i] | mask) if c & 1 else (b[i] & ~mask & 0xFF)
                y += n
            return
        if self._fmt == GS8:
            for yy in range(y0, y1):
                i = yy * self._stride
                self._buf[i + x0:i + x1] = bytes([c & 0xFF]) * (x1 - x0)
            return
        for yy in range(y0, y1):
            for xx in range(x0, x1):
                self._set(xx, yy, c)

    def __buffer__(self, flags):
        # The buffer protocol, as the firmware's FrameBuffer has it: the pixels' own bytes.
        return memoryview(self._buf)

    def fill(self, c):
        self._rect(0, 0, self._w, self._h, int(c))

    def fill_rect(self, x, y, w, h, c):
        self._rect(int(x), int(y), int(w), int(h), int(c))

    def pixel(self, x, y, c=None):
        x, y = int(x), int(y)
        if 0 <= x < self._w and 0 <= y < self._h:
            if c is None:
                return self._get(x, y)
            self._set(x, y, int(c))
        return None

    def hline(self, x, y, w, c):
        self._rect(int(x), int(y), int(w), 1, int(c))

    def vline(self, x, y, h, c):
        self._rect(int(x), int(y), 1, int(h), int(c))

    def rect(self, x, y, w, h, c, f=False):
        x, y, w, h, c = int(x), int(y), int(w), int(h), int(c)
        if f:
            self._rect(x, y, w, h, c)
            return
        self._rect(x, y, w, 1, c)
        self._rect(x, y + h - 1, w, 1, c)
        self._rect(x, y, 1, h, c)
        self._rect(x + w - 1, y, 1, h, c)

    def _plot(self, x, y, c):
        if 0 <= x < self._w and 0 <= y < self._h:
            self._set(x, y, c)

    def line(self, x1, y1, x2, y2, c):
        # Bresenham as the firmware steps it: along the longer axis, the end point drawn last.
        x1, y1, x2, y2, c = int(x1), int(y1), int(x2), int(y2), int(c)
        dx, sx = (x2 - x1, 1) if x2 > x1 else (x1 - x2, -1)
        dy, sy = (y2 - y1, 1) if y2 > y1 else (y1 - y2, -1)
        steep = dy > dx
        if steep:
            x1, y1, dx, dy, sx, sy = y1, x1, dy, dx, sy, sx
        e = 2 * dy - dx
        for _ in range(dx):
            if steep:
                self._plot(y1, x1, c)
            else:
                self._plot(x1, y1, c)
            while e >= 0:
                y1 += sy
                e -= 2 * dx
            x1 += sx
            e += 2 * dy
        self._plot(x2, y2, c)

    def _ellipse_points(self, cx, cy, x, y, c, fill, m):
        # The four symmetric points (or spans) of an ellipse, in the quadrants of mask m.
        if fill:
            if m & 1:
                self._rect(cx, cy - y, x + 1, 1, c)
            if m & 2:
                self._rect(cx - x, cy - y, x + 1, 1, c)
            if m & 4:
                self._rect(cx - x, cy + y, x + 1, 1, c)
            if m & 8:
                self._rect(cx, cy + y, x + 1, 1, c)
        else:
            if m & 1:
                self._plot(cx + x, cy - y, c)
            if m & 2:
                self._plot(cx - x, cy - y, c)
            if m & 4:
                self._plot(cx - x, cy + y, c)
            if m & 8:
                self._plot(cx + x, cy + y, c)

    def ellipse(self, x, y, xr, yr, c, f=False, m=None):
        cx, cy, a, b, c = int(x), int(y), int(xr), int(yr), int(c)
        m = 0xF if m is None else int(m) & 0xF
        if a == 0 and b == 0:
            if m:
                self._plot(cx, cy, c)
            return
        # Two passes, as the firmware draws it: from the right end while the slope is steep,
        # then from the top while it is shallow.
        two_a2, two_b2 = 2 * a * a, 2 * b * b
        x, y = a, 0
        dx, dy = b * b * (1 - 2 * a), a * a
        err, stop_x, stop_y = 0, two_b2 * a, 0
        while stop_x >= stop_y:
            self._ellipse_points(cx, cy, x, y, c, f, m)
            y += 1
            stop_y += two_a2
            err += dy
            dy += two_a2
            if 2 * err + dx > 0:
                x -= 1
                stop_x -= two_b2
                err += dx
                dx += two_b2
        x, y = 0, b
        dx, dy = b * b, a * a * (1 - 2 * b)
        err, stop_x, stop_y = 0, 0, two_a2 * b
        while stop_x <= stop_y:
            self._ellipse_points(cx, cy, x, y, c, f, m)
            x += 1
            stop_x += two_b2
            err += dx
            dx += two_b2
            if 2 * err + dy > 0:
                y -= 1
                stop_y -= two_a2
                err += dy
                dy += two_a2

    def poly(self, x, y, coords, c, f=False):
        x, y, c = int(x), int(y), int(c)
        pts = [int(v) for v in coords]
        n = len(pts) // 2
        if n < 1:
            return
        # The edges in the firmware's order: from the first point to the last, back to the first.
        edges = []
        px1, py1 = pts[0], pts[1]
        for i in range(n - 1, -1, -1):
            px2, py2 = pts[2 * i], pts[2 * i + 1]
            edges.append((px1, py1, px2, py2))
            px1, py1 = px2, py2
        if not f:
            for px1, py1, px2, py2 in edges:
                self.line(x + px1, y + py1, x + px2, y + py2, c)
            return
        ys = pts[1::2][:n]
        for row in range(min(ys), max(ys) + 1):
            # Where each edge crosses this row (not at its lower end), filled in pairs; the
            # pixels that rule misses at a local extreme are set one by one.
            nodes = []
            for px1, py1, px2, py2 in edges:
                if py1 != py2 and ((py1 > row >= py2) or (py1 <= row < py2)):
                    nodes.append(_cdiv(32 * px1 + _cdiv(32 * (px2 - px1) * (row - py1), py2 - py1) + 16, 32))
                elif row == max(py1, py2):
                    if py1 < py2:
                        self._plot(x + px2, y + py2, c)
                    elif py2 < py1:
                        self._plot(x + px1, y + py1, c)
                    else:
                        self.line(x + px1, y + py1, x + px2, y + py2, c)
            nodes.sort()
            for k in range(0, len(nodes) - 1, 2):
                self._rect(x + nodes[k], y + row, nodes[k + 1] - nodes[k] + 1, 1, c)

    def text(self, s, x, y, c=1):
        x, y, c = int(x), int(y), int(c)
        s = str(s)
        fast = self._fmt == MONO_VLSB and y & 7 == 0 and 0 <= y and y + 8 <= self._h
        for ch in s:
            o = ord(ch)
            if o < 32 or o > 127:
                o = 127
            g = (o - 32) * 8
            for col in range(8):
                xx = x + col
                if xx < 0 or xx >= self._w:
                    continue
                bits = _FONT[g + col]
                if fast:
                    i = (y >> 3) * self._stride + xx
                    if c & 1:
                        self._buf[i] |= bits
                    else:
                        self._buf[i] &= ~bits & 0xFF
                    continue
                row = 0
                while bits:
                    if bits & 1:
                        self._plot(xx, y + row, c)
                    bits >>= 1
                    row += 1
            x += 8

    def scroll(self, xstep, ystep):
        xstep, ystep = int(xstep), int(ystep)
        w, h = self._w, self._h
        if xstep < 0:
            xs, xe, dx = 0, w + xstep, 1
        else:
            xs, xe, dx = w - 1, xstep - 1, -1
        if ystep < 0:
            ys, ye, dy = 0, h + ystep, 1
        else:
            ys, ye, dy = h - 1, ystep - 1, -1
        yy = ys
        while yy != ye and 0 <= yy < h:
            xx = xs
            while xx != xe and 0 <= xx < w:
                sx, sy = xx - xstep, yy - ystep
                if 0 <= sx < w and 0 <= sy < h:
                    self._set(xx, yy, self._get(sx, sy))
                xx += dx
            yy += dy

    def blit(self, fbuf, x, y, key=-1, palette=None):
        # Another FrameBuffer, or (buffer, width, height, format[, stride]) as newer firmware takes.
        fbuf = _source(fbuf)
        if palette is not None:
            palette = _source(palette)
        x, y, key = int(x), int(y), int(key)
        for sy in range(max(0, -y), min(fbuf._h, self._h - y)):
            for sx in range(max(0, -x), min(fbuf._w, self._w - x)):
                col = fbuf._get(sx, sy)
                if palette is not None:
                    col = palette._get(col, 0)
                if col != key:
                    self._set(x + sx, y + sy, col)


def _source(f):
    if isinstance(f, FrameBuffer):
        return f
    if isinstance(f, tuple):
        if not 4 <= len(f) <= 5:
            raise ValueError()
        return FrameBuffer(*f)
    raise TypeError()


def FrameBuffer1(buffer, width, height, stride=None):
    return FrameBuffer(buffer, width, height, MONO_VLSB, width if stride is None else stride)
