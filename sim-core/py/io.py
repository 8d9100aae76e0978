# io: in-memory streams.
import _io


class BytesIO(_io.BytesIO):
    # BytesIO(n) is an empty stream with room for n bytes, as on the board.
    def __new__(cls, initial=b"", *args):
        return _io.BytesIO.__new__(cls, b"" if isinstance(initial, int) else initial)

    def __init__(self, initial=b"", *args):
        _io.BytesIO.__init__(self, b"" if isinstance(initial, int) else initial)


class StringIO(_io.StringIO):
    def __new__(cls, initial="", *args):
        return _io.StringIO.__new__(cls, "" if isinstance(initial, int) else initial)

    def __init__(self, initial="", *args):
        _io.StringIO.__init__(self, "" if isinstance(initial, int) else initial)

SEEK_SET = 0
SEEK_CUR = 1
SEEK_END = 2


class IOBase:
    pass


def open(path, mode="r", *args, **kw):
    import os
    return os.open(path, mode, *args, **kw)
