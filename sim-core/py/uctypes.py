# uctypes: structured access to memory by address, as the firmware's module (docs: library/uctypes).
#
# A descriptor is a dict of fields; a field is an int (a scalar: type in the top bits, offset in the
# rest; a bitfield also has its bit position and length) or a tuple (a sub-structure, a pointer or an
# array, the aggregate kind in the top two bits of the first item). Addresses are the chip's
# (`_mpsim_memory`): a buffer's address reaches the buffer, as on the board.
import _mpsim_memory as _mem
import struct as _struct

_bytearray = bytearray

LITTLE_ENDIAN = 0
BIG_ENDIAN = 1
NATIVE = 2

# Scalar types, in the top 4 of 31 bits (the sign bit of a 32-bit small int copied into them).
UINT8 = VOID = 0
INT8 = 1 << 27
UINT16 = 2 << 27
INT16 = 3 << 27
UINT32 = 4 << 27
INT32 = 5 << 27
UINT64 = 6 << 27
INT64 = 7 << 27
BFUINT8 = -(8 << 27)
BFINT8 = -(7 << 27)
BFUINT16 = -(6 << 27)
BFINT16 = -(5 << 27)
BFUINT32 = -(4 << 27)
BFINT32 = -(3 << 27)
FLOAT32 = -(2 << 27)
FLOAT64 = -(1 << 27)
# Aggregates, in the top 2 of 31 bits.
PTR = 1 << 29
ARRAY = -(1 << 30)
BF_POS = 17
BF_LEN = 22

_T_FLOAT32 = 14
_T_FLOAT64 = 15
_KIND_STRUCT = 0
_KIND_PTR = 1
_KIND_ARRAY = 2
_FMT = "BbHhIiQq------fd"


def _syntax():
    raise TypeError("syntax error in uctypes descriptor")


def _vtype(v):
    return (v >> 27) & 15


def _kind(v):
    return (v >> 29) & 3


def _int(v):
    if isinstance(v, bool) or not isinstance(v, int):
        _syntax()
    return v


def _scalar_size(t):
    return 4 if t == _T_FLOAT32 else 1 << ((t & 7) >> 1)


def _agg_size(t, layout, mx):
    if not t:
        _syntax()
    head = _int(t[0])
    kind = _kind(head)
    if kind == _KIND_STRUCT:
        if len(t) != 2:
            _syntax()
        return _size(t[1], layout, mx)
    if kind == _KIND_PTR:
        if len(t) != 2:
            _syntax()
        mx[0] = max(mx[0], 4)
        return 4
    if kind == _KIND_ARRAY:
        if len(t) < 2:
            _syntax()
        n = _int(t[1])
        vt = _vtype(n)
        n &= 0x07FFFFFF
        if len(t) == 2:
            item = _scalar_size(vt)
            mx[0] = max(mx[0], item)
        elif len(t) == 3:
            item = _size(t[2], layout, mx)
        else:
            _syntax()
        return item * n
    _syntax()


def _size(desc, layout, mx):
    if not isinstance(desc, dict):
        if isinstance(desc, tuple):
            return _agg_size(desc, layout, mx)
        if isinstance(desc, int) and not isinstance(desc, bool):
            raise TypeError("can't unambiguously get sizeof scalar")
        _syntax()
    total = 0
    for v in desc.values():
        if isinstance(v, int) and not isinstance(v, bool):
            vt = _vtype(v)
            off = v & 0x07FFFFFF
            if 8 <= vt <= 13:
                off &= (1 << BF_POS) - 1
            s = _scalar_size(vt)
            mx[0] = max(mx[0], s)
        elif isinstance(v, tuple):
            off = _int(v[0]) & 0x1FFFFFFF if v else 0
            s = _agg_size(v, layout, mx)
        else:
            _syntax()
        total = max(total, off + s)
    if layout == NATIVE and mx[0]:
        total = (total + mx[0] - 1) & ~(mx[0] - 1)
    return total


