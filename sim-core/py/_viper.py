# The viper code emitter's types, for functions decorated @micropython.viper (which run as
# ordinary bytecode here): arguments and results converted as the annotations say (int and uint
# are 32-bit machine words, bool is truthiness, ptr types are raw memory), and ptr8/ptr16/ptr32
# pointers that read and write a buffer's bytes as the board's little-endian memory.
#
# An address is a number in a pretend RAM: each buffer handed to viper gets its own range, so
# `int(ptr)` and a pointer made from that number (plus an offset) reach the same bytes. Nothing
# outside a known buffer can be read or written: that is an IndexError, not a crash.

_MASK = 0xFFFFFFFF
_RAM = 0x3FFF0000  # where pretend addresses start (the ESP8266's data RAM, as it happens)
_KEEP = 64  # buffers remembered for address lookups, newest last
_spaces = []  # [base, length, buffer]
_next = [_RAM]


def word(x):
    # A signed 32-bit machine word.
    x = int(x) & _MASK
    return x - 0x100000000 if x & 0x80000000 else x


def uint(x):
    return int(x) & _MASK


def _space_of(obj):
    for entry in _spaces:
        if entry[2] is obj:
            return entry
    n = len(memoryview(obj).cast("B"))
    entry = [_next[0], n, obj]
    _next[0] += (n + 15) & ~15 or 16
    _spaces.append(entry)
    if len(_spaces) > _KEEP:
        del _spaces[0]
    return entry


def address(obj):
    if isinstance(obj, Ptr):
        return obj.addr
    if isinstance(obj, int):
        return obj & _MASK
    return _space_of(obj)[0]


class Ptr:
    # A pointer to `size`-byte items starting at address `addr`.
    size = 1

    def __init__(self, target):
        if isinstance(target, Ptr):
            self.addr = target.addr
        elif isinstance(target, int):
            self.addr = target & _MASK
        else:
            self.addr = _space_of(target)[0]

    def _mem(self, i, n):
        a = self.addr + i * self.size
        for base, length, buf in _spaces:
            if base <= a and a + n <= base + length:
                return memoryview(buf).cast("B"), a - base
        raise IndexError("viper pointer outside its buffer")

    def __getitem__(self, i):
        mem, off = self._mem(i, self.size)
        v = int.from_bytes(bytes(mem[off:off + self.size]), "little")
        if self.size == 4 and v & 0x80000000:
            v -= 0x100000000
        return v

    def __setitem__(self, i, v):
        mem, off = self._mem(i, self.size)
        n = self.size
        mem[off:off + n] = (int(v) & ((1 << (8 * n)) - 1)).to_bytes(n, "little")

    def __int__(self):
        return self.addr

    __index__ = __int__

    def __add__(self, n):
        return type(self)(self.addr + int(n))

    def __sub__(self, n):
        if isinstance(n, Ptr):
            return self.addr - n.addr
        return type(self)(self.addr - int(n))

    def __eq__(self, other):
        return int(self) == address(other) if isinstance(other, (Ptr, int)) else False

    def __hash__(self):
        return self.addr

    def __bool__(self):
        return self.addr != 0


class ptr8(Ptr):
    size = 1


class ptr16(Ptr):
    size = 2


class ptr32(Ptr):
    size = 4


class ptr(Ptr):
    size = 1


def _wrap(cls, v):
    v = int(v) & _MASK
    if cls is _I32 and v & 0x80000000:
        v -= 0x100000000
    return cls(v)


def _arith(op):
    # An operation on machine words wraps at 32 bits; a uint operand makes the result a uint.
    def forward(self, other):
        if not isinstance(other, int):
            return NotImplemented
        cls = _U32 if _U32 in (type(self), type(other)) else type(self)
        return _wrap(cls, op(int(self), int(other)))

    def reverse(self, other):
        if not isinstance(other, int):
            return NotImplemented
        cls = _U32 if _U32 in (type(self), type(other)) else type(self)
        return _wrap(cls, op(int(other), int(self)))

    return forward, reverse


class _I32(int):
    # An `int`-annotated viper value: a signed 32-bit machine word.
    pass


class _U32(int):
    # A `uint`-annotated viper value: an unsigned 32-bit machine word.
    pass


for _cls in (_I32, _U32):
    for _name, _op in (("add", lambda a, b: a + b), ("sub", lambda a, b: a - b), ("mul", lambda a, b: a * b),
                       ("and", lambda a, b: a & b), ("or", lambda a, b: a | b), ("xor", lambda a, b: a ^ b),
                       ("lshift", lambda a, b: a << (b & 31))):
        _f, _r = _arith(_op)
        setattr(_cls, "__%s__" % _name, _f)
        setattr(_cls, "__r%s__" % _name, _r)
    _cls.__neg__ = lambda self: _wrap(type(self), -int(self))
    _cls.__invert__ = lambda self: _wrap(type(self), ~int(self))
del _cls, _name, _op, _f, _r


def _plain(value):
    # Words leave a viper function as ordinary ints (in a tuple it returns, too).
    if isinstance(value, (_I32, _U32)):
        return int(value)
    if type(value) is tuple:
        return tuple(_plain(v) for v in value)
    return value


def _convert(kind, value):
    if kind is int:
        return _I32(word(value))
    if kind is uint:
        return _U32(uint(value))
    if kind is bool:
        return bool(value)
    if isinstance(kind, type) and issubclass(kind, Ptr):
        return kind(value)
    return value


def _result(kind, value):
    if kind is int:
        return word(0 if value is None else value)
    if kind is uint:
        return uint(0 if value is None else value)
    if kind is bool:
        return bool(value)
    if isinstance(kind, type) and issubclass(kind, Ptr):
        return address(value)
    return _plain(value)


def viper(f):
    ann = f.__annotations__
    code = f.__code__
    names = code._mpsim_co_varnames[:code._mpsim_co_argcount]
    kinds = tuple(ann.get(n) for n in names)
    ret = ann.get("return")
    name = f.__name__

    def call(*args):
        args = tuple(_convert(k, a) if k is not None else a for k, a in zip(kinds, args)) + args[len(kinds):]
        return _result(ret, f(*args))

    call.__name__ = name
    return call
