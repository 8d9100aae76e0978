# micropython: the VM controls of the board's firmware.
import _mpsim



def const(expr):
    return expr


def opt_level(level=None):
    # The level the compiler uses from now on: 1 drops asserts (__debug__ is False), 3 also
    # line numbers.
    if level is None:
        return _mpsim.opt_level()
    _mpsim.opt_level(level)


def _stack():
    return 2112


def mem_info(verbose=None):
    used, total = _mpsim.heap_stats()
    print("stack: %d out of 8192" % _stack())
    print("GC: total: %d, used: %d, free: %d" % (total, used, total - used))
    print(" No. of 1-blocks: %d, 2-blocks: %d, max blk sz: %d, max free sz: %d"
          % (used // 64, used // 256, 40, (total - used) // 16))
    if verbose:
        print("GC memory layout; from 3ffef800:")


def qstr_info(verbose=None):
    print("qstr pool: n_pool=1, n_qstr=20, n_str_data_bytes=181, n_total_bytes=1277")


def stack_use():
    return _stack()


def alloc_emergency_exception_buf(size):
    pass


def heap_lock():
    _mpsim.heap_lock(1)


def heap_unlock():
    return _mpsim.heap_lock(-1)


def heap_locked():
    return _mpsim.heap_lock(0)


def kbd_intr(chr):
    _mpsim.kbd_intr(chr)


def schedule(func, arg):
    if not _mpsim.schedule(func, arg):
        raise RuntimeError("schedule queue full")


class RingIO:
    # A byte ring buffer that is a stream (py/objringio.c's behaviour): RingIO(size) holds size
    # bytes, RingIO(buffer) one less than the buffer; reads and writes take what there is or
    # what fits, and select/asyncio poll it. The micro:bit's older firmware has none.
    def __init__(self, size_or_buffer):
        try:
            buf = memoryview(size_or_buffer).cast("B")
            if buf.readonly:
                raise TypeError
        except TypeError:
            if not isinstance(size_or_buffer, int):
                raise TypeError("can't convert %s to int" % type(size_or_buffer).__name__) from None
            n = size_or_buffer + 1
            if n < 2 or n > 0xFFFF:
                raise ValueError()
            buf = memoryview(bytearray(n))
        if len(buf) < 2 or len(buf) > 0xFFFF:
            raise ValueError()
        self._buf = buf
        self._get = 0
        self._put = 0

    def __repr__(self):
        return "<RingIO>"

    def any(self):
        return (self._put - self._get) % len(self._buf)

    def _free(self):
        return len(self._buf) - 1 - self.any()

    def _take(self, n):
        n = min(n, self.any())
        size = len(self._buf)
        out = bytearray(n)
        first = min(n, size - self._get)
        out[:first] = self._buf[self._get:self._get + first]
        out[first:] = self._buf[:n - first]
        self._get = (self._get + n) % size
        return out

    def read(self, n=-1):
        return bytes(self._take(self.any() if n is None or n < 0 else n))

    def readinto(self, buf, n=-1):
        m = memoryview(buf).cast("B")
        if n < 0 or n > len(m):
            n = len(m)
        data = self._take(n)
        m[:len(data)] = data
        return len(data)

    def readline(self, n=-1):
        out = bytearray()
        while (n < 0 or len(out) < n) and self.any():
            c = self._take(1)
            out += c
            if c == b"\n":
                break
        return bytes(out)

    def write(self, data):
        m = memoryview(data).cast("B")
        n = min(len(m), self._free())
        size = len(self._buf)
        first = min(n, size - self._put)
        self._buf[self._put:self._put + first] = m[:first]
        self._buf[:n - first] = m[first:n]
        self._put = (self._put + n) % size
        return n

    def ioctl(self, req, arg):
        if req == 3:  # MP_STREAM_POLL: readable when holding bytes, writable when not full
            return (arg & 1 if self.any() else 0) | (arg & 4 if self._free() else 0)
        if req == 4:  # MP_STREAM_CLOSE
            return 0
        raise OSError(22)

    def close(self):
        pass


if _mpsim.board_info()["platform"] == "microbit":
    del RingIO
