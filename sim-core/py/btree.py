# btree: a sorted key/value database in a stream (docs: library/btree), with the firmware's
# API and behaviour: buffer keys and values, ordered iteration over key ranges (INCL, DESC),
# seq() and its cursor, flush()/close(), ValueError once closed, the stream's errors raised as
# OSError. The database lives in memory and is written to the stream by flush() and close();
# the bytes on the stream are mpsim's own layout, not Berkeley DB's pages (docs/differences.md).
import errno

INCL = 1
DESC = 2

# seq() flags (Berkeley DB 1.85's numbering, which the firmware passes through).
_R_CURSOR = 1
_R_FIRST = 3
_R_LAST = 6
_R_NEXT = 7
_R_PREV = 9

_KEYS = 0x40
_VALUES = 0x80
_ITEMS = 0xC0

_MAGIC = b"mpsimbt1"
_HEADER = 24  # what the firmware reads first: the size of the database's metadata
_NULL = object()


def _buf(obj):
    if isinstance(obj, str):
        return obj.encode()
    try:
        return bytes(memoryview(obj))
    except TypeError:
        raise TypeError("object with buffer protocol required") from None


def _u32(b, i):
    return b[i] | b[i + 1] << 8 | b[i + 2] << 16 | b[i + 3] << 24


def _p32(n):
    return bytes((n & 0xFF, n >> 8 & 0xFF, n >> 16 & 0xFF, n >> 24 & 0xFF))


def _check(r):
    # A stream method that returns a negative number reports -errno, as the firmware reads it.
    if isinstance(r, int) and r < 0:
        raise OSError(-r)
    return r


def _read(stream, n):
    buf = bytearray(n)
    got = 0
    while got < n:
        r = _check(stream.readinto(memoryview(buf)[got:]))
        if not r:
            break
        got += r
    return bytes(buf[:got])


def _seek(stream, pos):
    if hasattr(stream, "seek"):
        stream.seek(pos)
    else:
        _check(stream.ioctl(2, pos))


def _first_at_or_after(keys, k):
    lo, hi = 0, len(keys)
    while lo < hi:
        mid = (lo + hi) // 2
        if keys[mid] < k:
            lo = mid + 1
        else:
            hi = mid
    return lo


