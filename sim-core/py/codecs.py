# What the interpreter needs of `codecs` while it starts: it imports this module and
# encodings_ascii, encodings_utf_8 and encodings_latin_1, and registers the CodecInfo that each one's
# getregentry() returns. MicroPython has no codecs module, so these small modules take the place
# of the interpreter's own (whose 37 KB of Python were unmarshalled at every start).
from _codecs import *


class CodecInfo(tuple):
    # The 4-tuple (encode, decode, reader, writer) the interpreter's registry reads, with names.
    _is_text_encoding = True

    def __new__(cls, encode, decode, streamreader=None, streamwriter=None, incrementalencoder=None,
                incrementaldecoder=None, name=None, *, _is_text_encoding=None):
        self = tuple.__new__(cls, (encode, decode, streamreader, streamwriter))
        self.name = name
        self.encode = encode
        self.decode = decode
        self.streamreader = streamreader
        self.streamwriter = streamwriter
        self.incrementalencoder = incrementalencoder
        self.incrementaldecoder = incrementaldecoder
        if _is_text_encoding is not None:
            self._is_text_encoding = _is_text_encoding
        return self

    def __repr__(self):
        return "<codecs.CodecInfo object for encoding %s>" % self.name


class _Encoder:
    def __init__(self, fn, errors="strict"):
        self._fn = fn
        self.errors = errors

    def encode(self, text, final=False):
        return self._fn(text, self.errors)[0]

    def reset(self):
        pass

    def getstate(self):
        return 0

    def setstate(self, state):
        pass


class _Decoder:
    # Keeps the bytes of a character cut between two calls until the rest arrives.
    def __init__(self, fn, errors="strict"):
        self._fn = fn
        self.errors = errors
        self.buffer = b""

    def decode(self, data, final=False):
        data = self.buffer + bytes(data)
        text, used = self._fn(data, self.errors, final)
        self.buffer = data[used:]
        return text

    def reset(self):
        self.buffer = b""

    def getstate(self):
        return (self.buffer, 0)

    def setstate(self, state):
        self.buffer = state[0]


class _Writer:
    def __init__(self, fn, stream, errors="strict"):
        self._fn = fn
        self.stream = stream
        self.errors = errors

    def write(self, text):
        self.stream.write(self._fn(text, self.errors)[0])

    def reset(self):
        pass


class _Reader:
    def __init__(self, fn, stream, errors="strict"):
        self._dec = _Decoder(fn, errors)
        self.stream = stream
        self.errors = errors

    def read(self, size=-1):
        data = self.stream.read() if size is None or size < 0 else self.stream.read(size)
        return self._dec.decode(data, not data)

    def reset(self):
        self._dec.reset()


def _codec(name, encode, decode):
    # `decode(data, errors, final)` -> (text, bytes used).
    return CodecInfo(
        encode,
        lambda data, errors="strict": decode(data, errors, True),
        lambda stream, errors="strict": _Reader(decode, stream, errors),
        lambda stream, errors="strict": _Writer(encode, stream, errors),
        lambda errors="strict": _Encoder(encode, errors),
        lambda errors="strict": _Decoder(decode, errors),
        name,
    )