def sizeof(obj, layout=None):
    if isinstance(obj, _bytearray):
        return len(obj)
    if isinstance(obj, struct):
        if layout is not None:
            raise TypeError
        return _size(obj._uc_desc, obj._uc_layout, [0])
    return _size(obj, NATIVE if layout is None else layout, [0])


def _order(layout):
    return "little" if layout in (LITTLE_ENDIAN, NATIVE) else "big"


def _get(vt, addr, layout):
    size = _scalar_size(vt)
    data = _mem.read(addr, size)
    if vt >= _T_FLOAT32:
        return _struct.unpack(("<" if _order(layout) == "little" else ">") + _FMT[vt], data)[0]
    return int.from_bytes(data, _order(layout), signed=bool(vt & 1))


def _to_int(v):
    if isinstance(v, float):
        raise TypeError("can't convert float to int")
    if not isinstance(v, int):
        raise TypeError("can't convert %s to int" % type(v).__name__)
    return int(v)


def _set(vt, addr, layout, v):
    size = _scalar_size(vt)
    if vt >= _T_FLOAT32:
        data = _struct.pack(("<" if _order(layout) == "little" else ">") + _FMT[vt], v)
    else:
        data = (_to_int(v) & ((1 << (8 * size)) - 1)).to_bytes(size, _order(layout))
    _mem.write(addr, data)


def _ptr(addr):
    return int.from_bytes(_mem.read(addr, 4), "little")


def _element(base, elem, i, layout, scalar_layout, value, store):
    # Item i of an array, or of what a pointer points at: a scalar read or written, or a structure.
    if isinstance(elem, int) and not isinstance(elem, bool):
        vt = _vtype(elem)
        at = base + _scalar_size(vt) * i
        if store:
            _set(vt, at, scalar_layout, value)
            return None
        return _get(vt, at, scalar_layout)
    if store:
        raise TypeError("'struct' object doesn't support item assignment")
    return struct(base + _size(elem, layout, [0]) * i, elem, layout)


class struct:
    __slots__ = ("_uc_addr", "_uc_desc", "_uc_layout")
    __hash__ = None

    def __init__(self, addr, desc, layout=NATIVE):
        object.__setattr__(self, "_uc_addr", _to_int(addr) & 0xFFFFFFFF)
        object.__setattr__(self, "_uc_desc", desc)
        object.__setattr__(self, "_uc_layout", _to_int(layout))

    def __repr__(self):
        d = self._uc_desc
        name = "unk"
        if isinstance(d, dict):
            name = "STRUCT"
        elif isinstance(d, tuple):
            k = _kind(d[0]) if d and isinstance(d[0], int) else -1
            name = {_KIND_PTR: "PTR", _KIND_ARRAY: "ARRAY"}.get(k, "unk")
        else:
            name = "ERROR"
        return "<struct %s %x>" % (name, self._uc_addr)

    def _field(self, name, value=None, store=False):
        d = self._uc_desc
        if not isinstance(d, dict):
            raise TypeError("struct: no fields")
        f = d[name]
        addr = self._uc_addr
        layout = self._uc_layout
        if isinstance(f, int) and not isinstance(f, bool):
            vt = _vtype(f)
            off = f & 0x07FFFFFF
            if vt <= 7 or vt >= _T_FLOAT32:
                if store:
                    _set(vt, addr + off, layout, value)
                    return None
                return _get(vt, addr + off, layout)
            pos = (off >> BF_POS) & 31
            bits = (off >> BF_LEN) & 31
            off &= (1 << BF_POS) - 1
            base = vt & 6
            word = _get(base, addr + off, layout)
            mask = (1 << bits) - 1
            if not store:
                return (word >> pos) & mask
            word = (word & ~(mask << pos)) | ((_to_int(value) & mask) << pos)
            _set(base, addr + off, layout, word)
            return None
        if not isinstance(f, tuple) or store:
            _syntax()
        head = _int(f[0]) if f else _syntax()
        kind = _kind(head)
        at = addr + (head & 0x1FFFFFFF)
        if kind == _KIND_STRUCT:
            return struct(at, f[1], layout)
        if kind == _KIND_ARRAY and len(f) == 2 and _vtype(_int(f[1])) == 0:
            return _ByRef(at, _agg_size(f, layout, [0]))
        return struct(at, f, layout)

    def __getattr__(self, name):
        if name[:2] == "__" and name[-2:] == "__":
            raise AttributeError(name)
        return self._field(name)

    def __setattr__(self, name, value):
        self._field(name, value, True)

    def __delattr__(self, name):
        raise TypeError("struct: no fields")

    def _item(self, i, value=None, store=False):
        d = self._uc_desc
        if not isinstance(d, tuple):
            raise TypeError("struct: can't index")
        i = _to_int(i)
        head = _int(d[0])
        kind = _kind(head)
        layout = self._uc_layout
        addr = self._uc_addr
        if kind == _KIND_ARRAY:
            n = _int(d[1])
            if i >= n & 0x07FFFFFF:
                raise IndexError("struct: index out of range")
            elem = d[1] if len(d) == 2 else d[2]
            return _element(addr, elem, i, layout, layout, value, store)
        if kind == _KIND_PTR:
            return _element(_ptr(addr), d[1], i, layout, NATIVE, value, store)
        raise TypeError("struct: can't index")

    def __getitem__(self, i):
        return self._item(i)

    def __setitem__(self, i, value):
        self._item(i, value, True)

    def __delitem__(self, i):
        raise TypeError("'struct' object doesn't support item deletion")

    def __int__(self):
        d = self._uc_desc
        if isinstance(d, tuple) and d and isinstance(d[0], int) and _kind(d[0]) == _KIND_PTR:
            return _ptr(self._uc_addr)
        raise TypeError("can't convert struct to int")

    def __buffer__(self, flags):
        n = sizeof(self)
        v = _mem.view(self._uc_addr, n)
        return v if v is not None else memoryview(_ByRef(self._uc_addr, n))


