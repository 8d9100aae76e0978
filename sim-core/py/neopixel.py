# neopixel: WS2812 LED strips on a pin (MicroPython's neopixel, plus the micro:bit's clear() and
# show()). write() sends the colours to the strip: the window draws it.
import _mpsim

_SHOW = _mpsim.board_info()["neopixel_show"]


def _gpio(pin):
    for attr in ("_gpio", "_id"):
        g = getattr(pin, attr, None)
        if isinstance(g, int):
            return g
    raise TypeError("expecting a pin")


class NeoPixel:
    ORDER = (1, 0, 2, 3)

    def __init__(self, pin, n, bpp=3, timing=1):
        if bpp not in (3, 4):
            raise ValueError("invalid bpp")
        if n < 0:
            raise ValueError("invalid number of pixels")
        self.pin = pin
        self._gpio = _gpio(pin)
        self.n = n
        self.bpp = bpp
        self.timing = timing
        self.buf = bytearray(n * bpp)

    def __len__(self):
        return self.n

    def __setitem__(self, i, v):
        if isinstance(i, slice):
            for k, c in zip(range(*i.indices(self.n)), v):
                self[k] = c
            return
        if i < 0:
            i += self.n
        if not 0 <= i < self.n:
            raise IndexError("index out of range")
        if len(v) != self.bpp:
            raise ValueError("expected %d values" % self.bpp)
        off = i * self.bpp
        for k in range(self.bpp):
            c = int(v[k])
            if not 0 <= c <= 255:
                raise ValueError("invalid colour")
            self.buf[off + self.ORDER[k]] = c

    def __getitem__(self, i):
        if i < 0:
            i += self.n
        if not 0 <= i < self.n:
            raise IndexError("index out of range")
        off = i * self.bpp
        return tuple(self.buf[off + self.ORDER[k]] for k in range(self.bpp))

    def fill(self, v):
        for i in range(self.n):
            self[i] = v

    def write(self):
        # The wire carries G, R, B(, W) per pixel; the strip shows R, G, B.
        rgb = bytearray(self.n * 3)
        for i in range(self.n):
            r, g, b = self[i][:3]
            rgb[i * 3:i * 3 + 3] = bytes((r, g, b))
        _mpsim.strip_set(self._gpio, rgb)

    if _SHOW:
        show = write

        def clear(self):
            self.fill((0,) * self.bpp)
            self.write()
