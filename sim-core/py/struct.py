# struct/ustruct: the interpreter's packing, read as the firmware reads a format: a repeat count
# with no type after it is an error, and pack() leaves the values it was not given as zeros and
# ignores any beyond the format. Native formats (no prefix, or "@") are the board's: a 32-bit
# ABI ("l" and pointers are 4 bytes, each type aligned to its size), not the host's. The
# firmware's own typecodes: "P" a pointer, "O" an object (its address), "S" a pointer to a
# NUL-terminated string, through the board's address model (_mpsim_memory).
import _struct
from _struct import error

# Sizes (and alignments) of the native types on the boards' 32-bit ports.
_NATIVE = {"b": 1, "B": 1, "c": 1, "?": 1, "x": 1, "s": 1, "p": 1, "h": 2, "H": 2, "e": 2, "i": 4,
           "I": 4, "l": 4, "L": 4, "f": 4, "P": 4, "O": 4, "S": 4, "q": 8, "Q": 8, "d": 8}


def _plan(fmt):
    # (a standard-size format the interpreter packs, the type of each value).
    if isinstance(fmt, (bytes, bytearray)):
        fmt = str(fmt, "latin-1")
    order = "@"
    if fmt[:1] in ("<", ">", "!", "=", "@"):
        order, fmt = fmt[0], fmt[1:]
    native = order == "@"
    out = [">" if order in ">!" else "<"]
    types = []
    offset = 0
    count = None
    for c in fmt:
        if "0" <= c <= "9":
            count = (count or 0) * 10 + ord(c) - 48
            continue
        if c == " ":
            continue
        n = 1 if count is None else count
        count = None
        size = _NATIVE.get(c)
        if size is None:
            raise ValueError("bad typecode")
        std = "I" if c in "POS" else c
        if c in "sp":
            types.append(c)
            out.append("%d%s" % (n, c))
            offset += n
            continue
        if c == "x":
            out.append("%dx" % n)
            offset += n
            continue
        if native:
            pad = -offset % size
            if pad:
                out.append("%dx" % pad)
                offset += pad
        out.append("%d%s" % (n, std))
        offset += n * size
        types.extend(c * n)
    if count is not None:
        raise ValueError("bad typecode")
    return "".join(out), types


def calcsize(fmt):
    return _struct.calcsize(_plan(fmt)[0])


def _to_packed(types, values):
    if len(values) < len(types):
        values = values + tuple(b"" if t in "sp" else 0 for t in types[len(values):])
    # Values beyond the format are not looked at.
    values = values[:len(types)]
    if "O" in types:
        import _mpsim_memory
        values = tuple(_mpsim_memory.address(v) if t == "O" else v for t, v in zip(types, values))
    return values


def _from_packed(types, values):
    if "O" not in types and "S" not in types:
        return values
    import _mpsim_memory as m
    out = []
    for t, v in zip(types, values):
        if t == "O":
            v = m.object_at(v)
        elif t == "S":
            v = m.string_at(v)
        out.append(v)
    return tuple(out)


def pack(fmt, *values):
    f, types = _plan(fmt)
    return _struct.pack(f, *_to_packed(types, values))


def pack_into(fmt, buffer, offset, *values):
    f, types = _plan(fmt)
    return _struct.pack_into(f, buffer, offset, *_to_packed(types, values))


def unpack(fmt, data):
    # The firmware's unpack is its unpack_from at 0: a buffer longer than the format is fine.
    return unpack_from(fmt, data, 0)


def unpack_from(fmt, data, offset=0):
    f, types = _plan(fmt)
    if offset < 0:
        offset += len(data)
    if offset < 0 or offset + _struct.calcsize(f) > len(data):
        raise ValueError("buffer too small")
    return _from_packed(types, _struct.unpack_from(f, data, offset))
