# The chip's memory as a script sees it through addresses (`uctypes`, `machine.mem8/16/32`).
#
# A buffer a script asks the address of (`uctypes.addressof`) is mapped at an address in the
# board's heap (board data: heap_base, heap_size) for as long as it lives; reads and writes at
# that address reach the buffer itself. Every other address is plain memory that reads back what
# was last written there and 0 where nothing was: mpsim models no peripheral registers.
import _mpsim

_info = _mpsim.board_info()
_HEAP = _info["heap_base"]
_HEAP_END = _HEAP + _info["heap_size"]
del _info

_bases = []  # sorted addresses of the mapped buffers
_objs = {}  # address -> buffer
_addr_of = {}  # id(buffer) -> address
_next = _HEAP
_plain = {}  # address -> byte, outside the mapped buffers


def _bytes_of(obj):
    # The bytes a mapped object holds at its address (an object without a buffer: none).
    if isinstance(obj, str):
        return obj.encode()
    try:
        memoryview(obj).release()
    except TypeError:
        return b""
    return obj


def _size(obj):
    if isinstance(obj, str):
        return len(obj.encode())
    try:
        with memoryview(obj) as m:
            return m.nbytes
    except TypeError:
        # An object that is no buffer still has an address (struct's "O"): a small block.
        return 8


def _prune():
    # Let go of the buffers that only this map still holds (the map's tuple, the loop's name and
    # the call's argument are the references counted here).
    for a in list(_bases):
        o = _objs[a]
        if _mpsim.refcount(o) <= 3:
            _unmap(a)
        o = None


def _unmap(a):
    o = _objs.pop(a)
    del _addr_of[id(o)]
    _bases.remove(a)


def _find_gap(n):
    # First address from the bump pointer on (then from the heap's start) where n bytes and the
    # gap after them fit between mapped buffers.
    global _next
    need = (n + 15) & ~7
    for start in (_next, _HEAP):
        a = start
        for b in _bases:
            if b + max(_size(_objs[b]), 1) + 8 <= a:
                continue
            if a + need <= b:
                break
            a = (b + max(_size(_objs[b]), 1) + 15) & ~7
        if a + need <= _HEAP_END or start == _HEAP:
            _next = a + need
            return a
    return a


def address(obj):
    # The address of a buffer's first byte; mapped on first use.
    a = _addr_of.get(id(obj))
    if a is not None and _objs[a] is obj:
        return a
    _prune()
    a = _find_gap(_size(obj))
    _objs[a] = obj
    _addr_of[id(obj)] = a
    i = 0
    while i < len(_bases) and _bases[i] < a:
        i += 1
    _bases.insert(i, a)
    return a


def _region(addr):
    # (base, buffer, length) of the mapped buffer holding addr, or (next base above addr or None,
    # None, 0) when addr is plain memory.
    for b in _bases:
        if b > addr:
            return b, None, 0
        o = _objs[b]
        n = _size(o)
        if addr < b + n:
            return b, o, n
    return None, None, 0


def view(addr, n):
    # A memoryview of the n bytes at addr when one writable mapped buffer holds them all.
    b, o, size = _region(addr & 0xFFFFFFFF)
    if o is None or isinstance(o, (bytes, str)) or (addr & 0xFFFFFFFF) + n > b + size:
        return None
    m = memoryview(o)
    if m.readonly:
        return None
    off = (addr & 0xFFFFFFFF) - b
    return m.cast("B")[off:off + n]


def _spans(addr, n):
    # The n bytes from addr in pieces: (start, end, buffer, offset in it) for a mapped buffer's
    # bytes, (start, end, None, 0) for plain memory; start and end count from addr.
    i = 0
    while i < n:
        b, o, size = _region(addr + i)
        if o is not None:
            k = min(n - i, b + size - addr - i)
            yield i, i + k, o, addr + i - b
            i += k
        else:
            end = n if b is None else min(n, b - addr)
            yield i, end, None, 0
            i = end


def read(addr, n):
    addr &= 0xFFFFFFFF
    out = bytearray(n)
    for i, end, o, off in _spans(addr, n):
        if o is not None:
            src = _bytes_of(o)
            if len(src):
                with memoryview(src) as m:
                    b = m.cast("B")[off:off + end - i]
                    out[i:i + len(b)] = b
        elif _plain:
            if end - i < len(_plain):
                for j in range(i, end):
                    out[j] = _plain.get(addr + j, 0)
            else:
                for a, v in _plain.items():
                    if addr + i <= a < addr + end:
                        out[a - addr] = v
    return out


def write(addr, data):
    addr &= 0xFFFFFFFF
    for i, end, o, off in _spans(addr, len(data)):
        if o is None:
            for j in range(i, end):
                a = (addr + j) & 0xFFFFFFFF
                if data[j]:
                    _plain[a] = data[j]
                else:
                    _plain.pop(a, None)
            continue
        m = None if isinstance(o, (bytes, str)) else memoryview(o)
        if m is None or m.readonly:
            raise TypeError("'%s' object doesn't support item assignment" % type(o).__name__)
        with m:
            m.cast("B")[off:off + end - i] = data[i:end]


def object_at(addr):
    # The object mapped at addr (struct's "O"); None where there is none.
    return _objs.get(addr & 0xFFFFFFFF)


def string_at(addr):
    # The NUL-terminated string at addr (struct's "S").
    out = b""
    while len(out) < 4096:
        chunk = bytes(read(addr + len(out), 16))
        i = chunk.find(b"\0")
        if i >= 0:
            return (out + chunk[:i]).decode()
        out += chunk
    return out.decode()