struct.__module__ = "builtins"


class _ByRef(_bytearray):
    # A bytearray over memory at an address (the firmware's bytearray by reference): indexing
    # reads and writes that memory; the rest of bytearray sees its contents as of the last read.
    def __new__(cls, addr, n):
        return _bytearray.__new__(cls)

    def __init__(self, addr, n):
        _bytearray.__init__(self, _mem.read(addr, n))
        self._uc_addr = addr & 0xFFFFFFFF

    def _sync(self):
        _bytearray.__setitem__(self, slice(None), _mem.read(self._uc_addr, len(self)))

    def __setitem__(self, i, v):
        self._sync()
        if type(v) is int and not isinstance(i, slice):
            v &= 0xFF
        _bytearray.__setitem__(self, i, v)
        with memoryview(self) as m:
            _mem.write(self._uc_addr, m)

    __hash__ = None


def _reading(name):
    # A bytearray method that first reads the memory again.
    base = getattr(_bytearray, name)

    def f(self, *args):
        self._sync()
        return base(self, *args)

    return f


for _n in ("__getitem__", "__iter__", "__repr__", "__str__", "__eq__", "__ne__", "__contains__",
           "hex", "decode", "find", "count", "startswith", "endswith"):
    setattr(_ByRef, _n, _reading(_n))
del _n
_ByRef.__name__ = _ByRef.__qualname__ = "bytearray"
_ByRef.__module__ = "builtins"


def addressof(obj):
    if isinstance(obj, struct):
        return obj._uc_addr
    if isinstance(obj, _ByRef):
        return obj._uc_addr
    if not isinstance(obj, str):
        try:
            memoryview(obj).release()
        except TypeError:
            raise TypeError("object with buffer protocol required") from None
    return _mem.address(obj)


def bytes_at(addr, size):
    return bytes(_mem.read(_to_int(addr), _size_arg(size)))


def bytearray_at(addr, size):
    return _ByRef(_to_int(addr), _size_arg(size))


def _size_arg(n):
    n = _to_int(n)
    if n < 0:
        raise ValueError("negative size")
    return n
