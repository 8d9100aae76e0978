# socket/usocket: the board's lwIP sockets (extmod/modlwip.c's surface), carried by host sockets
# through _mpsim_net under the --net policy. Outbound traffic needs the station connected;
# servers on the board listen on this machine's loopback at a mapped port (printed on stderr).
import _mpsim
import _mpsim_net as _n

if _n.spec() is None:
    # A board without a network stack (the plain Pico) has no socket module.
    raise ImportError("no module named 'socket'")

AF_INET = 2
AF_INET6 = 10
SOCK_STREAM = 1
SOCK_DGRAM = 2
SOCK_RAW = 3
IPPROTO_IP = 0
IPPROTO_TCP = 6
IPPROTO_UDP = 17
SOL_SOCKET = 1
SO_REUSEADDR = 4
IP_ADD_MEMBERSHIP = 0x400

_EAGAIN = 11
_EINPROGRESS = 115
_ETIMEDOUT = 110
_EHOSTUNREACH = 113
_ENOTCONN = 107
_EBADF = 9
_POLLIN = 1
_POLLOUT = 4
_POLLERR = 8
_POLLHUP = 16


def _err(n):
    return _mpsim.oserror(n)


def _sta_up():
    try:
        import network
    except ImportError:
        return False
    return network._sta_up()


def _resolve(host, port):
    if isinstance(host, bytes):
        host = host.decode()
    if not isinstance(host, str):
        raise TypeError("can't convert %s to str" % type(host).__name__)
    parts = host.split(".")
    literal = len(parts) == 4 and all(p.isdigit() for p in parts)
    if not literal and not _sta_up():
        # No station, no DNS server: the lookup fails as the board's does.
        host = ""
    return _n.resolve(host, port)


def getaddrinfo(host, port, af=0, type=0, proto=0, flags=0):
    port = int(port)
    ips = _resolve(host, port)
    st = type or SOCK_STREAM
    return [(AF_INET, st, proto, "", (ip, port)) for ip in ips[:1]]


def _addr(addr):
    if not isinstance(addr, (tuple, list)) or len(addr) < 2:
        raise TypeError("expected tuple")
    host, port = addr[0], addr[1]
    if not isinstance(port, int):
        raise TypeError("can't convert %s to int" % type(port).__name__)
    if host == "":
        host = "0.0.0.0"
    return _resolve(host, port)[0], port


def _buf(data):
    # MicroPython's str has the buffer protocol: sockets take it as its UTF-8 bytes.
    if isinstance(data, str):
        return data.encode()
    return data


def _deadline(timeout):
    if timeout is None:
        return None
    return _mpsim.ticks_us() + int(timeout * 1000000)


