# io: in-memory streams.
import _io


def _write(stream, base, buf, a, b):
    # The firmware's streams: write(buf, n) writes buf[:n], write(buf, off, n) buf[off:off + n].
    if b is not None:
        buf = memoryview(buf)[a:a + b]
    elif a is not None:
        buf = memoryview(buf)[:a]
    return base.write(stream, buf)


def _seek(stream, base, pos, whence):
    # A stream seek before the start is the same OSError(EINVAL) as a file's on the board.
    try:
        return base.seek(stream, pos, whence)
    except ValueError:
        raise OSError(22)


class BytesIO(_io.BytesIO):
    # BytesIO(n) is an empty stream with room for n bytes, as on the board.
    def __new__(cls, initial=b"", *args):
        return _io.BytesIO.__new__(cls, b"" if isinstance(initial, int) else initial)

    def __init__(self, initial=b"", *args):
        _io.BytesIO.__init__(self, b"" if isinstance(initial, int) else initial)

    def write(self, buf, a=None, b=None):
        return _write(self, _io.BytesIO, buf, a, b)

    def seek(self, pos, whence=0):
        return _seek(self, _io.BytesIO, pos, whence)


class StringIO(_io.StringIO):
    def __new__(cls, initial="", *args):
        return _io.StringIO.__new__(cls, "" if isinstance(initial, int) else initial)

    def __init__(self, initial="", *args):
        _io.StringIO.__init__(self, "" if isinstance(initial, int) else initial)

    def seek(self, pos, whence=0):
        return _seek(self, _io.StringIO, pos, whence)

SEEK_SET = 0
SEEK_CUR = 1
SEEK_END = 2


class IOBase:
    pass


def open(path, mode="r", *args, **kw):
    import os
    return os.open(path, mode, *args, **kw)
