# struct/ustruct: the interpreter's packing, read as the firmware reads a format: a repeat count
# with no type after it is an error, and pack() leaves the values it was not given as zeros and
# ignores any beyond the format.
import _struct
from _struct import unpack, unpack_from, error


def _types(fmt):
    # The value-taking types of fmt, one per value (a count before "s" is the string's length).
    if isinstance(fmt, (bytes, bytearray)):
        fmt = str(fmt, "latin-1")
    out = []
    count = None
    for c in fmt:
        if "0" <= c <= "9":
            count = (count or 0) * 10 + ord(c) - 48
            continue
        if c in "<>!=@ ":
            count = None
            continue
        if c in "sp":
            out.append(c)
        elif c != "x":
            out.extend(c * (1 if count is None else count))
        count = None
    if count is not None:
        raise ValueError("bad typecode")
    return out


def calcsize(fmt):
    _types(fmt)
    return _struct.calcsize(fmt)


def _filled(fmt, values):
    types = _types(fmt)
    if len(values) < len(types):
        values = values + tuple(b"" if t in "sp" else 0 for t in types[len(values):])
    # Values beyond the format are not looked at.
    return values[:len(types)]


def pack(fmt, *values):
    return _struct.pack(fmt, *_filled(fmt, values))


def pack_into(fmt, buffer, offset, *values):
    return _struct.pack_into(fmt, buffer, offset, *_filled(fmt, values))


_unpack = unpack
_unpack_from = unpack_from


def unpack(fmt, data):
    _types(fmt)
    return _unpack(fmt, data)


def unpack_from(fmt, data, offset=0):
    _types(fmt)
    return _unpack_from(fmt, data, offset)