class socket:
    _net = True

    def __init__(self, af=AF_INET, type=SOCK_STREAM, proto=0):
        self._id = 0
        for a in (af, type, proto):
            if not isinstance(a, int):
                raise TypeError("can't convert %s to int" % a.__class__.__name__)
        if af != AF_INET:
            raise _err(22)
        if type not in (SOCK_STREAM, SOCK_DGRAM):
            raise _err(22)
        self._type = type
        self._h = _n.socket(type == SOCK_STREAM)
        self._id = self._h.id()
        self._timeout = None
        self._listening = False
        self._cb = None

    def __repr__(self):
        return "<socket state=%d timeout=%d incoming=0 off=0>" % (
            0 if self._id else -1,
            -1 if self._timeout is None else int(self._timeout * 1000),
        )

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def _live(self):
        # The socket's handle (the board's sockets are reached by it, never by number).
        if not self._id:
            raise _err(_EBADF)
        return self._h

    def close(self):
        if self._id:
            _n.close(self._h)
            self._id = 0
            self._h = None

    def _wait(self, mask, deadline):
        # Blocks like lwIP's socket calls: timers, IRQs and Ctrl-C keep working meanwhile.
        while True:
            ev = _n.ready(self._live(), mask)
            if ev:
                return ev
            if self._timeout == 0:
                raise _err(_EAGAIN)
            if deadline is None:
                _n.wait(-1)
            else:
                left = deadline - _mpsim.ticks_us()
                if left <= 0:
                    raise _err(_ETIMEDOUT)
                _n.wait(max(1, left // 1000))

    def settimeout(self, value):
        if value is not None and value < 0:
            raise ValueError("timeout must be non-negative")
        self._timeout = value

    def setblocking(self, flag):
        self._timeout = None if flag else 0

    def setsockopt(self, level, optname, value):
        if level == SOL_SOCKET and optname == SO_REUSEADDR:
            _n.setreuse(self._live(), bool(value))
        elif level == SOL_SOCKET and optname == 20:
            # The ESP8266's callback on incoming data (webrepl uses it); kept, not called.
            self._cb = value

    def bind(self, addr):
        ip, port = _addr(addr)
        _n.bind(self._live(), port)

    def listen(self, backlog=2):
        _n.listen(self._live(), backlog)
        self._listening = True

    def accept(self):
        deadline = _deadline(self._timeout)
        while True:
            r = _n.accept(self._live())
            if r is not None:
                h, ip, port = r
                s = socket.__new__(socket)
                s._type = SOCK_STREAM
                s._h = h
                s._id = h.id()
                s._timeout = None
                s._listening = False
                s._cb = None
                return s, (ip, port)
            self._wait(_POLLIN, deadline)

    def connect(self, addr):
        ip, port = _addr(addr)
        if not _sta_up():
            raise _err(_EHOSTUNREACH)
        import network
        if _n.connect(self._live(), ip, port, ip in network._addresses()):
            return
        if self._timeout == 0:
            raise _err(_EINPROGRESS)
        deadline = _deadline(self._timeout)
        while not _n.connect_done(self._h):
            self._wait(_POLLOUT, deadline)

    def send(self, data):
        data = _buf(data)
        deadline = _deadline(self._timeout)
        while True:
            n = _n.send(self._live(), data)
            if n is not None:
                return n
            self._wait(_POLLOUT, deadline)

    def sendall(self, data):
        data = memoryview(_buf(data))
        deadline = _deadline(self._timeout)
        while len(data):
            n = _n.send(self._live(), data)
            if n is None:
                self._wait(_POLLOUT, deadline)
                continue
            data = data[n:]

    def write(self, data, off=None, size=None):
        # MicroPython streams: write(buf, len) and write(buf, off, len).
        data = _buf(data)
        if off is not None:
            data = memoryview(data)
            data = data[:off] if size is None else data[off : off + size]
        if self._timeout == 0:
            n = _n.send(self._live(), data)
            return n
        self.sendall(data)
        return len(data)

    def recv(self, bufsize):
        deadline = _deadline(self._timeout)
        while True:
            b = _n.recv(self._live(), bufsize)
            if b is not None:
                return b
            self._wait(_POLLIN, deadline)

    # Stream reads as MicroPython's: blocking ones wait (read(n) for n bytes or the end), on a
    # non-blocking socket they return what is there, None when nothing is.
    def _recv_some(self, n):
        try:
            return self.recv(n)
        except OSError as e:
            if e.errno == _EAGAIN:
                return None
            raise

    def read(self, size=-1):
        if size is None or size < 0:
            out = b""
            while True:
                b = self._recv_some(1024)
                if not b:
                    return out if b is not None or out else None
                out += b
        if self._timeout == 0:
            return _n.recv(self._live(), size)
        out = b""
        while len(out) < size:
            b = self.recv(size - len(out))
            if not b:
                break
            out += b
        return out

    def readinto(self, buf, nbytes=None):
        n = len(buf) if nbytes is None else nbytes
        b = self.read(n)
        if b is None:
            return None
        buf[: len(b)] = b
        return len(b)

    def readline(self):
        out = b""
        while True:
            b = self._recv_some(1)
            if not b:
                return out if b is not None or out else None
            out += b
            if b == b"\n":
                return out

    def makefile(self, mode="rb", buffering=0):
        return self

    def sendto(self, data, addr):
        data = _buf(data)
        ip, port = _addr(addr)
        if not _sta_up():
            raise _err(_EHOSTUNREACH)
        deadline = _deadline(self._timeout)
        while True:
            n = _n.sendto(self._live(), data, ip, port)
            if n is not None:
                return n
            self._wait(_POLLOUT, deadline)

    def recvfrom(self, bufsize):
        deadline = _deadline(self._timeout)
        while True:
            r = _n.recvfrom(self._live(), bufsize)
            if r is not None:
                return r[0], (r[1], r[2])
            self._wait(_POLLIN, deadline)

    def ioctl(self, req, arg):
        if req == 3:
            if not self._id:
                return 0x20  # POLLNVAL: closed
            return _n.ready(self._h, arg)
        return -1

    def fileno(self):
        # -1 once closed, as the firmware's.
        return self._id or -1


def inet_pton(af, s):
    if af != AF_INET:
        raise _err(22)
    p = s.split(".")
    if len(p) != 4:
        raise _err(22)
    return bytes(int(x) for x in p)


def inet_ntop(af, b):
    if af != AF_INET or len(b) != 4:
        raise _err(22)
    return "%d.%d.%d.%d" % tuple(b)
