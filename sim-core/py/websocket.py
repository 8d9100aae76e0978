# websocket: the firmware's RFC 6455 framing over a stream (docs: the webrepl's transport;
# behaviour of extmod/modwebsocket.c). Reads unmask and join data frames, answer a close frame
# and skip pings and pongs; writes send one unmasked frame each (text frames unless the data
# options say otherwise), up to 64 KiB. 64-bit lengths are not supported: the stream is closed
# and the read fails with EIO, as on the board.
import errno
import _mpsim_stream

_CLOSE = 8
_OPCODE = 0x0F
_TEXT = 1

_STREAM_CLOSE = 4
_GET_DATA_OPTS = 8
_SET_DATA_OPTS = 9


_HEADER = 0
_OPT = 1
_PAYLOAD = 2


class _Again(Exception):
    pass


class websocket(_mpsim_stream.Reads):
    def __init__(self, sock, blocking_write=False):
        if not (hasattr(sock, "read") and hasattr(sock, "write")):
            raise OSError(errno.EINVAL)
        self._sock = sock
        self._blocking_write = blocking_write is True
        self._opts = _TEXT
        # The frame being read: its stage, the header bytes still to come, then the payload.
        self._stage = _HEADER
        self._got = b""
        self._want = 2
        self._extra = 0
        self._size = 0
        self._mask = b"\0\0\0\0"
        self._mask_pos = 0
        self._flags = 0  # the current frame's first byte
        self._data_flags = 0  # the last data frame's, continuations keeping its opcode

    def _raw(self, n):
        # One read of the stream below, as the firmware's stream protocol does it.
        s = self._sock
        try:
            b = s.recv(n) if hasattr(s, "recv") else s.read(n)
        except OSError as e:
            if e.errno == errno.EAGAIN:
                raise _Again() from None
            raise
        if b is None:
            raise _Again()
        return b

    def _read1(self, size):
        # Up to `size` payload bytes: b"" at the end of the stream or after a close frame.
        while True:
            while self._want:
                b = self._raw(self._want)
                if not b:
                    return b""
                self._got += b
                self._want -= len(b)
                if self._want:
                    raise _Again()
            if self._stage == _HEADER:
                self._header(self._got)
                continue
            if self._stage == _OPT:
                if self._extra & 2:
                    self._size = (self._got[0] << 8) | self._got[1]
                if self._extra & 4:
                    self._mask = self._got[-4:]
                self._stage = _PAYLOAD
            data = b""
            if self._size:
                data = self._raw(min(size, self._size))
                if not data:
                    return b""
                m, p = self._mask, self._mask_pos
                data = bytes(c ^ m[(p + i) & 3] for i, c in enumerate(data))
                self._mask_pos = p + len(data)
                self._size -= len(data)
            if self._size == 0:
                self._stage = _HEADER
                self._got = b""
                self._want = 2
                self._mask_pos = 0
                opcode = self._flags & _OPCODE
                if opcode == _CLOSE:
                    self._send(b"\x88\x00", b"")
                    return b""
                if opcode > _CLOSE:
                    continue  # ping, pong: nothing for the reader
            if data:
                return data
            # An empty data frame is not the end of the stream.

    def _header(self, h):
        b0, b1 = h[0], h[1]
        # Control frames may come between the fragments of a message: they leave the data
        # frame's flags alone, and a continuation keeps the message's opcode.
        self._flags = b0
        if b0 & _OPCODE == 0:
            self._data_flags = (self._data_flags & _OPCODE) | (b0 & ~_OPCODE & 0xFF)
        else:
            self._data_flags = b0
        self._mask = b"\0\0\0\0"
        n = b1 & 0x7F
        extra = 0
        if n == 126:
            extra = 2
        elif n == 127:
            self._close_sock()
            raise OSError(errno.EIO)
        if b1 & 0x80:
            extra += 4
        self._size = n
        self._got = b""
        self._extra = extra
        self._want = extra
        self._stage = _OPT if extra else _PAYLOAD

    def _close_sock(self):
        close = getattr(self._sock, "close", None)
        if close is not None:
            close()

    def _stream_read(self, n):
        # The firmware's stream read: until n bytes, the end, or nothing more for now.
        out = b""
        while n < 0 or len(out) < n:
            try:
                b = self._read1(4096 if n < 0 else n - len(out))
            except _Again:
                if out:
                    break
                return None
            except OSError:
                if out:
                    break
                raise
            if not b:
                break
            out += b
        return out

    def read(self, n=-1):
        return self._stream_read(n)

    def _send(self, header, data):
        s = self._sock
        if self._blocking_write:
            s.setblocking(True)
        try:
            for part in (header, data):
                view = memoryview(part)
                while len(view):
                    n = s.write(view)
                    if n is None:
                        raise OSError(errno.EAGAIN)
                    view = view[n:]
        finally:
            if self._blocking_write:
                s.setblocking(False)

    def write(self, data):
        # The size is checked before anything is copied, as the firmware writes from the
        # caller's buffer.
        if isinstance(data, str):
            if len(data) >= 0x10000:
                raise OSError(errno.ENOBUFS)
            data = data.encode()
        data = memoryview(data).cast("B")
        n = len(data)
        if n >= 0x10000:
            raise OSError(errno.ENOBUFS)
        b0 = 0x80 | (self._opts & _OPCODE)
        if n < 126:
            header = bytes((b0, n))
        else:
            header = bytes((b0, 126, n >> 8, n & 0xFF))
        self._send(header, data)
        return n

    def ioctl(self, request, arg=0):
        if request == _STREAM_CLOSE:
            self._close_sock()
            return 0
        if request == _GET_DATA_OPTS:
            return self._data_flags & _OPCODE
        if request == _SET_DATA_OPTS:
            cur = self._opts & _OPCODE
            self._opts = (self._opts & ~_OPCODE) | (arg & _OPCODE)
            return cur
        raise OSError(errno.EINVAL)

    def close(self):
        self._close_sock()
