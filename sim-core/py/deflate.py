# deflate: DeflateIO, a stream that decompresses what it reads from another stream, or compresses
# what is written to it, as the firmware's (extmod/moddeflate.c, on mpsim's own engine): the source
# is read one byte at a time and only as far as the output needs; compressed bytes go to the
# stream one at a time as they are completed; errors are the firmware's (EINVAL for bad data or a
# closed DeflateIO, EOFError at the source's end, the stream's own errno).
import _mpsim_deflate as _engine

AUTO = 0
RAW = 1
ZLIB = 2
GZIP = 3


def _einval():
    return OSError(22)


def _write(stream, data):
    # As the firmware's stream write: a negative count is that errno.
    n = stream.write(data)
    if n is not None and n < 0:
        raise OSError(-n)
    return n


class DeflateIO:
    def __init__(self, stream, format=AUTO, wbits=0, close=False):
        if not 0 <= format <= 3:
            raise ValueError("format")
        if wbits != 0 and not 5 <= wbits <= 15:
            raise ValueError("wbits")
        self._s = stream
        self._fmt = format
        self._wbits = wbits
        self._close = bool(close)
        self._inf = None
        self._def = None

    def _read(self, n):
        if self._s is None:
            raise _einval()
        if self._inf is None:
            if not hasattr(self._s, "readinto") and not hasattr(self._s, "read"):
                raise OSError("stream operation not supported")
            self._inf = _engine.inflater(self._fmt, self._wbits)
        if _engine.inflate_done(self._inf):
            return b""
        return _engine.inflate(self._inf, self._s, n)

    def read(self, n=-1):
        if n is None or n < 0:
            out = []
            while True:
                chunk = self._read(256)
                if not chunk:
                    return b"".join(out)
                out.append(chunk)
        if n == 0:
            return b""
        out = []
        while n > 0:
            chunk = self._read(n)
            if not chunk:
                break
            out.append(chunk)
            n -= len(chunk)
        return b"".join(out)

    def readinto(self, buf, n=-1):
        if n < 0 or n > len(buf):
            n = len(buf)
        data = self.read(n)
        buf[:len(data)] = data
        return len(data)

    def readline(self, limit=-1):
        out = []
        while limit != 0:
            c = self.read(1)
            if not c:
                break
            out.append(c)
            limit -= 1
            if c == b"\n":
                break
        return b"".join(out)


    def write(self, data):
        if self._s is None:
            raise _einval()
        if isinstance(data, str):
            data = data.encode()
        if self._def is None:
            comp, header = _engine.compressor(self._fmt, self._wbits)
            if header:
                try:
                    _write(self._s, bytearray(header))
                except OSError:
                    # A header the stream refuses: the firmware's EINVAL.
                    raise _einval()
            self._def = comp
        _put(self._s, _engine.compress(self._def, data))
        return len(data)

    def close(self):
        if self._s is None:
            return
        stream, self._s = self._s, None
        try:
            if self._def is not None:
                last, trailer = _engine.compress_end(self._def)
                self._def = None
                _put(stream, last)
                if trailer:
                    _write(stream, bytearray(trailer))
        finally:
            if self._close:
                _close_stream(stream)

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


def _put(stream, data):
    # Compressed bytes go out one at a time, as the firmware's compressor makes them.
    for b in data:
        _write(stream, bytearray((b,)))


def _close_stream(stream):
    # A stream class of the script's own (io.IOBase) closes through its ioctl, as on the board.
    ioctl = getattr(type(stream), "ioctl", None)
    if ioctl is not None and not hasattr(type(stream), "close"):
        stream.ioctl(4, 0)
    else:
        stream.close()
