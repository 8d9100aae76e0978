# deflate: DeflateIO over a stream (whole-stream decompression and compression).
import zlib

AUTO = 0
RAW = 1
ZLIB = 2
GZIP = 3
_WBITS = {RAW: -15, ZLIB: 15, GZIP: 31, AUTO: 47}


class DeflateIO:
    def __init__(self, stream, format=AUTO, wbits=0, close=False):
        self._s = stream
        self._fmt = format
        self._close = close
        self._buf = None
        self._pos = 0
        self._out = []

    def _fill(self):
        if self._buf is None:
            self._buf = zlib.decompress(self._s.read(), _WBITS[self._fmt])

    def read(self, n=-1):
        self._fill()
        if n is None or n < 0:
            n = len(self._buf) - self._pos
        r = self._buf[self._pos:self._pos + n]
        self._pos += len(r)
        return r

    def readinto(self, b):
        d = self.read(len(b))
        b[: len(d)] = d
        return len(d)

    def readline(self):
        self._fill()
        j = self._buf.find(b"\n", self._pos)
        return self.read(-1 if j < 0 else j + 1 - self._pos)

    def write(self, b):
        self._out.append(bytes(b))
        return len(b)

    def close(self):
        if self._out:
            fmt = self._fmt if self._fmt != AUTO else ZLIB
            c = zlib.compressobj(9, zlib.DEFLATED, _WBITS[fmt])
            self._s.write(c.compress(b"".join(self._out)) + c.flush())
            self._out = []
        if self._close:
            self._s.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()