class _Db:
    def __init__(self, stream, pagesize):
        self._stream = stream
        self._pagesize = pagesize or 4096
        self._keys = []
        self._data = {}
        self._cursor = None  # the key seq() and iteration stand on
        self._open = True
        self._flags = _KEYS
        self._next_flags = 0
        self._start = None
        self._end = None
        head = _read(stream, _HEADER)
        if not head:
            _seek(stream, 0)
            return
        if len(head) != _HEADER or head[:8] != _MAGIC:
            raise OSError(errno.EINVAL)
        count, size = _u32(head, 12), _u32(head, 16)
        body = _read(stream, size)
        if len(body) != size:
            raise OSError(errno.EINVAL)
        i = 0
        for _ in range(count):
            if i + 8 > size:
                raise OSError(errno.EINVAL)
            kl, vl = _u32(body, i), _u32(body, i + 4)
            i += 8
            if i + kl + vl > size:
                raise OSError(errno.EINVAL)
            k = body[i:i + kl]
            self._data[k] = body[i + kl:i + kl + vl]
            i += kl + vl
        self._keys = sorted(self._data)

    def __repr__(self):
        return "<btree %x>" % ((id(self) & 0x3FFFFF) | 0x3FF00000) if self._open else "<btree 0>"

    def _alive(self):
        if not self._open:
            raise ValueError("database closed")

    def _write(self):
        parts = []
        for k in self._keys:
            v = self._data[k]
            parts.append(_p32(len(k)) + _p32(len(v)) + k + v)
        body = b"".join(parts)
        head = _MAGIC + _p32(self._pagesize) + _p32(len(self._keys)) + _p32(len(body)) + bytes(4)
        s = self._stream
        _seek(s, 0)
        for chunk in (head, body):
            view = memoryview(chunk)
            while len(view):
                n = _check(s.write(view))
                if not n:
                    raise OSError(errno.EIO)
                view = view[n:]
        if hasattr(s, "flush"):
            s.flush()

    def flush(self):
        self._alive()
        self._write()
        return 0

    def close(self):
        if self._open:
            self._write()
            self._open = False
            self._data = {}
            self._keys = []
        return 0

    def put(self, key, value, flags=0):
        self._alive()
        self[key] = value
        return 0

    def get(self, key, default=None):
        self._alive()
        return self._data.get(_buf(key), default)

    def __getitem__(self, key):
        self._alive()
        try:
            return self._data[_buf(key)]
        except KeyError:
            raise KeyError() from None

    def __setitem__(self, key, value):
        self._alive()
        k, v = _buf(key), _buf(value)
        if k not in self._data:
            self._keys.insert(_first_at_or_after(self._keys, k), k)
        self._data[k] = v

    def __delitem__(self, key):
        self._alive()
        k = _buf(key)
        if k not in self._data:
            raise KeyError()
        del self._data[k]
        del self._keys[_first_at_or_after(self._keys, k)]

    def __contains__(self, key):
        self._alive()
        return _buf(key) in self._data

    def _step(self, flags, key=None):
        # One move of the cursor; None past either end.
        keys = self._keys
        if flags == _R_CURSOR:
            i = _first_at_or_after(keys, key)
        elif flags == _R_FIRST or (flags == _R_NEXT and self._cursor is None):
            i = 0
        elif flags == _R_LAST or (flags == _R_PREV and self._cursor is None):
            i = len(keys) - 1
        elif flags == _R_NEXT:
            i = _first_at_or_after(keys, self._cursor)
            if i < len(keys) and keys[i] == self._cursor:
                i += 1
        else:
            i = _first_at_or_after(keys, self._cursor) - 1
        if not 0 <= i < len(keys):
            return None
        self._cursor = keys[i]
        return self._cursor

    def seq(self, flags, key=None):
        self._alive()
        if not isinstance(flags, int) or flags not in (_R_CURSOR, _R_FIRST, _R_LAST, _R_NEXT, _R_PREV) \
                or (flags == _R_CURSOR and key is None):
            raise OSError(errno.EINVAL)
        k = self._step(flags, None if key is None else _buf(key))
        return None if k is None else (k, self._data[k])

    def _iter(self, kind, start, end, flags):
        self._next_flags = kind | flags
        self._start = start
        self._end = end
        return self

    def keys(self, start=None, end=None, flags=0):
        return self._iter(_KEYS, start, end, flags)

    def values(self, start=None, end=None, flags=0):
        return self._iter(_VALUES, start, end, flags)

    def items(self, start=None, end=None, flags=0):
        return self._iter(_ITEMS, start, end, flags)

    def __iter__(self):
        if self._next_flags:
            self._flags = self._next_flags
            self._next_flags = 0
        else:
            self._flags = _KEYS
            self._start = None
            self._end = None
        return self

    def __next__(self):
        self._alive()
        desc = self._flags & DESC
        if self._start is not _NULL:
            if self._start is not None:
                k = self._step(_R_CURSOR, _buf(self._start))
            else:
                k = self._step(_R_LAST if desc else _R_FIRST)
            self._start = _NULL
        else:
            k = self._step(_R_PREV if desc else _R_NEXT)
        if k is None:
            raise StopIteration
        if self._end is not None and self._end is not _NULL:
            end = _buf(self._end)
            cmp = (k > end) - (k < end)
            if desc:
                cmp = -cmp
            if self._flags & INCL:
                cmp -= 1
            if cmp >= 0:
                self._end = _NULL
                raise StopIteration
        kind = self._flags & _ITEMS
        if kind == _KEYS:
            return k
        if kind == _VALUES:
            return self._data[k]
        return (k, self._data[k])


def open(stream, *, flags=0, cachesize=0, pagesize=0, minkeypage=0):
    if not (hasattr(stream, "readinto") or hasattr(stream, "read")) or not hasattr(stream, "write") \
            and not hasattr(stream, "ioctl"):
        raise TypeError("stream operation not supported")
    if pagesize and (pagesize < 128 or pagesize > 65536 or pagesize & 1):
        raise OSError(errno.EINVAL)
    return _Db(stream, pagesize)
